#!/usr/bin/env bash
# Writes to a mutable index through `latent serve --writable`, with wrk: PUT /api/index/ID of a
# 28x28 image (each request a new id) at 32 connections for DURATION seconds (default 10), alone;
# then the same PUTs while 8 connections POST /api/search. The index starts with the 60,000 MNIST
# training images (latent index add); the model: 784-256-32, 3 epochs on 10,000 images (the
# serve_load.sh model). SQLite WAL, synchronous=FULL: each acknowledged write is synced to disk;
# writes arriving together share one transaction (group commit). Prints upserts/s, p50, p99 and
# errors per run; the last line is one JSON object.
# The marks (issue 25): >= 1,000 upserts/s at p99 <= 50 ms, searches keeping p99 <= 20 ms.
# Usage: bench/index_writes.sh           (needs wrk: scripts/setup.sh installs it)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
latent=${LATENT_BUILD:-$root/build}/latent
[ -x "$latent" ] || "$root/scripts/build.sh" >/dev/null
command -v wrk >/dev/null || { echo "index_writes: needs wrk (apt-get install wrk)" >&2; exit 2; }
duration=${DURATION:-10}
[[ $duration =~ ^[1-9][0-9]*$ ]] || { echo "index_writes: DURATION must be a positive whole number" >&2; exit 2; }
out="$root/out/bench"
mkdir -p "$out"
model=$out/serve.model
[ -f "$model" ] ||
  "$latent" train --data mnist --limit 10000 --layers 256 --latent 32 --epochs 3 --seed 1 --out "$model" 2>/dev/null

. "$root/tests/serve_lib.sh"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "index_writes: $*" >&2; exit 1; }
"$latent" index add --index "$work/w.lix" --model "$model" --data mnist --split train 2>/dev/null ||
  fail "index add of the MNIST training set failed"
/usr/bin/python3 - "$root/data/mnist/t10k-images-idx3-ubyte" >"$work/body.json" <<'PY'
import json, sys
with open(sys.argv[1], "rb") as f:
    f.seek(16)
    print(json.dumps({"pixels": list(f.read(784))}))
PY
# Each wrk thread numbers its own ids: every PUT adds a new entry.
cat >"$work/put.lua" <<LUA
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local f = io.open("$work/body.json")
local body = f:read("*a")
f:close()
local n = 0
request = function()
  n = n + 1
  return wrk.format("PUT", "/api/index/w" .. tid .. "-" .. n, {["Content-Type"] = "application/json"}, body)
end
LUA
cat >"$work/search.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/body.json")
wrk.body = f:read("*a")
f:close()
LUA

"$latent" serve --index "$work/w.lix" --writable --port 0 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
port=$(serve_port "$work/serve.out" "$pid") || fail "the server did not start: $(cat "$work/serve.err")"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share it: timings are noisy)"

ms() {  # wrk's "1.23ms"/"456.00us"/"1.02s" → milliseconds
  [[ $1 =~ ^([0-9]+(\.[0-9]+)?)(us|ms|s)$ ]] || fail "$2 is not a latency: '$1'"
  awk -v n="${BASH_REMATCH[1]}" -v unit="${BASH_REMATCH[3]}" \
    'BEGIN { printf "%.2f", unit == "us" ? n / 1000 : unit == "s" ? n * 1000 : n }'
}
# read_wrk FILE LABEL: sets rps, p50, p99, errors from a wrk --latency report.
read_wrk() {
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$1")
  [[ $rps =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "requests/s of $2 is not a number: '$rps'"
  p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$1")" "p50 of $2")
  p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$1")" "p99 of $2")
  errors=0
  local line
  if line=$(grep 'Non-2xx' "$1"); then errors=$(( errors + ${line##* } )); fi
  if line=$(grep 'Socket errors' "$1"); then
    [[ $line =~ connect\ ([0-9]+),\ read\ ([0-9]+),\ write\ ([0-9]+),\ timeout\ ([0-9]+) ]] || fail "unreadable: $line"
    errors=$(( errors + BASH_REMATCH[1] + BASH_REMATCH[2] + BASH_REMATCH[3] + BASH_REMATCH[4] ))
  fi
  printf "%-26s %10.0f %9s %9s %7d\n" "$2" "$rps" "$p50" "$p99" "$errors"
}
printf "%-26s %10s %9s %9s %7s\n" run "req/s" "p50 ms" "p99 ms" errors
wrk -t2 -c32 -d"${duration}s" --latency -s "$work/put.lua" "http://127.0.0.1:$port" >"$work/alone.txt"
read_wrk "$work/alone.txt" "upserts alone (32 conns)"
alone_rps=$rps alone_p99=$p99 alone_errors=$errors
wrk -t1 -c8 -d"${duration}s" --latency -s "$work/search.lua" "http://127.0.0.1:$port/api/search" >"$work/search.txt" &
search_wrk=$!
wrk -t2 -c32 -d"${duration}s" --latency -s "$work/put.lua" "http://127.0.0.1:$port" >"$work/mixed.txt"
wait "$search_wrk"
read_wrk "$work/mixed.txt" "upserts beside searches"
mixed_rps=$rps mixed_p99=$p99 mixed_errors=$errors
read_wrk "$work/search.txt" "searches beside upserts"
search_rps=$rps search_p99=$p99 search_errors=$errors
entries=$(curl -s "http://127.0.0.1:$port/api/info" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["index"]["size"])')
echo "index: $entries entries after the runs ($(du -ch "$work"/w.lix* | tail -1 | cut -f1) on disk with its WAL)"
/usr/bin/python3 -c "import json; print(json.dumps({'upserts_per_s': $alone_rps, 'upsert_p99_ms': $alone_p99,
  'upserts_per_s_beside_searches': $mixed_rps, 'upsert_p99_ms_beside_searches': $mixed_p99,
  'searches_per_s': $search_rps, 'search_p99_ms': $search_p99, 'errors': $alone_errors + $mixed_errors + $search_errors,
  'entries': $entries}))"
