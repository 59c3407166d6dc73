#!/usr/bin/env bash
# Codes as features: kNN (k=5) test accuracy on MNIST with the 32-number codes of the deep
# autoencoder 784-1000-500-250-32 (the bench/deep_autoencoder.sh recipe with a 32-number code and
# 80 epochs: Adam 2e-3 cosine, batch 256, Gaussian input noise 0.1, all 60k training images),
# beside raw pixels and PCA-32 (fitted on the train split), all through `latent knn` in one run.
# Usage: bench/knn.sh [MODEL]   (default: trains out/bench/knn32.model, ~12 min on 2 idle cores)
# Env: EPOCHS (80).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
model=${1:-$out/knn32.model}
if [ ! -f "$model" ]; then
  "$latent" train --data mnist --layers 1000,500,250 --latent 32 --batch 256 --lr 2e-3 --epochs "${EPOCHS:-80}" \
    --corrupt gaussian:0.1 --val 0 --seed 1 --out "$model"
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
