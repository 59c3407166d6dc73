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
. "$root/bench/wrk_lib.sh"
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
post_script "$work/search.lua" "$work/body.json"

start_server "$work/serve.out" "$work/serve.err" "$latent" serve --index "$work/w.lix" --writable --port 0
port=$(serve_port "$work/serve.out" "$pid") || fail "the server did not start: $(cat "$work/serve.err")"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share it: timings are noisy)"

row() {  # FILE WHAT: one row of the table from a wrk report (sets rps, p50, p99, errors)
  read_wrk "$1" "$2"
  printf "%-26s %10.0f %9s %9s %7d\n" "$2" "$rps" "$p50" "$p99" "$errors"
}
printf "%-26s %10s %9s %9s %7s\n" run "req/s" "p50 ms" "p99 ms" errors
wrk -t2 -c32 -d"${duration}s" --latency -s "$work/put.lua" "http://127.0.0.1:$port" >"$work/alone.txt"
row "$work/alone.txt" "upserts alone (32 conns)"
alone_rps=$rps alone_p99=$p99 alone_errors=$errors
wrk -t1 -c8 -d"${duration}s" --latency -s "$work/search.lua" "http://127.0.0.1:$port/api/search" >"$work/search.txt" &
search_wrk=$!
wrk -t2 -c32 -d"${duration}s" --latency -s "$work/put.lua" "http://127.0.0.1:$port" >"$work/mixed.txt"
wait "$search_wrk"
row "$work/mixed.txt" "upserts beside searches"
mixed_rps=$rps mixed_p99=$p99 mixed_errors=$errors
row "$work/search.txt" "searches beside upserts"
search_rps=$rps search_p99=$p99 search_errors=$errors
entries=$(curl -s "http://127.0.0.1:$port/api/info" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["index"]["size"])')
echo "index: $entries entries after the runs ($(du -ch "$work"/w.lix* | tail -1 | cut -f1) on disk with its WAL)"
/usr/bin/python3 -c "import json; print(json.dumps({'upserts_per_s': $alone_rps, 'upsert_p99_ms': $alone_p99,
  'upserts_per_s_beside_searches': $mixed_rps, 'upsert_p99_ms_beside_searches': $mixed_p99,
  'searches_per_s': $search_rps, 'search_p99_ms': $search_p99, 'errors': $alone_errors + $mixed_errors + $search_errors,
  'entries': $entries}))"
