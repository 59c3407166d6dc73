#!/usr/bin/env bash
# latent serve end to end on loopback: trains a small 2-D VAE on MNIST, builds an index and a
# detector, then runs the API tests, 1,000 malformed requests, the fault tests and the CLI's
# refusals. Usage: cli_serve.sh path/to/latent
set -uo pipefail
latent=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
. "$here/cli_lib.sh"
# Quieter than cli_lib.sh's run(): the server commands print JSON nobody reads here.
run() { "$@" 2>"$work/last_stderr" >/dev/null || fail "command failed ($?): $* :: $(tail -3 "$work/last_stderr")"; }
py() { PYTHONPATH="$here" /usr/bin/python3 "$@"; }
. "$here/serve_lib.sh"

# serve ARGS...: starts a server on a free port; sets $port and $pid.
serve() {
  start_server "$work/serve.out" "$work/serve.err" "$latent" serve --port 0 "$@"
  pids+=("$pid")
  port=$(serve_port "$work/serve.out" "$pid") || { fail "serve $* did not start: $(cat "$work/serve.err")"; port=0; }
}
stop() {
  kill -TERM "$pid"
  wait "$pid" || fail "serve exited with $? after SIGTERM: $(cat "$work/serve.err")"
}

run "$latent" train --type vae --data mnist --limit 3000 --layers 256 --latent 2 --epochs 4 --batch 64 --seed 1 \
  --out "$work/vae.model"
run "$latent" index build --model "$work/vae.model" --data mnist --split test --limit 1000 --out "$work/vae.index"
run "$latent" anomaly fit --model "$work/vae.model" --normal-class 1 --limit 3000 --out "$work/vae.det"
run "$latent" train --data mnist --limit 1000 --latent 8 --epochs 1 --seed 1 --out "$work/ae.model"

serve --index "$work/vae.index" --detector "$work/vae.det"
py "$here/serve_api_test.py" "$root" "$port" || fail "API tests"
py "$here/serve_malformed.py" "$root" "$port" || fail "malformed requests"
kill -0 "$pid" 2>/dev/null || fail "the server died"
stop

serve --model "$work/ae.model"
py "$here/serve_api_test.py" "$root" "$port" bare || fail "API tests without index, detector, VAE"
stop
serve --model "$work/ae.model" --token secret
py "$here/serve_api_test.py" "$root" "$port" token || fail "API tests with a token"
stop

py "$here/serve_faults.py" "$root" "$latent" "$work/vae.model" "$work/vae.index" || fail "fault tests"

# Refusals: one line on stderr, exit 2.
expect_bad "non-loopback without token" "--host 0.0.0.0 is reachable from other machines: give --token TOKEN" "$latent" serve --model "$work/ae.model" --host 0.0.0.0
expect_bad "no model" "give a model: --model FILE" "$latent" serve
expect_bad "missing model file" "cannot open $work/none.model" "$latent" serve --model "$work/none.model"
expect_bad "bad port" "--port must be in 0..65535" "$latent" serve --model "$work/ae.model" --port 70000
# Same shape as vae.model, other weights: only the fingerprint tells them apart.
run "$latent" train --type vae --data mnist --limit 300 --layers 256 --latent 2 --epochs 1 --seed 2 --out "$work/vae2.model"
expect_bad "index of another model" "is not the model this index was built with" "$latent" serve --model "$work/vae2.model" --index "$work/vae.index"
"$latent" serve --help | grep -q -- "--request-timeout" || fail "serve --help does not explain --request-timeout"

[ "$failures" -eq 0 ] && echo "cli_serve: all passed"
exit $((failures > 0))
