#!/usr/bin/env bash
# End to end: pretrain, classify, embed, knn, plot on small MNIST slices; good runs and bad input.
# Usage: cli_stacked.sh path/to/latent
set -uo pipefail
latent=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"

# A 2-layer stacked denoising autoencoder with a 2-D code, fine-tuned: progress names each layer.
run "$latent" pretrain --data mnist --limit 2000 --layers 64,2 --corrupt masking:0.2 --epochs-per-layer 2 \
  --finetune-epochs 2 --batch 64 --val 0 --out "$work/s.model" --log "$work/s.jsonl" --seed 1
grep -q "layer 1/2" "$work/last_stderr" || fail "pretrain progress does not name layer 1/2"
grep -q "layer 2/2" "$work/last_stderr" || fail "pretrain progress does not name layer 2/2"
[ "$(wc -l <"$work/s.jsonl")" -eq 6 ] || fail "pretrain log has $(wc -l <"$work/s.jsonl") lines, expected 6"
# The unrolled stack is an ordinary model file.
run "$latent" info "$work/s.model"
grep -q "784-64-2" <("$latent" info "$work/s.model" 2>&1) || fail "info does not show 784-64-2"
run "$latent" eval --model "$work/s.model" --data mnist --split test --limit 200 --json

# Classifier from the stack on 500 balanced labels; eval reports accuracy and a 10x10 confusion matrix.
# 100 epochs: after 20 the 2-D codes gave 0.19-0.26 (their scale is far from the softmax's start).
run "$latent" classify train --init "$work/s.model" --data mnist --limit 2000 --labels 500 --epochs 100 --lr 3e-3 --out "$work/c.model"
json=$("$latent" classify eval --model "$work/c.model" --data mnist --split test --limit 300 --json) || fail "classify eval failed"
/usr/bin/python3 - "$json" <<'PY' || fail "classify eval JSON: $json"
import json, sys
m = json.loads(sys.argv[1])
assert m["n"] == 300 and abs(m["accuracy"] + m["error_rate"] - 1) < 1e-9, m
assert len(m["confusion"]) == 10 and all(len(r) == 10 for r in m["confusion"]), m
assert sum(map(sum, m["confusion"])) == 300, m
assert m["accuracy"] > 0.4, m  # chance: 0.1; measured 0.51-0.57 over seeds of the stack and the classifier
PY
run "$latent" classify train --init random --layers 32,16 --data mnist --limit 500 --epochs 1 --freeze-encoder \
  --corrupt masking:0.2 --out "$work/r.model"
# A random net has no shape to take by default (it was 784-1000-1000-1000, not the stack's).
expect_bad "random init without a shape" "--init random needs --layers" \
  "$latent" classify train --init random --data mnist --limit 100 --out "$work/bad.model"
expect_bad "layers with a model init" "--layers is for --init random" \
  "$latent" classify train --init "$work/s.model" --layers 8 --data mnist --limit 100 --out "$work/bad.model"
"$latent" classify eval --model "$work/c.model" --data mnist --split test --limit 100 | grep -q "confusion" || fail "classify eval table"

# The classifier trains through the Trainer: --val keeps the epoch of the lowest validation loss,
# a checkpoint follows every epoch, and a run stopped by Ctrl-C resumes to exactly the classifier
# of the run that was never stopped.
run "$latent" classify train --init "$work/s.model" --data mnist --limit 2000 --val 0.2 --epochs 3 --out "$work/v.model"
grep -q "validating on 400" "$work/last_stderr" || fail "classify --val 0.2: $(grep training "$work/last_stderr")"
grep -q "(lowest validation loss [0-9.]*) to $work/v.model" "$work/last_stderr" ||
  fail "classify --val: no best epoch said: $(tail -1 "$work/last_stderr")"
[ -s "$work/v.model.ckpt" ] || fail "classify train wrote no checkpoint"
stopped=(classify train --init random --layers 512,256,32 --data mnist --limit 20000 --epochs 12 --corrupt masking:0.2
  --seed 3)
run "$latent" "${stopped[@]}" --out "$work/whole.model" --checkpoint "$work/whole.ckpt"
interrupt_when_written "$work/cut.model.ckpt" "$latent" "${stopped[@]}" --out "$work/cut.model"
[ "$interrupted_code" -eq 130 ] ||
  fail "classify SIGINT: exit code $interrupted_code, expected 130: $(tail -2 "$work/int_stderr")"
tail -1 "$work/int_stderr" | grep -qF "latent classify train --resume $work/cut.model.ckpt" ||
  fail "classify SIGINT: no resume command: $(tail -1 "$work/int_stderr")"
run "$latent" classify train --resume "$work/cut.model.ckpt"
grep -q "resuming $work/cut.model.ckpt after epoch" "$work/last_stderr" || fail "classify resume: $(head -1 "$work/last_stderr")"
whole=$("$latent" classify eval --model "$work/whole.model" --split test --limit 1000 --json)
cut=$("$latent" classify eval --model "$work/cut.model" --split test --limit 1000 --json)
[ -n "$whole" ] && [ "$whole" = "$cut" ] || fail "a resumed classifier differs from the unstopped one: $whole vs $cut"
expect_bad "classify resume with a new setting" "drop --lr" \
  "$latent" classify train --resume "$work/cut.model.ckpt" --lr 0.1 --out "$work/bad.model"
run "$latent" train --data mnist --limit 100 --epochs 1 --latent 8 --out "$work/ae.model"
expect_bad "classify resume of an autoencoder's run" "not a classifier's checkpoint" \
  "$latent" classify train --resume "$work/ae.model.ckpt" --out "$work/bad.model"

# Codes as features: embed with labels, kNN report, scatter plots, manifold grid.
run "$latent" embed --model "$work/s.model" --data mnist --limit 50 --out "$work/codes.csv"
[ "$(head -1 "$work/codes.csv")" = "label,c0,c1" ] || fail "embed csv header: $(head -1 "$work/codes.csv")"
[ "$(wc -l <"$work/codes.csv")" -eq 51 ] || fail "embed csv rows"
run "$latent" embed --model "$work/s.model" --data mnist --limit 50 --out "$work/codes.npy"
json=$("$latent" knn --model "$work/s.model" --data mnist --train-limit 1000 --test-limit 200 --k 5 --json) || fail "knn failed"
/usr/bin/python3 - "$json" <<'PY' || fail "knn JSON: $json"
import json, sys
m = json.loads(sys.argv[1])
assert m["k"] == 5 and m["test_n"] == 200, m
# Measured (seeds 1-3): raw 0.87, PCA-2 0.42, and the 2-epoch 2-D stack's codes only 0.20-0.27.
for name, dims, least in (("codes", 2, 0.15), ("pca", 2, 0.35), ("raw", 784, 0.8)):
    assert m[name]["dims"] == dims and least < m[name]["accuracy"] <= 1, m
assert m["memory_ratio_raw_to_codes"] == 392, m
PY
run "$latent" plot --model "$work/s.model" --data mnist --split test --limit 300 --out "$work/map.svg"
[ "$(grep -c "<circle" "$work/map.svg")" -eq 300 ] || fail "map.svg does not have 300 points"
run "$latent" plot --model "$work/s.model" --data mnist --split test --limit 300 --out "$work/map.png"
[ "$(head -c 4 "$work/map.png" | tail -c 3)" = "PNG" ] || fail "map.png is not a PNG"
run "$latent" plot --manifold --model "$work/s.model" --data mnist --limit 300 --grid 5 --out "$work/grid.png"
[ "$(head -c 4 "$work/grid.png" | tail -c 3)" = "PNG" ] || fail "grid.png is not a PNG"

# Bad input: one line, exit 2, nothing written.
expect_bad "pretrain bad layers" "--layers '64,x': expected sizes separated by commas" "$latent" pretrain --data mnist --limit 100 --layers 64,x --out "$work/bad.model"
expect_bad "pretrain bad corrupt" "--corrupt 'fog:1': expected" "$latent" pretrain --data mnist --limit 100 --layers 64,2 --corrupt fog:1 --out "$work/bad.model"
expect_bad "classify missing init" "cannot open $work/nope.model" "$latent" classify train --init "$work/nope.model" --out "$work/bad.model"
expect_bad "classify eval of an autoencoder" "s.model: is a latent model file, expected a classifier" "$latent" classify eval --model "$work/s.model" --limit 10
expect_bad "classify bad corruption" "--corrupt masking:P needs 0 < P < 1" "$latent" classify train --init "$work/s.model" --limit 100 --corrupt masking:2 --out "$work/bad.model"
expect_bad "classify too many labels" "--labels 5000: the data has too few samples" "$latent" classify train --init "$work/s.model" --limit 100 --labels 5000 --out "$work/bad.model"
expect_bad "embed bad extension" "bad.txt: expected a file ending in .npy, .csv" "$latent" embed --model "$work/s.model" --limit 10 --out "$work/bad.txt"
expect_bad "plot bad extension" "bad.jpg: expected a file ending in .png, .svg" "$latent" plot --model "$work/s.model" --limit 10 --out "$work/bad.jpg"
run "$latent" train --data mnist --limit 100 --epochs 1 --latent 8 --out "$work/wide.model"
expect_bad "manifold of a wide code" "--manifold needs a model with a 2-dimensional code; this one has 8" "$latent" plot --manifold --model "$work/wide.model" --limit 10 --out "$work/bad.png"
expect_bad "knn k 0" "--k must be at least 1" "$latent" knn --model "$work/s.model" --train-limit 10 --test-limit 10 --k 0

[ "$failures" -eq 0 ] && echo "cli_stacked: all passed"
exit $(( failures > 0 ))
