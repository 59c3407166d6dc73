# Shared by the CLI end-to-end scripts (sourced): $latent, a scratch $work, fail, expect_bad, run.
# Usage in a script: latent=$1, then: source "$(dirname "$0")/cli_helpers.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect_bad "what" cmd...: exit code 2, exactly one line on stderr, no output file $work/bad.*
expect_bad() {
  local what=$1; shift
  "$@" >"$work/stdout" 2>"$work/stderr"
  local code=$?
  [ "$code" -eq 2 ] || fail "$what: exit code $code, expected 2 ($(cat "$work/stderr"))"
  [ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "$what: stderr is not one line: $(cat "$work/stderr")"
  ls "$work"/bad.* >/dev/null 2>&1 && fail "$what: left an output file: $(ls "$work"/bad.*)"
  rm -f "$work"/bad.*
}

run() { "$@" 2>"$work/last_stderr" || fail "command failed ($?): $* :: $(tail -3 "$work/last_stderr")"; }
