#!/usr/bin/env bash
# Training throughput of the benchmark model (784-256-32-256-784, ReLU, linear code, BCE on
# logits, Adam, batch 256) in latent's settings and in the PyTorch reference, interleaved, best
# of ROUNDS each, with both final training losses. The yardstick, measured in the same rounds:
# bench/sgemm_rate running the GEMMs of one dense training step (2 threads, each on its half of
# the batch with single-threaded BLAS, as latent's default does); the older one-GEMM rate
# (256×784·784×256 on OpenBLAS's 2 threads) is printed beside it.
# latent settings: the default (--threads 2: the hand-written dense passes, batch split over 2
# threads), the same through LibTorch autograd, 2 autograd replica threads, one process on one
# core, 2 processes over c10d/Gloo on loopback (--nproc 2, one core each), and bf16 autocast.
# Usage: bench/train_throughput.sh [ROUNDS=3]   Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
build=${LATENT_BUILD:-$root/build}  # another build directory: LATENT_BUILD=...
[ -x "$build/latent" ] && [ -x "$build/bench/sgemm_rate" ] || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$root/bench/bench_lib.sh"
widths=(784 256 32 256 784)
# 2 FLOPs per multiply-add, per layer and image: the forward product, the weight gradient and
# the gradient of the layer's input; the first layer's input is the data, which needs no
# gradient, so neither latent nor PyTorch computes it.
flops_per_image=0
for ((l = 0; l + 1 < ${#widths[@]}; l++)); do
  flops_per_image=$((flops_per_image + (l == 0 ? 4 : 6) * widths[l] * widths[l + 1]))
done
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

# name|extra flags of `latent train`
settings=(
  "default|--threads 2"
  "autograd|--threads 2 --engine autograd"
  "replicas 2|--threads 2 --replicas 2"
  "1 process, 1 core|--threads 1"
  "2 Gloo processes|--nproc 2 --threads 1"
  "bf16|--threads 2 --precision bf16"
  "bf16, replicas 2|--threads 2 --replicas 2 --precision bf16"
)
declare -A runs
for round in $(seq "$rounds"); do
  rates=$("$build/bench/sgemm_rate" 2 256 "${widths[@]}")
  step=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["step_gflops"])' "$rates")
  big=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["big_gemm_gflops"])' "$rates")
  number "sgemm step_gflops" "$step"
  number "sgemm big_gemm_gflops" "$big"
  runs[sgemm]+=" $step"; runs[big]+=" $big"
  line="round $round:"
  for setting in "${settings[@]}"; do
    name=${setting%%|*}
    rm -f "$tmp/b.jsonl" "$tmp/b.model" "$tmp/b.model.ckpt"  # a trained model is not overwritten without --overwrite
    # shellcheck disable=SC2086
    "$build/latent" train --data mnist --layers 256 --latent 32 --activation relu --batch 256 --lr 1e-3 \
      --schedule constant --val 0 --epochs 3 ${setting#*|} --out "$tmp/b.model" --log "$tmp/b.jsonl" 2>/dev/null
    speed=$(/usr/bin/python3 -c "import json; print(max(json.loads(l)['images_per_s'] for l in open('$tmp/b.jsonl')))")
    loss=$(/usr/bin/python3 -c "import json; print([json.loads(l)['train_loss'] for l in open('$tmp/b.jsonl')][-1])")
    number "images/s of $name" "$speed"
    number "final loss of $name" "$loss"
    runs[$name]+=" $speed"; runs["$name loss"]=$loss
    line+=" $name ${speed%.*},"
  done
  # The reference at its best thread setting (torch 1, OpenBLAS 2; torch 2 / OpenBLAS 1 was
  # slower on the idle machine and spins for minutes when other jobs share the cores), and on
  # one core.
  for setting in "1 2" "1 1"; do
    set -- $setting
    ref_json=$(OPENBLAS_NUM_THREADS=$2 /usr/bin/python3 "$root/bench/reference/train_throughput.py" --epochs 3 \
      --torch-threads "$1" 2>/dev/null)
    speed=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["images_per_s"])' "$ref_json")
    loss=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])["train_loss"])' "$ref_json")
    number "pytorch $1/$2 images/s" "$speed"
    number "pytorch $1/$2 final loss" "$loss"
    key=$([ "$setting" = "1 1" ] && echo ref1 || echo ref)
    runs[$key]+=" $speed"; runs["$key loss"]=$loss
    line+=" pytorch $1/$2 ${speed%.*},"
  done
  echo "$line step GEMMs ${runs[sgemm]##* } GFLOP/s, one GEMM ${runs[big]##* } GFLOP/s" >&2
done

args=()
for setting in "${settings[@]}"; do name=${setting%%|*}; args+=("$name" "${runs[$name]}" "${runs["$name loss"]}"); done
/usr/bin/python3 - "$flops_per_image" "${runs[sgemm]}" "${runs[big]}" "${runs[ref]}" "${runs["ref loss"]}" \
  "${runs[ref1]}" "${runs["ref1 loss"]}" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$load_start" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$rounds" "${args[@]}" <<'PY'
import json, sys
a = sys.argv
flops = float(a[1])
best = lambda text: max(float(v) for v in text.split())
gflops, one_gemm, ref, ref_loss, ref1, ref1_loss = best(a[2]), best(a[3]), best(a[4]), float(a[5]), best(a[6]), float(a[7])
date, load_start, load_end, rounds = a[8:12]
rows = [(a[i], best(a[i + 1]), float(a[i + 2])) for i in range(12, len(a), 3)]
ceiling = gflops * 1e9 / flops
print(f"{'':32}{'images/s':>10}{'of sgemm':>10}{'/ pytorch':>11}{'final loss':>12}")
for name, speed, loss in rows:
    print(f"{'latent ' + name:32}{speed:10.0f}{speed / ceiling:10.1%}{speed / ref:11.2f}{loss:12.4f}")
print(f"{'pytorch (torch 1, OpenBLAS 2)':32}{ref:10.0f}{ref / ceiling:10.1%}{1:11.2f}{ref_loss:12.4f}")
print(f"{'pytorch, 1 core (1/1)':32}{ref1:10.0f}{ref1 / ceiling:10.1%}{ref1 / ref:11.2f}{ref1_loss:12.4f}")
print(f"{'sgemm ceiling':32}{ceiling:10.0f}   ({gflops:.0f} GFLOP/s on one step's GEMMs, 2 threads, {flops / 1e6:.2f} MFLOP/image)")
print(f"one 256x784x256 GEMM on 2 OpenBLAS threads: {one_gemm:.0f} GFLOP/s")
speed = {name: s for name, s, _ in rows}
print(f"2 Gloo processes / 1 process on 1 core = {speed['2 Gloo processes'] / speed['1 process, 1 core']:.2f}")
print(f"{date}, load average {load_start} at the start, {load_end} at the end, best of {rounds} rounds")
latent = speed["default"]
print(json.dumps({"date": date, "load_average_start": load_start, "load_average_end": load_end, "rounds": int(rounds),
                  "latent_images_per_s": round(latent), "reference_images_per_s": round(ref),
                  "ratio": round(latent / ref, 3), "sgemm_gflops": gflops, "one_gemm_gflops": one_gemm,
                  "mflop_per_image": flops / 1e6,
                  "latent_fraction_of_sgemm": round(latent / ceiling, 3),
                  "reference_fraction_of_sgemm": round(ref / ceiling, 3),
                  "reference_final_train_loss": round(ref_loss, 5),
                  "settings": {name: {"images_per_s": round(s), "fraction_of_sgemm": round(s / ceiling, 3),
                                      "vs_reference": round(s / ref, 3), "final_train_loss": round(l, 5)}
                               for name, s, l in rows},
                  "gloo_2proc_vs_1core": round(speed["2 Gloo processes"] / speed["1 process, 1 core"], 3)}))
PY
