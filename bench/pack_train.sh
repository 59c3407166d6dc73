#!/usr/bin/env bash
# Training from data bigger than memory. bench/augment_pack writes N shifted MNIST digits as one
# pack (10M: 7.8 GB); `latent train --data pack:FILE` then reads it batch by batch. Its images/s
# is compared with training the same model on MNIST's 60,000 digits held in memory, measured
# before and after the pack run (best of those); the pack run's peak RSS is /usr/bin/time's.
# Models: the benchmark model (784-256-32-256-784) and a deep one (784-1000-500-250-32-...), batch
# 256, the default dense passes on 2 threads; one epoch over the pack, no validation split. Also checked: the same seed gives the same
# losses from a pack of MNIST as from MNIST itself.
# Usage: bench/pack_train.sh [N=10000000] [DIR=/tmp: where the pack goes] [MODEL=bench|deep, default both]
# Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
count=${1:-10000000}
build=${LATENT_BUILD:-$root/build}
[ -x "$build/latent" ] && [ -x "$build/bench/augment_pack" ] || "$root/scripts/build.sh" >/dev/null
# A folder of its own inside DIR: the whole of it is removed at the end.
tmp=$(mktemp -d -p "${2:-/tmp}")
only=${3:-}
trap 'rm -rf "$tmp"' EXIT
. "$root/bench/bench_lib.sh"
common=(--threads 2 --val 0 --seed 1 --batch 256)
# name|model flags: the benchmark model, and a deep one whose steps take longer than reading a batch
models=("bench 784-256-32-256-784|--layers 256 --latent 32" "deep 784-1000-500-250-32|--layers 1000,500,250 --latent 32")
# images/s of the best epoch in a --log file
rate() { /usr/bin/python3 -c 'import json,sys; print(max(json.loads(l)["images_per_s"] for l in open(sys.argv[1])))' "$1"; }

start=$(date +%s.%N)
"$build/bench/augment_pack" "$tmp/aug.lpk" "$count" 2>/dev/null
pack_seconds=$(echo "$(date +%s.%N) - $start" | bc)
pack_bytes=$(stat -c %s "$tmp/aug.lpk")
echo "pack: $count images, $pack_bytes bytes, written in ${pack_seconds}s"

json=""
for entry in "${models[@]}"; do
  name=${entry%%|*}
  [[ -z "$only" || "$name" == "$only"* ]] || continue
  read -r -a flags <<<"${entry#*|}"
  memory_run() {  # run in $(...): without a fresh log a failed run would print the last one's rate
    rm -f "$tmp/m.log"
    "$build/latent" train --data mnist "${flags[@]}" "${common[@]}" --epochs 2 --out "$tmp/m.model" --log "$tmp/m.log" \
      --overwrite 2>/dev/null
    rate "$tmp/m.log"
  }
  before=$(memory_run)
  number "$name: images/s in memory (before)" "$before"
  /usr/bin/time -f "%M" -o "$tmp/rss" "$build/latent" train --data "pack:$tmp/aug.lpk" "${flags[@]}" "${common[@]}" \
    --epochs 1 --out "$tmp/p.model" --log "$tmp/p.log" --overwrite 2>"$tmp/pack_train.err" ||
    { cat "$tmp/pack_train.err"; exit 1; }
  packed=$(rate "$tmp/p.log")
  number "$name: images/s from the pack" "$packed"
  rss_mb=$(($(tail -1 "$tmp/rss") / 1024))
  after=$(memory_run)
  number "$name: images/s in memory (after)" "$after"
  memory=$(awk -v a="$before" -v b="$after" 'BEGIN { m = a + 0 > b + 0 ? a : b; print m }')
  ratio=$(awk -v p="$packed" -v m="$memory" 'BEGIN { printf "%.6f", p / m }')
  number "$name: pack / memory" "$ratio"  # mawk prints inf for p / 0
  printf "%s: in memory (MNIST, 60,000) %.0f images/s (before %.0f, after %.0f); from the pack %.0f images/s = %.3f of it; peak RSS %d MB\n" \
    "$name" "$memory" "$before" "$after" "$packed" "$ratio" "$rss_mb"
  json+=$(printf '%s"%s": {"memory_images_per_s": %.0f, "pack_images_per_s": %.0f, "ratio": %.3f, "peak_rss_mb": %d}' \
    "${json:+, }" "$name" "$memory" "$packed" "$ratio" "$rss_mb")
done

# Same seed, same losses: MNIST packed, trained both ways for 2 epochs.
"$build/latent" pack mnist --out "$tmp/mnist.lpk" 2>/dev/null
"$build/latent" train --data mnist --layers 256 --latent 32 "${common[@]}" --epochs 2 --out "$tmp/a.model" --log "$tmp/a.log" 2>/dev/null
"$build/latent" train --data "pack:$tmp/mnist.lpk" --layers 256 --latent 32 "${common[@]}" --epochs 2 --out "$tmp/b.model" \
  --log "$tmp/b.log" 2>/dev/null
same=$(/usr/bin/python3 -c 'import json,sys; a,b=([json.loads(l)["train_loss"] for l in open(p)] for p in sys.argv[1:]); print(str(a == b).lower())' "$tmp/a.log" "$tmp/b.log")
echo "same seed, same losses from the pack as from memory: $same"
printf '{"count": %d, "pack_bytes": %d, "pack_seconds": %.1f, "models": {%s}, "same_losses": %s}\n' \
  "$count" "$pack_bytes" "$pack_seconds" "$json" "$same"
