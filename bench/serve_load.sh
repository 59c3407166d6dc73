#!/usr/bin/env bash
# Load on `latent serve` with wrk: /api/search (exact index, then HNSW index) and
# /api/reconstruct at 1, 8 and 32 connections (DURATION seconds each, default 10); latent against
# the Python reference on /api/search at 32 connections (ROUNDS interleaved rounds, default 3,
# best of each side); then /api/search (HNSW) at 32 connections for 60 s while the server's
# resident memory is sampled every 5 s. Prints req/s, p50, p99 and errors per run.
# The model: 784-256-32 trained 3 epochs on 10,000 MNIST images; the index: all 60,000 MNIST
# training images, exact (IndexFlatL2: each query reads all 7.7 MB of codes) and HNSW (--hnsw).
# It stops with one line and exit 1 when a wrk field it computes with is not a number, when
# latent and the reference disagree on the neighbours, or when a comparison round had errors.
# Usage: bench/serve_load.sh            (needs wrk: scripts/setup.sh installs it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
latent=${LATENT_BUILD:-$root/build}/latent  # another build directory: LATENT_BUILD=...
[ -x "$latent" ] || "$root/scripts/build.sh" >/dev/null
command -v wrk >/dev/null || { echo "serve_load: needs wrk (apt-get install wrk)" >&2; exit 2; }
duration=${DURATION:-10}
rounds=${ROUNDS:-3}
[[ $duration =~ ^[1-9][0-9]*$ && $rounds =~ ^[1-9][0-9]*$ ]] ||
  { echo "serve_load: DURATION and ROUNDS must be positive whole numbers" >&2; exit 2; }
out="$root/out/bench"
mkdir -p "$out"
model=$out/serve.model
[ -f "$model" ] ||
  "$latent" train --data mnist --limit 10000 --layers 256 --latent 32 --epochs 3 --seed 1 --out "$model" 2>/dev/null
[ -f "$out/serve.index" ] || "$latent" index build --model "$model" --data mnist --split train --out "$out/serve.index" >/dev/null
[ -f "$out/serve_hnsw.index" ] ||
  "$latent" index build --model "$model" --data mnist --split train --hnsw --out "$out/serve_hnsw.index" >/dev/null

. "$root/tests/serve_lib.sh"
. "$root/bench/wrk_lib.sh"
work=$(mktemp -d)
pid= ref_pid=
trap 'for p in $pid $ref_pid; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"' EXIT
# The request body: MNIST test image 0 as {"pixels": [...]}.
/usr/bin/python3 - "$root/data/mnist/t10k-images-idx3-ubyte" >"$work/body.json" <<'PY'
import json, sys
with open(sys.argv[1], "rb") as f:
    f.seek(16)
    print(json.dumps({"pixels": list(f.read(784))}))
PY
post_script "$work/post.lua" "$work/body.json"

serve_index() {  # index file
  start_server "$work/serve.out" "$work/serve.err" "$latent" serve --index "$1" --model "$model" --port 0
  port=$(serve_port "$work/serve.out" "$pid") ||
    { echo "serve_load: the server did not start: $(cat "$work/serve.err")" >&2; exit 1; }
}
stop_server() {
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
}
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share it: timings are noisy)"

fail() { echo "serve_load: $*" >&2; exit 1; }
# run ENDPOINT CONNECTIONS SECONDS [LABEL]: prints one row; sets rps (requests/s) and errors.
run() {
  local threads=$(( $2 < 2 ? 1 : 2 )) label=${4:-$1} what="${4:-$1} at $2 connections"
  wrk -t"$threads" -c"$2" -d"$3s" --latency -s "$work/post.lua" "http://127.0.0.1:$port$1" >"$work/wrk.txt"
  read_wrk "$work/wrk.txt" "$what"
  printf "%-18s %5d %10.0f %9s %9s %7d\n" "$label" "$2" "$rps" "$p50" "$p99" "$errors"
}
printf "%-18s %5s %10s %9s %9s %7s\n" endpoint conns "req/s" "p50 ms" "p99 ms" errors
serve_index "$out/serve.index"
echo "exact index: $(cat "$work/serve.out")"
for endpoint in /api/search /api/reconstruct; do
  for c in 1 8 32; do run "$endpoint" "$c" "$duration"; done
done
# The Python reference (bench/reference/serve_search.py: the same model and index files, requests
# batched into one PyTorch encode and one FAISS search, the same answer with thumbnails) against
# latent with the exact index, on /api/search at 32 connections, interleaved rounds.
/usr/bin/python3 "$root/bench/reference/serve_search.py" "$model" "$out/serve.index" \
  "$root/data/mnist/train-images-idx3-ubyte" 0 >"$work/ref.out" 2>"$work/ref.err" &
ref_pid=$!
for _ in $(seq 1800); do grep -q listening "$work/ref.out" && break; kill -0 "$ref_pid" 2>/dev/null || break; sleep 0.1; done
ref_port=$(awk '/listening/ { print $2 }' "$work/ref.out")
[ -n "$ref_port" ] || fail "the reference did not start: $(tail -1 "$work/ref.err")"
latent_port=$port
# Like for like: both answer the same body with the same neighbours.
/usr/bin/python3 - "$work/body.json" "$latent_port" "$ref_port" <<'PY'
import json, sys, urllib.request
def ids(port):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/search", open(sys.argv[1], "rb").read(),
                                     {"Content-Type": "application/json"})
    return [r["id"] for r in json.load(urllib.request.urlopen(request))["results"]]
try:
    latent, ref = ids(sys.argv[2]), ids(sys.argv[3])
except Exception as e:
    sys.exit(f"serve_load: a search before the rounds failed: {e}")
if latent != ref:
    sys.exit(f"serve_load: latent and the reference disagree on the neighbours: {latent} / {ref}")
PY
# A round with errors stops the bench: failing fast would look like serving fast.
best_latent=0 best_ref=0
for r in $(seq "$rounds"); do
  port=$latent_port
  run /api/search 32 "$duration" "latent search"
  (( errors == 0 )) || fail "latent had $errors errors in round $r"
  best_latent=$(awk -v a="$best_latent" -v b="$rps" 'BEGIN { print (b > a ? b : a) }')
  port=$ref_port
  run /api/search 32 "$duration" "python search"
  (( errors == 0 )) || fail "the reference had $errors errors in round $r"
  best_ref=$(awk -v a="$best_ref" -v b="$rps" 'BEGIN { print (b > a ? b : a) }')
done
port=$latent_port
kill "$ref_pid"
wait "$ref_pid" 2>/dev/null || true
ref_pid=
awk -v a="$best_latent" -v b="$best_ref" -v n="$rounds" 'BEGIN {
  if (!(b > 0)) exit 1
  printf "search at 32 connections, best of %d interleaved rounds: latent %.0f / python %.0f req/s = %.2fx\n", n, a, b, a / b
}' || fail "the reference served no requests"

stop_server
printf "%-18s %5s %10s %9s %9s %7s\n" endpoint conns "req/s" "p50 ms" "p99 ms" errors
serve_index "$out/serve_hnsw.index"
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
