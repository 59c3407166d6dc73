#!/usr/bin/env bash
# Regularised autoencoders (issue 3), two parts:
#  1. Quality on the MNIST test set (10,000 images), each regulariser against the same model
#     trained without it: denoising (masking 0.5), sparse (L1), contractive, conv vs dense.
#  2. Training throughput of each regulariser in latent and in the PyTorch reference doing the
#     same thing (bench/reference/regularisers.py), interleaved, best of ROUNDS each.
# Usage: bench/regularisers.sh [EPOCHS=10] [ROUNDS=2] [CONV_LIMIT=20000] [CONV_EPOCHS=8]
# (ROUNDS=0: quality only, no throughput part.) PARTS="denoise sparse contractive conv" picks the
# quality comparisons to run (each trains its model and its baseline).
# (conv is slow on CPU: conv and its dense baseline train on the first CONV_LIMIT images.)
# Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
epochs=${1:-10}
rounds=${2:-2}
conv_limit=${3:-20000}
conv_epochs=${4:-8}
parts=${PARTS:-denoise sparse contractive conv}
latent="$root/build/latent"
[ -x "$latent" ] || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$root/bench/bench_lib.sh"
results="$tmp/results.jsonl"

# quality NAME EPOCHS TRAIN_FLAGS... -- EVAL_FLAGS...: train on MNIST, evaluate on the test set.
quality() {
  local name=$1 n=$2; shift 2
  local train=() ; while [ "$1" != "--" ]; do train+=("$1"); shift; done; shift
  "$latent" train --data mnist --epochs "$n" --threads 2 --seed 1 "${train[@]}" --out "$tmp/$name.model" 2>/dev/null
  local m; m=$("$latent" eval --model "$tmp/$name.model" --data mnist --split test --threads 2 --seed 0 --json "$@")
  echo "{\"name\": \"$name\", \"metrics\": $m}" >>"$results"
  echo "$name: $m" >&2
}
has() { [[ " $parts " == *" $1 "* ]]; }
if has denoise; then
  quality denoise_plain "$epochs" --layers 1000 --latent 256 -- --corrupt masking:0.5
  quality denoise_masking "$epochs" --layers 1000 --latent 256 --corrupt masking:0.5 -- --corrupt masking:0.5
fi
if has sparse; then
  quality sparse_plain "$epochs" --layers 1000 --latent 256 --code-activation relu --
  quality sparse_l1 "$epochs" --layers 1000 --latent 256 --code-activation relu --sparsity l1:0.05 --
fi
if has contractive; then
  quality contractive_plain "$epochs" --latent 256 --code-activation sigmoid --
  quality contractive "$epochs" --latent 256 --code-activation sigmoid --contractive 0.0002 --
fi
if has conv; then
  quality dense32 "$conv_epochs" --limit "$conv_limit" --layers 256 --latent 32 --lr 1e-3 --
  quality conv32 "$conv_epochs" --limit "$conv_limit" --arch conv --channels 32,64 --latent 32 --lr 1e-3 --
fi

# Throughput: the one-layer 784-256 sigmoid code (closed-form Jacobian), and a deeper encoder
# for the contractive estimator; 20,000 images, 2 epochs, best epoch.
variants=(
  "plain|--latent 256 --code-activation sigmoid"
  "masking:0.5|--latent 256 --code-activation sigmoid --corrupt masking:0.5"
  "gaussian:0.5|--latent 256 --code-activation sigmoid --corrupt gaussian:0.5"
  "l1:0.01|--latent 256 --code-activation sigmoid --sparsity l1:0.01"
  "kl:0.05,0.1|--latent 256 --code-activation sigmoid --sparsity kl:0.05,0.1"
  "contractive closed form|--latent 256 --code-activation sigmoid --contractive 1"
  "deep plain|--layers 256 --latent 64 --code-activation sigmoid"
  "deep contractive estimator|--layers 256 --latent 64 --code-activation sigmoid --contractive 1"
)
best() { /usr/bin/python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }
[ "$rounds" -gt 0 ] || variants=()
for variant in "${variants[@]}"; do
  name=${variant%%|*}; flags=${variant#*|}
  latent_runs=(); ref_runs=()
  for round in $(seq "$rounds"); do
    # shellcheck disable=SC2086
    "$latent" train --data mnist --limit 20000 --val 0 --epochs 2 --batch 128 --lr 1e-3 --schedule constant \
      --threads 2 $flags --out "$tmp/t.model" --overwrite --log "$tmp/t.jsonl" 2>/dev/null
    rate=$(/usr/bin/python3 -c "import json; print(max(json.loads(l)['images_per_s'] for l in open('$tmp/t.jsonl')))")
    number "latent images/s of $name" "$rate"
    latent_runs+=("$rate")
    rm -f "$tmp/t.jsonl"
    # shellcheck disable=SC2086
    rate=$(OPENBLAS_NUM_THREADS=2 /usr/bin/python3 "$root/bench/reference/regularisers.py" --limit 20000 --epochs 2 \
      $flags 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
    number "pytorch images/s of $name" "$rate"
    ref_runs+=("$rate")
  done
  # Not inside the echo: there a failed best() would go unnoticed.
  best_latent=$(best "${latent_runs[@]}"); best_ref=$(best "${ref_runs[@]}")
  echo "{\"name\": \"throughput $name\", \"latent\": $best_latent, \"pytorch\": $best_ref}" >>"$results"
  echo "throughput $name: latent ${latent_runs[*]} pytorch ${ref_runs[*]}" >&2
done

/usr/bin/python3 - "$results" "$epochs" "$conv_limit" "$conv_epochs" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
epochs, conv_limit, conv_epochs = sys.argv[2:5]
q = {r["name"]: r["metrics"] for r in rows if "metrics" in r}
print(f"Quality, MNIST test set ({epochs} epochs; conv32/dense32: {conv_epochs} epochs on the first {conv_limit} images)")
print(f"{'model':22}{'bce/pixel':>10}{'sse/img':>9}{'active':>8}{'jac_fro':>9}{'psnr noisy':>11}{'psnr clean':>11}")
for name, m in q.items():
    print(f"{name:22}{m['bce_per_pixel']:10.4f}{m['sse_per_image']:9.2f}{m['code_active_fraction']:8.3f}{m['jacobian_fro']:9.3f}"
          f"{m.get('psnr_noisy_db', float('nan')):11.2f}{m.get('psnr_denoised_db', float('nan')):11.2f}")
checks = {}
if "denoise_masking" in q:
    d, dp = q["denoise_masking"], q["denoise_plain"]
    checks["denoise_gain_db"] = d["psnr_denoised_db"] - d["psnr_noisy_db"]
    checks["denoise_vs_plain_db"] = d["psnr_denoised_db"] - dp["psnr_denoised_db"]
if "sparse_l1" in q:
    checks["sparse_active_fraction"] = q["sparse_l1"]["code_active_fraction"]
    checks["sparse_bce_ratio"] = q["sparse_l1"]["bce_per_pixel"] / q["sparse_plain"]["bce_per_pixel"]
if "contractive" in q:
    checks["contractive_jacobian_ratio"] = q["contractive"]["jacobian_fro"] / q["contractive_plain"]["jacobian_fro"]
    checks["contractive_bce_ratio"] = q["contractive"]["bce_per_pixel"] / q["contractive_plain"]["bce_per_pixel"]
if "conv32" in q:
    checks["conv_sse_per_image"] = q["conv32"]["sse_per_image"]
    checks["dense_sse_per_image"] = q["dense32"]["sse_per_image"]
for k, v in checks.items():
    print(f"  {k:28}{v:8.3f}")
print("\nTraining throughput, images/s (20,000 images, batch 128, 2 threads, best epoch)")
print(f"{'regulariser':30}{'latent':>9}{'pytorch':>9}{'ratio':>7}")
tp = {}
for r in rows:
    if "latent" in r:
        name = r["name"].removeprefix("throughput ")
        tp[name] = {"latent": round(r["latent"]), "pytorch": round(r["pytorch"]), "ratio": round(r["latent"] / r["pytorch"], 3)}
        print(f"{name:30}{r['latent']:9.0f}{r['pytorch']:9.0f}{r['latent'] / r['pytorch']:7.2f}")
print(json.dumps({"quality": q, "checks": {k: round(v, 4) for k, v in checks.items()}, "throughput": tp}))
PY
