# Sourced by the benches that load `latent serve` with wrk (serve_load.sh, index_writes.sh).
# They define fail() (one line, exit 1) before calling these.
. "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"

# ms VALUE WHAT: wrk's "1.23ms"/"456.00us"/"1.02s" → milliseconds; anything else fails.
ms() {
  [[ $1 =~ ^([0-9]+(\.[0-9]+)?)(us|ms|s)$ ]] || fail "$2 is not a latency: '$1'"
  awk -v n="${BASH_REMATCH[1]}" -v unit="${BASH_REMATCH[3]}" \
    'BEGIN { printf "%.2f", unit == "us" ? n / 1000 : unit == "s" ? n * 1000 : n }'
}

# read_wrk FILE WHAT: sets rps, p50, p99 (ms) and errors (non-2xx + socket errors) from a
# `wrk --latency` report; a field that is not a number fails.
read_wrk() {
  local line non2xx=0 sock=0
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$1")
  number "requests/s of $2" "$rps"
  p50=$(ms "$(awk '$1 == "50%" { print $2 }' "$1")" "p50 of $2")
  p99=$(ms "$(awk '$1 == "99%" { print $2 }' "$1")" "p99 of $2")
  # wrk prints these two lines only when there were such errors.
  if line=$(grep 'Non-2xx' "$1"); then
    [[ $line =~ ^\ *Non-2xx\ or\ 3xx\ responses:\ ([0-9]+)$ ]] || fail "unreadable wrk line for $2: '$line'"
    non2xx=${BASH_REMATCH[1]}
  fi
  if line=$(grep 'Socket errors' "$1"); then
    [[ $line =~ ^\ *Socket\ errors:\ connect\ ([0-9]+),\ read\ ([0-9]+),\ write\ ([0-9]+),\ timeout\ ([0-9]+)$ ]] ||
      fail "unreadable wrk line for $2: '$line'"
    sock=$(( BASH_REMATCH[1] + BASH_REMATCH[2] + BASH_REMATCH[3] + BASH_REMATCH[4] ))
  fi
  errors=$(( non2xx + sock ))
}

# post_script LUA BODY: a wrk script that POSTs the JSON file BODY.
post_script() {
  cat >"$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$2")
wrk.body = f:read("*a")
f:close()
LUA
}
