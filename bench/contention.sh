#!/usr/bin/env bash
# Training beside other work: seconds per epoch of two autograd models (a VAE 784-400-20 and a
# 32-bit binary 784-1000-500-250-32, 20,000 images) on 2 threads, the batch split over replica
# threads (--replicas 0, the default: one per thread) or one process whose matrix multiplies use
# OpenBLAS's 2 threads (--replicas 1), on a quiet machine and beside N busy loops (`yes`).
# Usage: bench/contention.sh [ROUNDS=2] [HOGS=2]
set -euo pipefail
rounds=${1:-2}
hogs=${2:-2}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
work=$(mktemp -d)
hog_pids=()
# kill fails with no hogs (the quiet part): under set -e that would skip the rm and exit 2.
trap 'kill "${hog_pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
. "$root/bench/bench_lib.sh"

models=(
  "vae|--type vae --layers 400 --latent 20 --lr 1e-3 --schedule constant"
  "binary|--type binary --bits 32 --layers 1000,500,250 --batch 256 --bit-balance 0.1"
)
# Seconds of the one epoch, from the training log (the progress line rounds to 0.1 s, a tenth of
# a quiet VAE epoch).
epoch_seconds() {
  rm -f "$work/m.jsonl"
  "$latent" train --data mnist --limit 20000 --epochs 1 --val 0 --threads 2 --out "$work/m.model" --overwrite \
    --log "$work/m.jsonl" "$@" 2>/dev/null
  /usr/bin/python3 -c "import json, sys; print(json.loads(open(sys.argv[1]).readline())['seconds'])" "$work/m.jsonl"
}
printf '%-8s %-6s %12s %12s %8s\n' model load "replicas s" "openblas s" ratio
for load in quiet busy; do
  if [ "$load" = busy ]; then for _ in $(seq "$hogs"); do yes >/dev/null & hog_pids+=($!); done; fi
  echo "$load: $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds"
  for entry in "${models[@]}"; do
    name=${entry%%|*}
    read -ra flags <<<"${entry#*|}"
    best_sharded=999 best_blas=999
    for _ in $(seq "$rounds"); do
      s=$(epoch_seconds "${flags[@]}" --replicas 0); number "$name seconds, replicas" "$s"
      best_sharded=$(/usr/bin/python3 -c "print(min($best_sharded, $s))")
      s=$(epoch_seconds "${flags[@]}" --replicas 1); number "$name seconds, OpenBLAS threads" "$s"
      best_blas=$(/usr/bin/python3 -c "print(min($best_blas, $s))")
    done
    printf '%-8s %-6s %12.1f %12.1f %8.2f\n' "$name" "$load" "$best_sharded" "$best_blas" \
      "$(/usr/bin/python3 -c "print($best_blas / $best_sharded)")"
  done
done
echo "load busy: $hogs busy loops on the 2 cores; ratio = OpenBLAS-threads time / replica-threads time"
