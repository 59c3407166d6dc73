#!/usr/bin/env bash
# Training speed of every model latent trains, each beside a PyTorch reference doing the same
# thing: bench/reference/every_model.py builds its layers from `latent export --format torch` of
# the model latent trained (the sizes cannot differ) and applies the spec's corruption, penalty
# and code head. Interleaved rounds, best of ROUNDS each side; 20,000 MNIST images, 2 epochs,
# constant learning rate, no validation, latent --threads 2, the reference at torch 1 thread /
# OpenBLAS 2 (its best setting in bench/train_throughput.sh; conv models: the better of torch 1 and 2).
# Ceiling: each dense model's FLOPs per image (forward, weight gradients, input gradients but the
# first layer's) over bench/sgemm_rate's rate for the GEMMs of one training step of its widths,
# measured in each round (best). Conv models have no such ceiling here (null).
# bf16: the plain model with --precision bf16 against the default, its images/s, and its final
# training loss over the default's after 10 epochs of all 60,000 images (the issue's protocol). Encoding: bench/python_encode.sh's ratio (10,000 test images through
# `import latent` against PyTorch under no_grad).
# The SdA classifier's fine-tuning is `latent classify train --init random` of the same net (a
# pretrained start costs the same per step). Conv 3x64x64 trains on the 1,857 Facebook emoji
# (data/emoji, scripts/setup.sh; the reference reads them from a `latent pack` of the same folder).
# Usage: bench/every_model.sh [ROUNDS=3]   Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
build=${LATENT_BUILD:-$root/build}
[ -x "$build/latent" ] && [ -x "$build/bench/sgemm_rate" ] || "$root/scripts/build.sh" >/dev/null
latent="$build/latent"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$root/bench/bench_lib.sh"
common=(--val 0 --epochs 2 --lr 1e-3 --schedule constant --threads 2 --seed 1)
mnist=(--data mnist --limit 20000)
"$latent" pack emoji-facebook --out "$tmp/emoji.lpk" 2>/dev/null

# name|kind|batch|flags of `latent train` (on the first 20,000 MNIST images unless they name --data)
models=(
  "plain 784-256-32|dense|256|--layers 256 --latent 32"
  "denoising masking:0.5|dense|128|--latent 256 --code-activation sigmoid --corrupt masking:0.5"
  "sparse l1:0.01|dense|128|--latent 256 --code-activation sigmoid --sparsity l1:0.01"
  "sparse kl:0.05,0.1|dense|128|--latent 256 --code-activation sigmoid --sparsity kl:0.05,0.1"
  "contractive closed form|dense|128|--latent 256 --code-activation sigmoid --contractive 1"
  "contractive estimator|dense|128|--layers 256 --latent 64 --code-activation sigmoid --contractive 1"
  "vae 784-400-20|dense|128|--type vae --layers 400 --latent 20"
  "binary hashing recipe, no pull|dense|256|--type binary --bits 32 --layers 1000,500,250 --bit-balance 0.1 --bit-decorrelation 1 --corrupt gaussian:0.1 --neighbour-pull 0"
  "binary hashing recipe|dense|256|--type binary --bits 32 --layers 1000,500,250 --bit-balance 0.1 --bit-decorrelation 1 --corrupt gaussian:0.1 --neighbour-pull 2 --neighbours 5"
  "SdA classifier fine-tuning|dense|128|classify 1000,1000,1000 sigmoid masking:0.2"
  "conv 28x28 32,64|conv|128|--arch conv --channels 32,64 --latent 32"
  "conv 3x64x64 32,64,128,256|conv|128|--data emoji-facebook --arch conv --channels 32,64,128,256 --latent 64 --loss mse"
  "plain 784-256-32 bf16|dense|256|--layers 256 --latent 32 --precision bf16"
)
field() { /usr/bin/python3 -c "import json, sys; print(json.loads(sys.argv[1])$2)" "$1" ; }
log_field() { /usr/bin/python3 -c "import json, sys; rows = [json.loads(l) for l in open(sys.argv[1])]; print($2)" "$1"; }
# above A B: A > B (awk, not bc: bc reads no exponent and exits 0 on a syntax error)
above() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 > b + 0) }'; }

# The widths a classifier's GEMMs chain through (784-WIDTHS-10) and its FLOPs per image.
classifier_shape() {
  /usr/bin/python3 -c '
import sys
w = [784] + [int(v) for v in sys.argv[1].split(",")] + [10]
print(" ".join(map(str, w)), sum((4 if i == 0 else 6) * a * b for i, (a, b) in enumerate(zip(w, w[1:]))))' "$1"
}

# The widths a model's GEMMs chain through and its FLOPs per image, from `latent info`.
shape_of() {
  "$latent" info "$1" --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)["spec"]
code = s["latent"] * (2 if s["code_head"] == "gaussian" else 1)
enc = [784] + s["layers"] + [code]
dec = [s["latent"]] + s["layers"][::-1] + [784]
layers = list(zip(enc, enc[1:])) + list(zip(dec, dec[1:]))
flops = sum((4 if i == 0 else 6) * a * b for i, (a, b) in enumerate(layers))
print(" ".join(map(str, [784] + s["layers"] + [s["latent"]] + s["layers"][::-1] + [784])), flops)'
}

declare -A best_latent best_ref best_ceiling loss widths_of flops_of ten_epoch_loss
for round in $(seq "$rounds"); do
  for entry in "${models[@]}"; do
    IFS='|' read -r name kind batch flags <<<"$entry"
    rm -f "$tmp/m.jsonl"
    if [[ $flags == classify* ]]; then
      read -r _ widths activation corrupt <<<"$flags"
      "$latent" classify train --init random --layers "$widths" --activation "$activation" --code-activation "$activation" \
        --corrupt "$corrupt" --data mnist --limit 20000 --epochs 2 --lr 1e-3 --threads 2 --seed 1 --batch "$batch" \
        --out "$tmp/c.clf" --overwrite --log "$tmp/m.jsonl" 2>/dev/null
    else
      data=("${mnist[@]}")
      reference_data=(--limit 20000)
      [[ $flags == --data* ]] && data=() reference_data=(--pack "$tmp/emoji.lpk")
      # shellcheck disable=SC2086
      "$latent" train "${common[@]}" "${data[@]}" --batch "$batch" $flags --out "$tmp/m.model" --overwrite \
        --log "$tmp/m.jsonl" 2>/dev/null
    fi
    rate=$(log_field "$tmp/m.jsonl" "max(r['images_per_s'] for r in rows)")
    loss[$name]=$(log_field "$tmp/m.jsonl" "rows[-1]['train_loss']")
    number "latent images/s of $name" "$rate"
    number "final loss of $name" "${loss[$name]}"
    above "$rate" "${best_latent[$name]:-0}" && best_latent[$name]=$rate
    line="round $round, $name: latent ${rate%.*}"
    if [[ $flags == classify* ]]; then
      ref=$(OPENBLAS_NUM_THREADS=2 /usr/bin/python3 "$root/bench/reference/every_model.py" --classifier "$widths" \
        --activation "$activation" --corrupt "$corrupt" --limit 20000 --epochs 2 --batch "$batch" --lr 1e-3)
    elif [[ $name != *bf16 ]]; then
      "$latent" export --model "$tmp/m.model" --out "$tmp/m.pt"
      ref='{"images_per_s": 0}'
      # Conv: PyTorch's convolutions run on its own threads, so it gets 1 and 2 and keeps the better.
      torch_threads=1
      [ "$kind" = conv ] && torch_threads="1 2"
      for threads in $torch_threads; do
        run=$(OPENBLAS_NUM_THREADS=2 /usr/bin/python3 "$root/bench/reference/every_model.py" "$tmp/m.pt" \
          "${reference_data[@]}" --epochs 2 --batch "$batch" --lr 1e-3 --torch-threads "$threads")
        above "$(field "$run" '["images_per_s"]')" "$(field "$ref" '["images_per_s"]')" && ref=$run
      done
    fi
    if [[ $name != *bf16 ]]; then
      ref_rate=$(field "$ref" '["images_per_s"]')
      number "pytorch images/s of $name" "$ref_rate"
      above "$ref_rate" "${best_ref[$name]:-0}" && best_ref[$name]=$ref_rate
      line+=", pytorch ${ref_rate%.*}"
    fi
    if [ "$kind" = dense ]; then
      if [[ $flags == classify* ]]; then
        read -r -a shape <<<"$(classifier_shape "$widths")"
      else
        read -r -a shape <<<"$(shape_of "$tmp/m.model")"
      fi
      flops_of[$name]=${shape[-1]}
      number "FLOPs per image of $name" "${flops_of[$name]}"
      unset 'shape[-1]'
      gflops=$(field "$("$build/bench/sgemm_rate" 2 "$batch" "${shape[@]}")" '["step_gflops"]')
      number "sgemm step_gflops for $name" "$gflops"
      above "$gflops" "${best_ceiling[$name]:-0}" && best_ceiling[$name]=$gflops
      line+=", sgemm step ${gflops%.*} GFLOP/s"
    fi
    echo "$line" >&2
  done
done
encode=$("$root/bench/python_encode.sh" | tail -1)
for precision in fp32 bf16; do
  "$latent" train --data mnist --val 0 --epochs 10 --batch 256 --threads 2 --seed 1 --layers 256 --latent 32 \
    --precision $precision --out "$tmp/$precision.model" --overwrite --log "$tmp/$precision.jsonl" 2>/dev/null
  ten_epoch_loss[$precision]=$(log_field "$tmp/$precision.jsonl" "rows[-1]['train_loss']")
  number "loss after 10 epochs, $precision" "${ten_epoch_loss[$precision]}"
done

{
  for entry in "${models[@]}"; do
    IFS='|' read -r name kind batch flags <<<"$entry"
    echo "$name|$kind|${best_latent[$name]}|${best_ref[$name]:-null}|${flops_of[$name]:-null}|${best_ceiling[$name]:-null}|${loss[$name]}"
  done
} >"$tmp/rows"
/usr/bin/python3 - "$tmp/rows" "$encode" "$rounds" "${ten_epoch_loss[fp32]}" "${ten_epoch_loss[bf16]}" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1])]
encode = json.loads(sys.argv[2])
num = lambda v: None if v == "null" else float(v)
print(f"best of {sys.argv[3]} rounds; 20,000 MNIST images (conv 3x64x64: 1,857 emoji), 2 epochs; latent --threads 2, PyTorch torch 1 / OpenBLAS 2")
print(f"{'model':34}{'latent':>9}{'pytorch':>9}{'ratio':>7}{'MFLOP/img':>10}{'ceiling':>9}{'of ceil':>8}")
models, by_name = {}, {}
for name, kind, ours, ref, flops, ceiling, loss in rows:
    ours, ref, flops, ceiling = num(ours), num(ref), num(flops), num(ceiling)
    by_name[name] = (ours, float(loss))
    frac = ours * flops / (ceiling * 1e9) if flops and ceiling else None
    ratio = ours / ref if ref else None
    print(f"{name:34}{ours:9.0f}" + (f"{ref:9.0f}{ratio:7.2f}" if ref else f"{'-':>9}{'-':>7}")
          + (f"{flops / 1e6:10.2f}{ceiling:9.1f}{frac:8.2f}" if frac else f"{'-':>10}{'-':>9}{'-':>8}"))
    if name.endswith("bf16"):
        continue
    models[name] = {"kind": kind, "latent_images_per_s": round(ours), "reference_images_per_s": round(ref),
                    "ratio": round(ratio, 3), "ceiling_fraction": round(frac, 3) if frac else None}
fp32, bf16 = by_name["plain 784-256-32"], by_name["plain 784-256-32 bf16"]
ten_epochs = float(sys.argv[5]) / float(sys.argv[4])
print(f"bf16 / fp32 on the plain model: {bf16[0] / fp32[0]:.2f}x images/s; final loss ratio {bf16[1] / fp32[1]:.4f} "
      f"after the 2 epochs above, {ten_epochs:.4f} after 10 epochs of 60,000 ({sys.argv[5]} / {sys.argv[4]})")
print(f"encoding through import latent / PyTorch: {encode['ratio']}")
print(json.dumps({"models": models, "bf16_speedup": round(bf16[0] / fp32[0], 3),
                  "bf16_loss_ratio": round(ten_epochs, 4), "encode_speedup": encode["ratio"]}))
PY
