#!/usr/bin/env bash
# Load on `latent serve` with wrk: /api/search (exact index, then HNSW index) and
# /api/reconstruct at 1, 8 and 32 connections (DURATION seconds each, default 10), the PyTorch
# reference server on search, then /api/search (HNSW) at 32 connections for 60 s while the
# server's resident memory is sampled every 5 s. Prints req/s, p50, p99 and errors per run.
# The model: 784-256-32 trained 3 epochs on 10,000 MNIST images; the index: all 60,000 MNIST
# training images, exact (IndexFlatL2: each query reads all 7.7 MB of codes) and HNSW (--hnsw).
# Usage: bench/serve_load.sh            (needs wrk: scripts/setup.sh installs it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
latent=${LATENT_BUILD:-$root/build}/latent  # another build directory: LATENT_BUILD=...
[ -x "$latent" ] || "$root/scripts/build.sh" >/dev/null
command -v wrk >/dev/null || { echo "serve_load: needs wrk (apt-get install wrk)" >&2; exit 2; }
duration=${DURATION:-10}
out="$root/out/bench"
mkdir -p "$out"
model=$out/serve.model
[ -f "$model" ] ||
  "$latent" train --data mnist --limit 10000 --layers 256 --latent 32 --epochs 3 --seed 1 --out "$model" 2>/dev/null
[ -f "$out/serve.index" ] || "$latent" index build --model "$model" --data mnist --split train --out "$out/serve.index" >/dev/null
[ -f "$out/serve_hnsw.index" ] ||
  "$latent" index build --model "$model" --data mnist --split train --hnsw --out "$out/serve_hnsw.index" >/dev/null

. "$root/tests/serve_lib.sh"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
# The request body: MNIST test image 0 as {"pixels": [...]}.
/usr/bin/python3 - "$root/data/mnist/t10k-images-idx3-ubyte" >"$work/body.json" <<'PY'
import json, sys
with open(sys.argv[1], "rb") as f:
    f.seek(16)
    print(json.dumps({"pixels": list(f.read(784))}))
PY
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/body.json")
wrk.body = f:read("*a")
f:close()
LUA

start_server() {  # index file
  "$latent" serve --index "$1" --model "$model" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
  pid=$!
  port=$(serve_port "$work/serve.out" "$pid") ||
    { echo "serve_load: the server did not start: $(cat "$work/serve.err")" >&2; exit 1; }
}
stop_server() {
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share it: timings are noisy)"

# wrk's "1.23ms"/"456.00us"/"1.02s" → milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
run() {  # endpoint connections seconds
  local threads=$(( $2 < 2 ? 1 : 2 ))
  wrk -t"$threads" -c"$2" -d"$3s" --latency -s "$work/post.lua" "http://127.0.0.1:$port$1" >"$work/wrk.txt"
  local rps p50 p99 non2xx sock
  rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk.txt")
  p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk.txt")")
  p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk.txt")")
  non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.txt")
  sock=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$work/wrk.txt")
  printf "%-18s %5d %10.0f %9s %9s %7d\n" "$1" "$2" "$rps" "$p50" "$p99" "$(( ${non2xx:-0} + ${sock:-0} ))"
}
printf "%-18s %5s %10s %9s %9s %7s\n" endpoint conns "req/s" "p50 ms" "p99 ms" errors
start_server "$out/serve.index"
echo "exact index: $(cat "$work/serve.out")"
for endpoint in /api/search /api/reconstruct; do
  for c in 1 8 32; do run "$endpoint" "$c" "$duration"; done
done
# The PyTorch reference (bench/reference/serve_search.py: ThreadingHTTPServer + PyTorch, same
# encoder shape, exact search over 60,000 codes, no thumbnails) against latent with the exact
# index, on /api/search at 32 connections.
/usr/bin/python3 "$root/bench/reference/serve_search.py" 0 >"$work/ref.out" 2>"$work/ref.err" &
ref_pid=$!
for _ in $(seq 600); do grep -q listening "$work/ref.out" && break; sleep 0.1; done
ref_port=$(awk '/listening/ { print $2 }' "$work/ref.out")
[ -n "$ref_port" ] || { echo "serve_load: the reference did not start: $(cat "$work/ref.err")" >&2; exit 1; }
latent_line=$(run /api/search 32 "$duration")
saved_port=$port
port=$ref_port
ref_line=$(run /api/search 32 "$duration" | sed 's|^/api/search  |pytorch search|')
port=$saved_port
kill "$ref_pid"
wait "$ref_pid" 2>/dev/null || true
echo "$latent_line"
echo "$ref_line"
awk -v a="$(echo "$latent_line" | awk '{ print $3 }')" -v b="$(echo "$ref_line" | awk '{ print $3 }')" \
  'BEGIN { printf "search at 32 connections: latent / pytorch = %.1fx req/s\n", a / b }'

stop_server
printf "%-18s %5s %10s %9s %9s %7s\n" endpoint conns "req/s" "p50 ms" "p99 ms" errors
start_server "$out/serve_hnsw.index"
echo "HNSW index: $(cat "$work/serve.out")"
for c in 1 8 32; do run /api/search "$c" "$duration"; done

# Memory over a 60 s run at 32 connections: RSS every 5 s.
rss() { awk '/VmRSS/ { print $2 }' "/proc/$pid/status"; }
samples=("$(rss)")
run /api/search 32 60 >"$work/long.txt" &
wrk_pid=$!
for _ in $(seq 12); do sleep 5; samples+=("$(rss)"); done
wait "$wrk_pid"
echo "60 s run (HNSW index):"
cat "$work/long.txt"
echo "server RSS (MiB) every 5 s: $(for s in "${samples[@]}"; do awk -v s="$s" 'BEGIN { printf "%.1f ", s / 1024 }'; done)"
stop_server
tail -1 "$work/serve.err"
