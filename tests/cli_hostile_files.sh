#!/usr/bin/env bash
# Hostile input, round two: outputs that would destroy work (an input, a file of another kind, a
# trained model without --overwrite), resumes that would silently change the run, Ctrl-C while
# training, diverged (NaN) weights, and errors that used to abort. Every refusal: the expected
# exit code (never a signal), one "latent:" line naming the problem, and not one file changed.
# Usage: cli_hostile_files.sh path/to/latent
set -uo pipefail
latent=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"

# Every file under $work with its checksum (the command's own stdout/stderr excepted).
snapshot() { (cd "$work" && find . -type f ! -name stdout ! -name stderr ! -name last_stderr | sort | xargs -r md5sum); }

# refused CODE "what" "fragment" cmd...: exit CODE, the last stderr line is the only "latent:" line
# and contains fragment, and no file under $work was created, replaced or touched.
refused() {
  local want=$1 what=$2 fragment=$3
  shift 3
  local before
  before=$(snapshot)
  "$@" >"$work/stdout" 2>"$work/stderr"
  local code=$?
  [ "$code" -lt 128 ] || fail "$what: ended by a signal (exit $code): $(tail -2 "$work/stderr")"
  [ "$code" -eq "$want" ] || fail "$what: exit code $code, expected $want: $(cat "$work/stderr")"
  [ "$(grep -c '^latent: ' "$work/stderr")" -eq 1 ] || fail "$what: not one error line: $(cat "$work/stderr")"
  tail -1 "$work/stderr" | grep -qF -- "$fragment" || fail "$what: error does not say '$fragment': $(tail -1 "$work/stderr")"
  [ "$(snapshot)" = "$before" ] || fail "$what: files changed: $(diff <(echo "$before") <(snapshot) | tr '\n' ' ')"
}

tiny=(--data mnist --limit 500 --epochs 1 --latent 8 --seed 1)
m=$work/m.model
run "$latent" train "${tiny[@]}" --out "$m"
cp "$m" "$work/keep.model"
run "$latent" index build --model "$m" --limit 100 --out "$work/m.index"
run "$latent" encode --model "$m" --limit 20 --out "$work/codes.npy"
mkdir "$work/dir"

# --- 11. Outputs that would lose work, refused before any work.
refused 2 "index build onto its own model" "--out $m is also the --model input" \
  "$latent" index build --model "$m" --limit 100 --out "$m"
refused 2 "index build onto another model" "is a latent model file; this command writes an index" \
  "$latent" index build --model "$m" --limit 100 --out "$work/keep.model"
refused 2 "train onto a model without --overwrite" "pass --overwrite" "$latent" train "${tiny[@]}" --out "$m"
refused 2 "train: checkpoint and model in one file" "--checkpoint $work/x.model is also --out" \
  "$latent" train "${tiny[@]}" --out "$work/x.model" --checkpoint "$work/x.model"
refused 2 "train: checkpoint onto the model" "is a latent model file; this command writes a checkpoint" \
  "$latent" train "${tiny[@]}" --out "$work/y.model" --checkpoint "$m"
refused 2 "train: log onto the model" "--log $m is a latent model file; this command writes a plain file" \
  "$latent" train "${tiny[@]}" --out "$work/y.model" --log "$m"
refused 2 "train: --init is --out" "is also the --init input" \
  "$latent" train "${tiny[@]}" --out "$m" --init "$m" --overwrite
refused 2 "train into a directory" "is a directory" "$latent" train "${tiny[@]}" --out "$work/dir"
refused 2 "decode onto its codes" "is also the --codes input" \
  "$latent" decode --model "$m" --codes "$work/codes.npy" --out "$work/codes.npy"
refused 2 "anomaly fit onto a model" "is a latent model file; this command writes a detector" \
  "$latent" anomaly fit --model "$m" --limit 100 --out "$work/keep.model"
refused 2 "pretrain onto an index" "is a latent index file; this command writes a model" \
  "$latent" pretrain --data mnist --limit 200 --layers 16,8 --epochs-per-layer 1 --out "$work/m.index"
refused 2 "classify train onto its --init" "is also the --init input" \
  "$latent" classify train --init "$m" --limit 200 --epochs 1 --out "$m"
refused 2 "pretrain onto a model without --overwrite" "already holds a latent model; pass --overwrite" \
  "$latent" pretrain --data mnist --limit 200 --layers 16,8 --epochs-per-layer 1 --out "$m"
run "$latent" classify train --init "$m" --limit 200 --epochs 1 --val 0 --out "$work/c.clf"
refused 2 "classify train onto a classifier without --overwrite" "already holds a latent classifier; pass --overwrite" \
  "$latent" classify train --init "$m" --limit 200 --epochs 1 --val 0 --out "$work/c.clf"
run "$latent" classify train --init "$m" --limit 200 --epochs 1 --val 0 --out "$work/c.clf" --overwrite
# --overwrite replaces a model with a new run.
run "$latent" train --data mnist --limit 500 --epochs 1 --latent 8 --seed 2 --out "$m" --overwrite
cmp -s "$m" "$work/keep.model" && fail "train --overwrite did not write a new model"

# --- 12. Resume: the checkpoint's settings, or a refusal that lists the differences.
refused 2 "resume with other settings" "--lr (checkpoint: 0.003), --limit (checkpoint: 500)" \
  "$latent" train --resume "$m.ckpt" --lr 0.5 --limit 300 --epochs 2
run "$latent" train --resume "$m.ckpt" --lr 0.003 --data mnist --epochs 2 # the same values: fine
grep -q "to $m\$" "$work/last_stderr" || fail "resume without --out did not save to the run's --out: $(tail -1 "$work/last_stderr")"
# A new --out that no epoch writes is not claimed as saved.
run "$latent" train --resume "$m.ckpt" --out "$work/new.model"
[ -e "$work/new.model" ] && fail "resume with nothing to train wrote a new --out"
grep -q "was not written" "$work/last_stderr" || fail "resume into a new --out claimed a save: $(tail -1 "$work/last_stderr")"

# Ctrl-C: one line with the checkpoint and the resume command, exit 130; the resumed run
# continues the log given to the first run.
log=$work/run.jsonl
interrupt_when_written "$work/i.model.ckpt" \
  "$latent" train --data mnist --limit 3000 --epochs 400 --latent 8 --out "$work/i.model" --log "$log"
[ "$interrupted_code" -eq 130 ] ||
  fail "SIGINT while training: exit code $interrupted_code, expected 130: $(tail -2 "$work/int_stderr")"
[ "$(grep -c '^latent: ' "$work/int_stderr")" -eq 1 ] || fail "SIGINT: not one line: $(cat "$work/int_stderr")"
tail -1 "$work/int_stderr" | grep -qF "latent train --resume $work/i.model.ckpt" ||
  fail "SIGINT: no resume command: $(tail -1 "$work/int_stderr")"
done_before=$(wc -l <"$log")
[ "$done_before" -ge 1 ] || fail "SIGINT: the log has no epoch"
run "$latent" train --resume "$work/i.model.ckpt" --epochs $((done_before + 2))
[ "$(wc -l <"$log")" -eq $((done_before + 2)) ] ||
  fail "resumed log has $(wc -l <"$log") lines, expected $((done_before + 2))"

# --- 13. Diverged weights never reach a model or a checkpoint.
refused 2 "NaN validation loss" "Try a lower learning rate" \
  "$latent" train --data mnist --limit 100 --epochs 2 --latent 8 --lr 1e300 --out "$work/n.model"
refused 2 "infinite weights without validation" "Try a lower learning rate" \
  "$latent" train --data mnist --limit 100 --val 0 --epochs 2 --latent 8 --lr 1e300 --out "$work/n.model"

# --- 14. Errors that aborted (an uncaught std::filesystem_error: exit 134 and a core dump).
long=$(printf 'a%.0s' $(seq 300))
refused 2 "a file name too long" "File name too long" "$latent" train "${tiny[@]}" --out "$work/$long/m.model"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all hostile-file checks passed"
