#!/usr/bin/env bash
# latent from Python against PyTorch, encoding the 10,000 MNIST test images with the benchmark
# model's encoder (784-256-32; the model trained here for 1 epoch). Each measurement is a process
# of its own (bench/python_encode.py: best of 5 calls after a warm-up); 3 rounds, each running
# latent at 1 and 2 threads and PyTorch at 1 and 2 intra-op threads over 1 and 2 OpenBLAS threads
# (its fastest mix here is torch 1 over OpenBLAS 2); the best of each side at its best setting.
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
settings=(latent/1 latent/2 pytorch/1/1 pytorch/1/2 pytorch/2/1 pytorch/2/2)  # side/threads[/OpenBLAS threads]
for round in 1 2 3; do
  for key in "${settings[@]}"; do
    IFS=/ read -r side threads blas <<<"$key"
    pools=()
    [ $side = latent ] || pools=("OPENBLAS_NUM_THREADS=$blas" "OMP_NUM_THREADS=$blas")
    rate=$(env "${pools[@]}" PYTHONPATH="$build/python" /usr/bin/python3 "$root/bench/python_encode.py" $side \
      $threads "$tmp/m.model" "$root/data/mnist/t10k-images-idx3-ubyte")
    number "$key images/s, round $round" "$rate"
    rate=$(printf '%.0f' "$rate")  # whole images/s for [ -ge ]
    [ "${best[$key]:-0}" -ge "$rate" ] || best[$key]=$rate
  done
done
latent=0 pytorch=0
for key in "${settings[@]}"; do
  printf '%-12s %8d images/s\n' "$key" "${best[$key]}"
  if [[ $key == latent/* ]]; then
    [ "$latent" -ge "${best[$key]}" ] || latent=${best[$key]}
  else
    [ "$pytorch" -ge "${best[$key]}" ] || pytorch=${best[$key]}
  fi
done
ratio=$(awk -v a="$latent" -v b="$pytorch" 'BEGIN { printf "%.3f", a / b }')
number "latent / pytorch" "$ratio"  # mawk prints inf for a / 0
echo "latent / pytorch, best setting each: $ratio"
printf '{"latent_images_per_s": %d, "pytorch_images_per_s": %d, "ratio": %s}\n' "$latent" "$pytorch" "$ratio"
