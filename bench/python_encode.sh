#!/usr/bin/env bash
# latent from Python against PyTorch, encoding the 10,000 MNIST test images with the benchmark
# model's encoder (784-256-32; the model trained here for 1 epoch). Each measurement is a process
# of its own (bench/python_encode.py: best of 5 calls after a warm-up); 3 rounds, each running
# both sides at 1 and at 2 threads in turn; the best of each side at its best setting. PyTorch's
# thread count holds for its OpenBLAS and OpenMP pools too (OPENBLAS/OMP_NUM_THREADS).
# Usage: bench/python_encode.sh. Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${LATENT_BUILD:-$root/build}
[ -x "$build/latent" ] && ls "$build"/python/latent*.so >/dev/null 2>&1 || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$root/bench/bench_lib.sh"
"$build/latent" train --data mnist --layers 256 --latent 32 --epochs 1 --val 0 --seed 1 --out "$tmp/m.model" 2>/dev/null
declare -A best
for round in 1 2 3; do
  for threads in 1 2; do
    for side in latent pytorch; do
      pools=()
      [ $side = latent ] || pools=("OPENBLAS_NUM_THREADS=$threads" "OMP_NUM_THREADS=$threads")
      rate=$(env "${pools[@]}" PYTHONPATH="$build/python" /usr/bin/python3 "$root/bench/python_encode.py" $side \
        $threads "$tmp/m.model" "$root/data/mnist/t10k-images-idx3-ubyte")
      number "$side images/s at $threads threads, round $round" "$rate"
      rate=$(printf '%.0f' "$rate")  # whole images/s for [ -ge ] and $(( ))
      key=$side/$threads
      [ "${best[$key]:-0}" -ge "$rate" ] || best[$key]=$rate
    done
  done
done
for key in latent/1 latent/2 pytorch/1 pytorch/2; do printf '%-10s %8d images/s\n' "$key" "${best[$key]}"; done
latent=$((best[latent/1] > best[latent/2] ? best[latent/1] : best[latent/2]))
pytorch=$((best[pytorch/1] > best[pytorch/2] ? best[pytorch/1] : best[pytorch/2]))
ratio=$(awk -v a="$latent" -v b="$pytorch" 'BEGIN { printf "%.3f", a / b }')
number "latent / pytorch" "$ratio"  # mawk prints inf for a / 0
echo "latent / pytorch, best setting each: $ratio"
printf '{"latent_images_per_s": %d, "pytorch_images_per_s": %d, "ratio": %s}\n' "$latent" "$pytorch" "$ratio"
