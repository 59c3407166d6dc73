#!/usr/bin/env bash
# The deep autoencoder of Hinton & Salakhutdinov (2006), 784-1000-500-250-30 (mirrored),
# trained from random weights with latent's recipe, then evaluated on the MNIST test set.
# The recipe: Adam 2e-3 with a cosine schedule, batch 256, and Gaussian input noise (std 0.1,
# fresh every batch) as a regulariser: without it the test error plateaus at ~4.1.
# Usage: bench/deep_autoencoder.sh [EPOCHS=100] [BATCH=256] [CORRUPT=gaussian:0.1]   Last line: the `latent eval --json` object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
epochs=${1:-100}
batch=${2:-256}
corrupt=${3:-gaussian:0.1}
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
out="$root/out/bench"
mkdir -p "$out"
start=$(date +%s)
"$root/build/latent" train --data mnist --layers 1000,500,250 --latent 30 --activation relu \
  --batch "$batch" --lr 2e-3 --schedule cosine --epochs "$epochs" --val 0 --corrupt "$corrupt" \
  --out "$out/deep.model" --log "$out/deep.jsonl"
echo "training took $(( $(date +%s) - start )) s" >&2
"$root/build/latent" eval --model "$out/deep.model" --data mnist --split test --json
