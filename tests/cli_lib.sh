# Shared by the CLI test scripts (source it after setting $work, a scratch directory).
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect_bad "what" "fragment" cmd...: exit code 2, exactly one line on stderr containing
# fragment (fixed string, case-sensitive: it names the problem), no output file $work/bad.*
expect_bad() {
  local what=$1 fragment=$2; shift 2
  "$@" >"$work/stdout" 2>"$work/stderr"
  local code=$?
  [ "$code" -eq 2 ] || fail "$what: exit code $code, expected 2 ($(cat "$work/stderr"))"
  [ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "$what: stderr is not one line: $(cat "$work/stderr")"
  [ -n "$fragment" ] && grep -qF -- "$fragment" "$work/stderr" || fail "$what: stderr does not say '$fragment': $(cat "$work/stderr")"
  ls "$work"/bad.* >/dev/null 2>&1 && fail "$what: left an output file: $(ls "$work"/bad.*)"
  rm -f "$work"/bad.*
}

# interrupt_when_written FILE cmd...: runs cmd in the background and sends it Ctrl-C (SIGINT) as
# soon as FILE exists; its stderr is kept in $work/int_stderr, its exit code in $interrupted_code.
interrupt_when_written() {
  local file=$1 pid
  shift
  "$@" >/dev/null 2>"$work/int_stderr" &
  pid=$!
  while [ ! -e "$file" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  kill -INT "$pid"
  wait "$pid"
  interrupted_code=$?
}

# run cmd...: a command that must succeed; its stderr is kept in $work/last_stderr.
run() { "$@" 2>"$work/last_stderr" || fail "command failed ($?): $* :: $(tail -3 "$work/last_stderr")"; }

# missing_dependency "what": this test cannot run here. Under CI=true that is a failure; elsewhere
# the test exits 77, which ctest reports as skipped (SKIP_RETURN_CODE 77), never as passed.
missing_dependency() {
  if [ "${CI:-}" = true ]; then
    echo "FAIL: $* (CI=true: every test dependency must be installed)" >&2
    exit 1
  fi
  echo "SKIP: $*"
  exit 77
}
