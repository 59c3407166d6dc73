#!/usr/bin/env bash
# Classifiers from a stacked denoising autoencoder (SdA) 784-1000-1000-1000 (sigmoid units,
# masking noise 0.2 on every layer's input, Adam), MNIST:
#  1. fine-tuned on all 60,000 labels: test error (the deeplearning.net SdA tutorial: 1.3 %);
#  2. with 1,000 class-balanced labels: pretrained start vs random start of the same net with the
#     same training budget, 3 seeds (seed = label subset, softmax init and shuffles; the SdA is
#     pretrained once, on the unlabelled 60,000).
# The all-labels fine-tuning corrupts its inputs too (FINETUNE_CORRUPT, masking noise: the
# denoising criterion kept as a regulariser while the labels are learned).
# Usage: bench/stacked_classifier.sh [EPOCHS_PER_LAYER=15] [EPOCHS_ALL=30] [EPOCHS_1000=100] [FINETUNE_CORRUPT=masking:0.2]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
per_layer=${1:-15}
epochs_all=${2:-30}
epochs_few=${3:-100}
finetune_corrupt=${4:-masking:0.2}
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
net=(--activation sigmoid --code-activation sigmoid)
start=$(date +%s)
"$latent" pretrain --data mnist --layers 1000,1000,1000 "${net[@]}" --corrupt masking:0.2 \
  --epochs-per-layer "$per_layer" --batch 128 --lr 1e-3 --val 0 --out "$out/sda.model" --overwrite --log "$out/sda.jsonl"
echo "pretraining: $(( $(date +%s) - start )) s" >&2
err() { "$latent" classify eval --model "$1" --data mnist --split test --json | /usr/bin/python3 -c "import json,sys; print(100*json.load(sys.stdin)['error_rate'])"; }

start=$(date +%s)
"$latent" classify train --init "$out/sda.model" --data mnist --epochs "$epochs_all" --lr 1e-3 --batch 128 \
  --corrupt "$finetune_corrupt" --out "$out/sda_all.clf" --overwrite
echo "fine-tuning on all labels: $(( $(date +%s) - start )) s" >&2
all_err=$(err "$out/sda_all.clf")

rows=()
for seed in 1 2 3; do
  "$latent" classify train --init "$out/sda.model" --data mnist --labels 1000 --epochs "$epochs_few" --batch 64 \
    --lr 1e-3 --seed "$seed" --out "$out/sda_1000_$seed.clf" --overwrite 2>/dev/null
  "$latent" classify train --init random --layers 1000,1000,1000 "${net[@]}" --data mnist --labels 1000 \
    --epochs "$epochs_few" --batch 64 --lr 1e-3 --seed "$seed" --out "$out/random_1000_$seed.clf" --overwrite 2>/dev/null
  rows+=("$seed $(err "$out/sda_1000_$seed.clf") $(err "$out/random_1000_$seed.clf")")
done
printf '%s\n' "${rows[@]}" | /usr/bin/python3 -c "
import json, sys
all_err = float(sys.argv[1])
rows = [l.split() for l in sys.stdin]
print(f'SdA 784-1000-1000-1000, all 60,000 labels ({sys.argv[2]} while fine-tuning): test error {all_err:.2f} %  (deeplearning.net SdA tutorial: 1.3 %)')
print(f\"{'1,000 labels, seed':20}{'pretrained %':>14}{'random %':>10}{'gain':>8}\")
for s, p, r in rows:
    print(f'{s:20}{float(p):14.2f}{float(r):10.2f}{float(r) - float(p):8.2f}')
mp = sum(float(r[1]) for r in rows) / len(rows); mr = sum(float(r[2]) for r in rows) / len(rows)
print(f\"{'mean':20}{mp:14.2f}{mr:10.2f}{mr - mp:8.2f}\")
print(json.dumps({'all_labels_error_pct': all_err, 'finetune_corrupt': sys.argv[2], 'labels_1000': {'pretrained_error_pct': mp, 'random_error_pct': mr, 'gain_points': mr - mp,
      'seeds': [{'seed': int(s), 'pretrained': float(p), 'random': float(r)} for s, p, r in rows]}}))
" "$all_err" "$finetune_corrupt"
