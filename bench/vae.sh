#!/usr/bin/env bash
# The pytorch/examples VAE (784-400-20, ReLU, Bernoulli decoder, batch 128, Adam 1e-3,
# 10 epochs on all 60k training images) in latent and in the PyTorch reference:
#   quality  one full run each: test loss with z sampled and z = mean, latent's nll_is
#            (1,000 importance samples), and a classifier's verdict on 1,000 prior samples and
#            16 variations of test image 0 (bench/reference/digit_check.py)
#   speed    training images/s (best epoch), the full runs plus ROUNDS-1 more rounds of 3 epochs,
#            interleaved; the reference at both of its good thread settings, its best counts
# Usage: bench/vae.sh [ROUNDS=3]   Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
build="$root/build"
ref="$root/bench/reference"
[ -x "$build/latent" ] || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
py=/usr/bin/python3
. "$root/bench/bench_lib.sh"

best() { $py -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }
field() { $py -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
# Both append one checked images/s; called outside $(...), so a failed run stops the script.
train_latent() {  # epochs
  rm -f "$tmp/vae.jsonl"
  "$build/latent" train --type vae --data mnist --layers 400 --latent 20 --batch 128 --lr 1e-3 --schedule constant \
    --val 0 --epochs "$1" --threads 2 --seed 1 --out "$tmp/vae.model" --overwrite --log "$tmp/vae.jsonl" 2>/dev/null
  local rate; rate=$($py -c "import json; print(max(json.loads(l)['images_per_s'] for l in open('$tmp/vae.jsonl')))")
  number "latent images/s ($1 epochs)" "$rate"
  latent_runs+=("$rate")
}
train_ref() {  # epochs torch_threads openblas_threads; also sets ref_json
  ref_json=$(OPENBLAS_NUM_THREADS=$3 $py "$ref/vae.py" --epochs "$1" --torch-threads "$2" 2>/dev/null)
  local rate; rate=$(field "$ref_json" images_per_s)
  number "pytorch images/s ($1 epochs, torch $2 / OpenBLAS $3 threads)" "$rate"
  ref_runs+=("$rate")
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
latent_runs=(); ref_runs=()
# Round 1: the full 10-epoch runs, which also give the quality numbers.
train_latent 10
eval_json=$("$build/latent" eval --model "$tmp/vae.model" --data mnist --split test --iw-samples 1000 --threads 2 --json)
train_ref 10 1 2
ref10_json=$ref_json  # its quality numbers; later rounds replace ref_json
"$build/latent" generate --model "$tmp/vae.model" --count 1000 --columns 40 --seed 0 \
  --out "$tmp/samples.png" --out-npy "$tmp/samples.npy"
"$build/latent" generate --model "$tmp/vae.model" --data mnist --split test --index 0 --count 16 --spread 1.0 --seed 0 \
  --out "$tmp/variations.png" --out-npy "$tmp/variations.npy"
digit=$($py -c "print(open('$root/data/mnist/t10k-labels-idx1-ubyte','rb').read()[8])")
check_json=$($py "$ref/digit_check.py" --samples "$tmp/samples.npy" --variations "$tmp/variations.npy" --digit "$digit")
echo "round 1: latent ${latent_runs[-1]%.*} images/s, pytorch ${ref_runs[-1]%.*} images/s" >&2
for round in $(seq 2 "$rounds"); do
  train_latent 3
  # shellcheck disable=SC2086
  for setting in "1 2" "2 1"; do train_ref 3 $setting; done
  echo "round $round: latent ${latent_runs[-1]%.*} images/s, pytorch ${ref_runs[-2]%.*} / ${ref_runs[-1]%.*} images/s" >&2
done

$py - "$eval_json" "$ref10_json" "$check_json" "$(best "${latent_runs[@]}")" "$(best "${ref_runs[@]}")" \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" "$rounds" <<'PY'
import json, sys
ev, ref, check = (json.loads(a) for a in sys.argv[1:4])
latent_speed, ref_speed = float(sys.argv[4]), float(sys.argv[5])
date, load_start, load_end, rounds = sys.argv[6:10]
print(f"{'':34}{'latent':>10}{'pytorch':>10}")
print(f"{'test loss, z sampled (nats)':34}{-ev['elbo']:10.2f}{ref['test_loss']:10.2f}   (pytorch/examples: 105.6)")
print(f"{'test loss, z = mean (nats)':34}{ev['loss_z_mean']:10.2f}{ref['test_loss_z_mean']:10.2f}")
print(f"{'test NLL, 1000 importance samples':34}{ev['nll_is']:10.2f}")
print(f"{'training images/s (best)':34}{latent_speed:10.0f}{ref_speed:10.0f}   latent / pytorch = {latent_speed / ref_speed:.2f}")
print(f"1000 prior samples: mean top probability {check['mean_top_probability']:.3f}, rarest digit "
      f"{check['min_digit_share']:.1%} (classifier test accuracy {check['classifier_test_accuracy']:.2%})")
print(f"16 variations of test image 0: {check['variations_kept_digit']:.0%} kept the digit, "
      f"{check['variations_distinct']} distinct")
print(f"{date}, load average {load_start} at the start, {load_end} at the end, best of {rounds} rounds")
print(json.dumps({"date": date, "load_average_start": load_start, "load_average_end": load_end, "rounds": int(rounds),
                  "latent_test_loss": round(-ev["elbo"], 3), "latent_loss_z_mean": round(ev["loss_z_mean"], 3),
                  "latent_nll_is": round(ev["nll_is"], 3), "reference_test_loss": round(ref["test_loss"], 3),
                  "reference_loss_z_mean": round(ref["test_loss_z_mean"], 3),
                  "latent_images_per_s": round(latent_speed), "reference_images_per_s": round(ref_speed),
                  "speed_ratio": round(latent_speed / ref_speed, 3), **check}))
PY
