#!/usr/bin/env bash
# Training throughput of the benchmark model (784-256-32-256-784, ReLU, linear code, BCE on
# logits, Adam, batch 256) in latent's settings and in the PyTorch reference, interleaved, best
# of ROUNDS each; the machine's 2-thread sgemm rate measured in the same run as the yardstick.
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
# 6 FLOPs per multiply-add (forward, and the two backward products) over the four layers.
flops_per_image=$((6 * (784 * 256 + 256 * 32 + 32 * 256 + 256 * 784)))

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
  runs[sgemm]+=" $("$build/bench/sgemm_rate" 2 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["sgemm_gflops"])')"
  line="round $round:"
  for setting in "${settings[@]}"; do
    name=${setting%%|*}
    rm -f "$tmp/b.jsonl"
    # shellcheck disable=SC2086
    "$build/latent" train --data mnist --layers 256 --latent 32 --activation relu --batch 256 --lr 1e-3 \
      --schedule constant --val 0 --epochs 3 ${setting#*|} --out "$tmp/b.model" --log "$tmp/b.jsonl" 2>/dev/null
    speed=$(/usr/bin/python3 -c "import json; print(max(json.loads(l)['images_per_s'] for l in open('$tmp/b.jsonl')))")
    loss=$(/usr/bin/python3 -c "import json; print([json.loads(l)['train_loss'] for l in open('$tmp/b.jsonl')][-1])")
    runs[$name]+=" $speed"; runs["$name loss"]=$loss
    line+=" $name ${speed%.*},"
  done
  # The reference at its best thread setting (torch 1, OpenBLAS 2; torch 2 / OpenBLAS 1 was
  # slower on the idle machine and spins for minutes when other jobs share the cores), and on
  # one core.
  for setting in "1 2" "1 1"; do
    set -- $setting
    speed=$(OPENBLAS_NUM_THREADS=$2 /usr/bin/python3 "$root/bench/reference/train_throughput.py" --epochs 3 \
      --torch-threads "$1" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])')
    if [ "$setting" = "1 1" ]; then runs[ref1]+=" $speed"; else runs[ref]+=" $speed"; fi
    line+=" pytorch $1/$2 ${speed%.*},"
  done
  echo "$line sgemm ${runs[sgemm]##* } GFLOP/s" >&2
done

args=()
for setting in "${settings[@]}"; do name=${setting%%|*}; args+=("$name" "${runs[$name]}" "${runs["$name loss"]}"); done
/usr/bin/python3 - "$flops_per_image" "${runs[sgemm]}" "${runs[ref]}" "${runs[ref1]}" "${args[@]}" <<'PY'
import json, sys
flops = float(sys.argv[1])
best = lambda text: max(float(v) for v in text.split())
gflops, ref, ref1 = best(sys.argv[2]), best(sys.argv[3]), best(sys.argv[4])
rows = [(sys.argv[i], best(sys.argv[i + 1]), float(sys.argv[i + 2])) for i in range(5, len(sys.argv), 3)]
ceiling = gflops * 1e9 / flops
print(f"{'':32}{'images/s':>10}{'of sgemm':>10}{'/ pytorch':>11}{'final loss':>12}")
for name, speed, loss in rows:
    print(f"{'latent ' + name:32}{speed:10.0f}{speed / ceiling:10.1%}{speed / ref:11.2f}{loss:12.4f}")
print(f"{'pytorch (torch 1, OpenBLAS 2)':32}{ref:10.0f}{ref / ceiling:10.1%}{1:11.2f}")
print(f"{'pytorch, 1 core (1/1)':32}{ref1:10.0f}{ref1 / ceiling:10.1%}{ref1 / ref:11.2f}")
print(f"{'sgemm ceiling':32}{ceiling:10.0f}   ({gflops:.0f} GFLOP/s, 2 threads, {flops / 1e6:.2f} MFLOP/image)")
speed = {name: s for name, s, _ in rows}
print(f"2 Gloo processes / 1 process on 1 core = {speed['2 Gloo processes'] / speed['1 process, 1 core']:.2f}")
latent = speed["default"]
print(json.dumps({"latent_images_per_s": round(latent), "reference_images_per_s": round(ref),
                  "ratio": round(latent / ref, 3), "sgemm_gflops": gflops, "mflop_per_image": flops / 1e6,
                  "latent_fraction_of_sgemm": round(latent / ceiling, 3),
                  "reference_fraction_of_sgemm": round(ref / ceiling, 3),
                  "settings": {name: {"images_per_s": round(s), "fraction_of_sgemm": round(s / ceiling, 3),
                                      "vs_reference": round(s / ref, 3), "final_train_loss": round(l, 5)}
                               for name, s, l in rows},
                  "gloo_2proc_vs_1core": round(speed["2 Gloo processes"] / speed["1 process, 1 core"], 3)}))
PY
