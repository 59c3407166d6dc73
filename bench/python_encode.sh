#!/usr/bin/env bash
# latent from Python against PyTorch, encoding the 10,000 MNIST test images (bench/python_encode.py)
# with the benchmark model (784-256-32-256-784, trained here for 1 epoch).
# Usage: bench/python_encode.sh. Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LATENT_BUILD:-$root/build}
[ -x "$build/latent" ] && ls "$build"/python/latent*.so >/dev/null 2>&1 || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/latent" train --data mnist --layers 256 --latent 32 --epochs 1 --val 0 --seed 1 --out "$tmp/m.model" 2>/dev/null
PYTHONPATH="$build/python" /usr/bin/python3 "$root/bench/python_encode.py" "$tmp/m.model" \
  "$root/data/mnist/t10k-images-idx3-ubyte"
