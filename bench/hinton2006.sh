#!/usr/bin/env bash
# Hinton & Salakhutdinov (Science 2006), reproduced with stacked autoencoders: the deep autoencoder
# 784-1000-500-250-30 pretrained greedily layer by layer (`latent pretrain`), unrolled and fine-tuned
# end to end, against the same net trained from random weights for the same wall-clock time (its
# epoch count is the pretrained run's total time divided by the time of one fine-tuning epoch).
# Both use Adam with a cosine schedule, batch 256, Gaussian input noise std 0.1 (bench/deep_autoencoder.sh).
# Usage: bench/hinton2006.sh [EPOCHS_PER_LAYER=10] [FINETUNE_EPOCHS=150]
# Prints both `latent eval --json` objects on the test set; the last line is the pretrained one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
per_layer=${1:-10}
finetune=${2:-150}
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
start=$(date +%s)
"$latent" pretrain --data mnist --layers 1000,500,250,30 --activation relu --corrupt gaussian:0.1 \
  --epochs-per-layer "$per_layer" --finetune-epochs "$finetune" --batch 256 --lr 2e-3 --finetune-lr 1e-3 --val 0 \
  --out "$out/hinton_pretrained.model" --overwrite --log "$out/hinton_pretrained.jsonl"
pretrained_s=$(( $(date +%s) - start ))
# The random start gets as many epochs as fit in the same time.
random_epochs=$(/usr/bin/python3 - "$out/hinton_pretrained.jsonl" "$pretrained_s" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
epoch_s = [r["seconds"] for r in rows if r["phase"] == "finetune"]
print(max(1, round(float(sys.argv[2]) / (sum(epoch_s) / len(epoch_s)))))
PY
)
echo "pretrained + fine-tuned: $pretrained_s s; random start gets $random_epochs epochs" >&2
start=$(date +%s)
"$latent" train --data mnist --layers 1000,500,250 --latent 30 --activation relu --corrupt gaussian:0.1 \
  --epochs "$random_epochs" --batch 256 --lr 2e-3 --schedule cosine --val 0 \
  --out "$out/hinton_random.model" --log "$out/hinton_random.jsonl"
random_s=$(( $(date +%s) - start ))
echo "random start: $random_s s" >&2
random_json=$("$latent" eval --model "$out/hinton_random.model" --data mnist --split test --json)
pretrained_json=$("$latent" eval --model "$out/hinton_pretrained.model" --data mnist --split test --json)
/usr/bin/python3 - "$random_json" "$pretrained_json" "$pretrained_s" "$random_s" "$per_layer" "$finetune" "$random_epochs" <<'PY'
import json, sys
r, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'784-1000-500-250-30':44}{'seconds':>9}{'sse_per_image':>15}{'bce_per_pixel':>15}")
print(f"{'pretrained ' + sys.argv[5] + '/layer + fine-tuned ' + sys.argv[6] + ' epochs':44}{sys.argv[3]:>9}{p['sse_per_image']:15.3f}{p['bce_per_pixel']:15.4f}")
print(f"{'random start, ' + sys.argv[7] + ' epochs':44}{sys.argv[4]:>9}{r['sse_per_image']:15.3f}{r['bce_per_pixel']:15.4f}")
print(f"{'Hinton & Salakhutdinov 2006 (RBM pretraining)':44}{'':>9}{3.00:15.3f}")
PY
echo "$random_json"
echo "$pretrained_json"
