#!/usr/bin/env bash
# Training throughput of the benchmark model (784-256-32-256-784, ReLU, linear code, BCE on
# logits, Adam, batch 256, fp32) in latent and in the PyTorch reference, interleaved, best of
# ROUNDS each; the machine's 2-thread sgemm rate measured in the same run as the yardstick.
# Usage: bench/train_throughput.sh [ROUNDS=3]   Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
build="$root/build"
[ -x "$build/latent" ] && [ -x "$build/bench/sgemm_rate" ] || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# 6 FLOPs per multiply-add (forward, and the two backward products) over the four layers.
flops_per_image=$((6 * (784 * 256 + 256 * 32 + 32 * 256 + 256 * 784)))

best() { /usr/bin/python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }
latent_runs=() ; ref_runs=() ; gemm_runs=()
for round in $(seq "$rounds"); do
  gemm_runs+=("$("$build/bench/sgemm_rate" 2 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["sgemm_gflops"])')")
  "$build/latent" train --data mnist --layers 256 --latent 32 --activation relu --batch 256 --lr 1e-3 \
    --schedule constant --val 0 --epochs 3 --threads 2 --out "$tmp/b.model" --log "$tmp/b.jsonl" 2>/dev/null
  latent_runs+=("$(/usr/bin/python3 -c "import json; print(max(json.loads(l)['images_per_s'] for l in open('$tmp/b.jsonl')))")")
  # The reference at both of its good thread settings; its best counts.
  for setting in "1 2" "2 1"; do
    set -- $setting
    ref_runs+=("$(OPENBLAS_NUM_THREADS=$2 /usr/bin/python3 "$root/bench/reference/train_throughput.py" --epochs 3 \
      --torch-threads "$1" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')")
  done
  echo "round $round: latent ${latent_runs[-1]%.*} images/s, pytorch ${ref_runs[-2]%.*} / ${ref_runs[-1]%.*} images/s, sgemm ${gemm_runs[-1]} GFLOP/s" >&2
done
/usr/bin/python3 - "$(best "${latent_runs[@]}")" "$(best "${ref_runs[@]}")" "$(best "${gemm_runs[@]}")" "$flops_per_image" <<'PY'
import json, sys
latent, ref, gflops, flops = (float(v) for v in sys.argv[1:])
ceiling = gflops * 1e9 / flops
print(f"{'':28}{'images/s':>12}{'of sgemm':>10}")
print(f"{'latent':28}{latent:12.0f}{latent / ceiling:10.1%}")
print(f"{'pytorch (reference)':28}{ref:12.0f}{ref / ceiling:10.1%}")
print(f"{'sgemm ceiling':28}{ceiling:12.0f}   ({gflops:.0f} GFLOP/s, 2 threads, {flops / 1e6:.2f} MFLOP/image)")
print(f"latent / pytorch = {latent / ref:.2f}")
print(json.dumps({"latent_images_per_s": round(latent), "reference_images_per_s": round(ref),
                  "ratio": round(latent / ref, 3), "sgemm_gflops": gflops,
                  "mflop_per_image": flops / 1e6,
                  "latent_fraction_of_sgemm": round(latent / ceiling, 3),
                  "reference_fraction_of_sgemm": round(ref / ceiling, 3)}))
PY
