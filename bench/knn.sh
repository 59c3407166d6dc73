#!/usr/bin/env bash
# Codes as features: kNN (k=5) test accuracy on MNIST with 32-number codes of a stacked
# autoencoder (784-1000-500-250-32, pretrained layer by layer and fine-tuned), beside raw pixels
# and PCA-32 (fitted on the train split), all through `latent knn` in one run.
# Usage: bench/knn.sh [MODEL]   (default: trains out/bench/knn.model with the budget below)
# Env: EPOCHS_PER_LAYER (5), FINETUNE_EPOCHS (30).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
model=${1:-$out/knn.model}
if [ ! -f "$model" ]; then
  "$latent" pretrain --data mnist --layers 1000,500,250,32 --corrupt gaussian:0.1 --epochs-per-layer "${EPOCHS_PER_LAYER:-5}" \
    --finetune-epochs "${FINETUNE_EPOCHS:-30}" --batch 256 --lr 2e-3 --finetune-lr 1e-3 --val 0 --out "$model"
fi
json=$("$latent" knn --model "$model" --data mnist --k 5 --json)
/usr/bin/python3 -c "
import json, sys
m = json.loads(sys.argv[1])
print(f\"kNN k={m['k']}, {m['train_n']} reference images, {m['test_n']} queries\")
print(f\"{'features':28}{'dims':>6}{'bytes':>7}{'error %':>9}\")
for name, what in (('codes', 'latent codes'), ('pca', 'PCA'), ('raw', 'raw pixels')):
    e = m[name]
    print(f\"{what:28}{e['dims']:>6}{e['bytes_per_sample']:>7}{100 * e['error_rate']:9.2f}\")
" "$json"
echo "$json"
