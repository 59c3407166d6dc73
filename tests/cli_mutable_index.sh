#!/usr/bin/env bash
# End to end: a mutable index. `index add` creates it and adds a data split and one image by id;
# `search` and `index info` read it; `index remove` takes ids out; refusals are one line, exit 2.
# `serve --writable` takes PUT, GET and DELETE /api/index/ID (guarded by the token; 403 when not
# writable). Then durability: the server is killed with SIGKILL 20 times while 8 clients upsert;
# after each restart every acknowledged id is in the index, and no id that was never sent.
# Usage: cli_mutable_index.sh path/to/latent
set -uo pipefail
latent=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=cli_lib.sh
source "$here/cli_lib.sh"
# shellcheck source=serve_lib.sh
source "$here/serve_lib.sh"

run "$latent" train --data mnist --limit 2000 --epochs 2 --layers 64 --latent 8 --val 0 --seed 1 --out "$work/m.model"
run "$latent" index add --index "$work/m.lix" --model "$work/m.model" --split test --limit 300
run "$latent" reconstruct --model "$work/m.model" --split test --count 1 --out "$work/one.png"
run "$latent" index add --index "$work/m.lix" --image "$work/one.png" --id "photos/one.png" --label 7
"$latent" index info --index "$work/m.lix" --json >"$work/info.json" || fail "index info failed"
/usr/bin/python3 - "$work/info.json" <<'PY' || fail "index info: $(cat "$work/info.json")"
import json, sys
info = json.load(open(sys.argv[1]))
assert info["entries"] == 301 and info["storage"].startswith("mutable"), info
PY
# Sample 5 of the test split finds itself first, by its id.
"$latent" search --index "$work/m.lix" --index-of 5 -k 3 --json >"$work/hits.json" || fail "search failed"
grep -q '"id":"mnist:test:5"' "$work/hits.json" || fail "search did not find mnist:test:5: $(cat "$work/hits.json")"
run "$latent" index remove --index "$work/m.lix" --id mnist:test:5
"$latent" search --index "$work/m.lix" --index-of 5 -k 3 --json >"$work/hits.json" || fail "search failed"
grep -q '"id":"mnist:test:5"' "$work/hits.json" && fail "a removed entry was found: $(cat "$work/hits.json")"
[ "$("$latent" index info --index "$work/m.lix" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["entries"])')" = 300 ] ||
  fail "entries after one removal"

run "$latent" index build --model "$work/m.model" --split test --limit 50 --out "$work/snap.index"
"$latent" info "$work/snap.index" | grep -q "snapshot" || fail "latent info does not call a built index a snapshot"
# Inverted files: IVF-Flat visiting every cell finds sample 7 first; IVF-PQ builds, saves and searches.
run "$latent" index build --model "$work/m.model" --split test --limit 400 --ivf 8 --out "$work/ivf.index"
"$latent" search --index "$work/ivf.index" --index-of 7 -k 1 --nprobe 8 --json | grep -q '"id":7,' ||
  fail "IVF-Flat with every cell visited did not find sample 7 first"
run "$latent" index build --model "$work/m.model" --split test --limit 400 --ivf 8 --pq 4 --nprobe 8 --out "$work/pq.index"
"$latent" info "$work/pq.index" --json | grep -q '"index":"ivfpq"' || fail "info does not show an IVF-PQ index"
run "$latent" search --index "$work/pq.index" --index-of 7 -k 3
expect_bad "--pq that does not divide the code" "--pq 3: must divide the code's 8 numbers" \
  "$latent" index build --model "$work/m.model" --split test --limit 400 --ivf 8 --pq 3 --out "$work/bad.index"
expect_bad "add to a snapshot" "is a read-only snapshot" \
  "$latent" index add --index "$work/snap.index" --split test --limit 5
expect_bad "a new index without a model" "to create it, give --model FILE" \
  "$latent" index add --index "$work/bad.lix" --split test --limit 5
expect_bad "--writable on a snapshot" "--writable needs a mutable index" \
  "$latent" serve --port 0 --index "$work/snap.index" --writable
expect_bad "an id with a newline" "control character" \
  "$latent" index add --index "$work/m.lix" --image "$work/one.png" --id "$(printf 'a\nb')"

# The server: writes need --writable and the token.
start_server "$work/serve.out" "$work/serve.err" "$latent" serve --port 0 --index "$work/m.lix" --writable --token sesame
if port=$(serve_port "$work/serve.out" "$pid"); then
  api="http://127.0.0.1:$port/api/index"
  auth=(-H "Authorization: Bearer sesame")
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$api/x" -H 'Content-Type: image/png' --data-binary @"$work/one.png")
  [ "$code" = 401 ] || fail "PUT without the token: $code"
  code=$(curl -s -o "$work/put.json" -w '%{http_code}' "${auth[@]}" -X PUT "$api/new%2Fone?label=3" \
    -H 'Content-Type: image/png' --data-binary @"$work/one.png")
  [ "$code" = 200 ] && grep -q '"replaced":false' "$work/put.json" || fail "PUT: $code $(cat "$work/put.json")"
  curl -s "${auth[@]}" "$api/new%2Fone" >"$work/get.json"
  grep -q '"label":3' "$work/get.json" && grep -q '"id":"new/one"' "$work/get.json" || fail "GET: $(cat "$work/get.json")"
  curl -s "${auth[@]}" -X POST "http://127.0.0.1:$port/api/search?k=3" -H 'Content-Type: image/png' \
    --data-binary @"$work/one.png" >"$work/search.json"
  grep -q '"id":"new/one"' "$work/search.json" || fail "search does not find the new entry: $(cat "$work/search.json")"
  code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" -X DELETE "$api/new%2Fone")
  [ "$code" = 200 ] || fail "DELETE: $code"
  code=$(curl -s -o /dev/null -w '%{http_code}' "${auth[@]}" -X DELETE "$api/new%2Fone")
  [ "$code" = 404 ] || fail "DELETE of a removed entry: $code"
  kill "$pid"
  wait "$pid" 2>/dev/null
else
  fail "serve --writable did not start: $(cat "$work/serve.err")"
fi
start_server "$work/serve.out" "$work/serve.err" "$latent" serve --port 0 --index "$work/m.lix"
if port=$(serve_port "$work/serve.out" "$pid"); then
  code=$(curl -s -o "$work/ro.json" -w '%{http_code}' -X PUT "http://127.0.0.1:$port/api/index/x" \
    -H 'Content-Type: image/png' --data-binary @"$work/one.png")
  [ "$code" = 403 ] && grep -q "with --writable" "$work/ro.json" || fail "PUT to a read-only server: $code $(cat "$work/ro.json")"
  kill "$pid"
  wait "$pid" 2>/dev/null
fi
pid=""

# Durability: SIGKILL during upserts, 20 times.
: >"$work/acked"
: >"$work/sent"
for round in $(seq 20); do
  start_server "$work/serve.out" "$work/serve.err" "$latent" serve --port 0 --index "$work/m.lix" --writable
  port=$(serve_port "$work/serve.out" "$pid") || { fail "round $round: the server did not restart: $(tail -2 "$work/serve.err")"; break; }
  /usr/bin/python3 - "$port" "$round" "$work/one.png" "$work/sent" "$work/acked" <<'PY' &
import http.client, random, sys, threading
port, round_, png, sent_path, acked_path = int(sys.argv[1]), sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[4], sys.argv[5]
lock = threading.Lock()
def client(c):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for n in range(100000):
        key = f"r{round_}-c{c}-{n}"
        with lock, open(sent_path, "a") as f:
            f.write(key + "\n")
        try:
            conn.request("PUT", "/api/index/" + key, png, {"Content-Type": "image/png"})
            r = conn.getresponse(); r.read()
        except Exception:
            return  # the server died
        if r.status == 200:
            with lock, open(acked_path, "a") as f:
                f.write(key + "\n")
threads = [threading.Thread(target=client, args=(c,)) for c in range(8)]
for t in threads: t.start()
for t in threads: t.join()
PY
  client=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  wait "$client"
  pid=""
done
/usr/bin/python3 - "$work/m.lix" "$work/sent" "$work/acked" <<'PY' || fail "entries lost or invented after SIGKILL"
import sqlite3, sys
ids = {r[0] for r in sqlite3.connect(sys.argv[1]).execute("SELECT id FROM entries")}
sent = set(open(sys.argv[2]).read().split())
acked = set(open(sys.argv[3]).read().split())
written = {i for i in ids if i.startswith("r")}
lost, invented = acked - ids, written - sent
print(f"durability: {len(acked)} acknowledged upserts over 20 SIGKILLs, {len(lost)} lost, {len(invented)} never sent",
      file=sys.stderr)
assert len(acked) >= 200 and not lost and not invented, (len(acked), sorted(lost)[:5], sorted(invented)[:5])
PY
# The index still opens and searches after the kills.
run "$latent" search --index "$work/m.lix" --index-of 1 -k 2

[ "$failures" -eq 0 ] && echo "cli_mutable_index: all passed"
exit $((failures > 0))
