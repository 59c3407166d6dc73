# Sourced by the tests and benches that start `latent serve`.
# start_server OUT ERR CMD...: runs CMD in the background, stdout to OUT and stderr to ERR, and
# sets $pid. OUT is removed first: the background shell truncates it only once it gets to run, and
# serve_port must not read the port of an earlier server that wrote there.
start_server() {
  local out=$1 err=$2
  shift 2
  rm -f "$out"
  "$@" >"$out" 2>"$err" &
  pid=$!
}
# serve_port OUT PID: the port `latent serve --port 0 >OUT` (process PID) listens on, printed once
# it is listening; fails when the server exits first or takes over 60 s.
serve_port() {
  local port
  for _ in $(seq 600); do
    port=$(sed -n 's|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$1" 2>/dev/null || true)
    [ -n "$port" ] && { echo "$port"; return 0; }
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
