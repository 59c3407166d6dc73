#!/usr/bin/env bash
# The simple autoencoder of the notes (784 -> 32 -> 784) with latent's defaults, 20 epochs,
# evaluated on the MNIST test set. Last line: the `latent eval --json` object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
out="$root/out/bench"
mkdir -p "$out"
"$root/build/latent" train --data mnist --latent 32 --epochs 20 --out "$out/simple.model" --log "$out/simple.jsonl"
"$root/build/latent" eval --model "$out/simple.model" --data mnist --split test --json
