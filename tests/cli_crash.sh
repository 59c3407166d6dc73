#!/usr/bin/env bash
# Crash safety of every writer: SIGKILL at random moments leaves each output file either absent
# or complete (length and CRC of its container) and loadable; `train --resume` continues after
# the last checkpointed epoch; a full disk (`ulimit -f`) gives one clear error line, exit code 2
# and no file at all. With `tmpfs` instead of the kill count, only the full disk is checked, on an
# 8 KiB tmpfs: mounting needs root, so ctest runs it as its own test, skipped where it is refused.
# Usage: cli_crash.sh path/to/latent [kills per writer, default 10 | tmpfs]
set -uo pipefail
latent=$1
kills=${2:-10}
work=$(mktemp -d)
mnt=$work/full
cleanup() {
  mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
  rm -rf "$work"
}
trap cleanup EXIT
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"
seed=${CRASH_SEED:-$$}
RANDOM=$seed
echo "random seed $seed (set CRASH_SEED to repeat)"

# complete FILE KIND: a whole latent container (magic, kind, payload length and CRC-32 agree).
complete() {
  python3 - "$1" "$2" <<'PY'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"LATENT\r\n", "magic"
n = struct.unpack_from("<I", b, 12)[0]
kind = b[16:16 + n].decode()
assert kind == sys.argv[2], kind
size, crc = struct.unpack_from("<QI", b, 16 + n)
payload = b[28 + n:]
assert len(payload) == size, "length"
assert zlib.crc32(payload) == crc, "crc"
PY
}

# kill_randomly MAX_SECONDS cmd...: runs cmd, SIGKILLs it after a random delay in [0, MAX); the
# exit status must be 137 (killed) or 0 (finished first): a 2 would mean it could not load its input.
kill_randomly() {
  local max=$1
  shift
  local delay
  delay=$(awk -v r="$RANDOM" -v m="$max" 'BEGIN { printf "%.3f", r / 32768 * m }')
  "$@" >"$work/stdout" 2>"$work/stderr" &
  local pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  local code=$?
  [ "$code" -eq 137 ] || [ "$code" -eq 0 ] || fail "$* (killed after ${delay}s): exit code $code: $(tail -1 "$work/stderr")"
  last_delay=$delay
  last_code=$code
}

# check_left FILE KIND LOADER...: FILE absent, or complete and loadable by LOADER.
check_left() {
  local file=$1 kind=$2
  shift 2
  [ -e "$file" ] || return 0
  complete "$file" "$kind" || { fail "$file is a partial $kind file (killed after ${last_delay}s)"; return; }
  "$@" >/dev/null 2>"$work/load_stderr" || fail "$file does not load: $(tail -1 "$work/load_stderr")"
}

# seconds CMD...: how long one whole run takes (the kills are spread over it).
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>"$work/stderr" || fail "$*: $(tail -1 "$work/stderr")"
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", (b - a) * 1.2 + 0.1 }'
}

no_temporaries() {
  local left
  left=$(find "$work" -name "*.tmp.*" 2>/dev/null)
  [ -z "$left" ] || fail "$1: temporary files left after a successful run: $left"
}

m=$work/m.model
finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
  fi
  echo "$1: all checks passed"
  exit 0
}

# --- disk full: one line on stderr, exit code 2, no file (not even a temporary one).
expect_full() {
  local what=$1 dir=$2
  shift 2
  "$@" >/dev/null 2>"$work/full_stderr"
  local code=$?
  [ "$code" -eq 2 ] || fail "$what on a full disk: exit code $code, expected 2: $(cat "$work/full_stderr")"
  # Progress lines may come first; the error is one line, the last.
  [ "$(grep -c "^latent: " "$work/full_stderr")" -eq 1 ] || fail "$what on a full disk: not one error line: $(cat "$work/full_stderr")"
  tail -1 "$work/full_stderr" | grep -Eq "^latent: cannot write .*(No space left|File too large)" ||
    fail "$what: unclear error: $(cat "$work/full_stderr")"
  [ -z "$(ls -A "$dir")" ] || fail "$what on a full disk left files: $(ls -A "$dir")"
}
full_cases() {
  local dir=$1
  expect_full "train ($2)" "$dir" "$latent" train --data mnist --limit 300 --epochs 1 --latent 8 --out "$dir/f.model"
  expect_full "index build ($2)" "$dir" "$latent" index build --model "$m" --data mnist --limit 1000 --out "$dir/f.index"
  expect_full "compress ($2)" "$dir" "$latent" compress --model "$m" --data mnist --limit 5000 --bits 16 --out "$dir/f.ltc"
  expect_full "anomaly fit ($2)" "$dir" "$latent" anomaly fit --model "$m" --data mnist --limit 300 --out "$dir/f.det"
}

if [ "$kills" = tmpfs ]; then
  mkdir -p "$mnt"
  # 8 KiB: smaller than every file written (the model alone is ~50 KB).
  mount -t tmpfs -o size=8k tmpfs "$mnt" 2>"$work/mount_stderr" ||
    missing_dependency "the full-disk test cannot mount a tmpfs here: $(cat "$work/mount_stderr")"
  "$latent" train --data mnist --limit 300 --epochs 1 --latent 8 --out "$m" 2>/dev/null || fail "train the model to use"
  full_cases "$mnt" tmpfs
  finish "disk full (tmpfs)"
fi

# --- train: kill, check, resume from the checkpoint, kill again; then finish and check the record.
epochs=6
train_fresh=("$latent" train --data mnist --limit 2000 --epochs "$epochs" --latent 8 --batch 64 --seed 3 --out "$m" --log "$work/log.jsonl" --overwrite)
train_resume=("$latent" train --resume "$m.ckpt" --out "$m" --log "$work/log.jsonl")
span=$(seconds "${train_fresh[@]}")
echo "train: one run takes ~$span s here (kills are spread over that)"
rm -f "$m" "$m.ckpt" "$work/log.jsonl"
for i in $(seq "$kills"); do
  if [ -e "$m.ckpt" ]; then kill_randomly "$span" "${train_resume[@]}"; else kill_randomly "$span" "${train_fresh[@]}"; fi
  check_left "$m" model "$latent" info "$m"
  check_left "$m.ckpt" checkpoint true  # loaded by the next resume (exit 2 there is a failure)
  # Finished before the kill: start over, so that every kill lands in a run with epochs left.
  [ "$last_code" -eq 0 ] && rm -f "$m" "$m.ckpt" "$work/log.jsonl"
done
# The resume check needs a checkpoint: if the last kill left none, kill once more just after the first.
if [ ! -e "$m.ckpt" ]; then
  rm -f "$m" "$work/log.jsonl"
  "${train_fresh[@]}" >/dev/null 2>&1 &
  pid=$!
  while [ ! -e "$m.ckpt" ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
fi
if [ -e "$m.ckpt" ]; then
  done_before=$(python3 -c "import re,sys; print(re.findall(rb'\"epochs_done\":(\d+)', open(sys.argv[1],'rb').read())[-1].decode())" "$m.ckpt")
  "${train_resume[@]}" >/dev/null 2>"$work/resume_stderr" || fail "final resume: $(tail -1 "$work/resume_stderr")"
  grep -q "after epoch $done_before\$" "$work/resume_stderr" || fail "resume did not start after epoch $done_before"
  if [ "$done_before" -lt "$epochs" ]; then
    first=$(grep -o "epoch [0-9]*/$epochs" "$work/resume_stderr" | head -1)
    [ "$first" = "epoch $((done_before + 1))/$epochs" ] || fail "resume after epoch $done_before began with '$first'"
  fi
else
  fail "no checkpoint to resume from"
fi
complete "$m" model && "$latent" info "$m" >/dev/null || fail "final model does not load"
python3 - "$work/log.jsonl" "$epochs" <<'PY' || fail "log.jsonl is not one line per epoch 1..$epochs: $(cat "$work/log.jsonl")"
import json, sys
epochs = [json.loads(line)["epoch"] for line in open(sys.argv[1])]
assert epochs == list(range(1, int(sys.argv[2]) + 1)), epochs
PY
no_temporaries train
echo "train: $kills kills (last checkpoint before the final resume: epoch $done_before)"

# --- index build, compress, anomaly fit: the output is absent or whole after every kill.
writers=(
  "index|$work/x.index|$latent index build --model $m --data mnist --limit 1000 --out $work/x.index|$latent search --index $work/x.index --data mnist --index-of 0 -k 1"
  "compressed|$work/x.ltc|$latent compress --model $m --data mnist --limit 1000 --out $work/x.ltc|$latent decompress $work/x.ltc --model $m --out $work/x.npy"
  "detector|$work/x.det|$latent anomaly fit --model $m --data mnist --limit 1000 --out $work/x.det|$latent anomaly score --detector $work/x.det --limit 10 --out $work/x.csv"
)
for writer in "${writers[@]}"; do
  IFS='|' read -r kind out write load <<<"$writer"
  # shellcheck disable=SC2086  # the commands are word lists without spaces inside words
  span=$(seconds $write)
  echo "$kind: one run takes ~$span s here"
  for i in $(seq "$kills"); do
    rm -f "$out"
    # shellcheck disable=SC2086
    kill_randomly "$span" $write
    # shellcheck disable=SC2086
    check_left "$out" "$kind" $load
  done
  # shellcheck disable=SC2086
  $write >/dev/null 2>&1 && complete "$out" "$kind" || fail "$kind: a full run after the kills failed"
  no_temporaries "$kind"
  echo "$kind: $kills kills"
done

mkdir -p "$work/limited"
(failures=0; ulimit -f 8; full_cases "$work/limited" "ulimit -f"; exit "$failures")
failures=$((failures + $?))
echo "disk full: ulimit -f"

finish "crash safety"
