#!/usr/bin/env bash
# The IWAE protocol (Burda, Grosse & Salakhutdinov, ICLR 2016, Table 1, one stochastic layer):
# a 784-200-200-50 tanh VAE on dynamically binarised MNIST (every pixel a fresh Bernoulli draw
# each batch; the test set binarised once with a fixed seed), trained on all 60,000 training
# images with the VAE bound (k = 1) and with the IWAE bound (k = K_TRAIN), then scored by
# nll_is with 5,000 importance samples on the 10,000 test images.
#   The paper: batch 20, Adam, 3,280 epochs (lr 1e-3 · 10^(-i/7) for 3^i epochs, i = 0..7).
#   Here: batch 100, Adam 1e-3 with SCHEDULE over the epochs given: iwae is the paper's (scaled to
#   the run's epochs), cosine a decay to 0; the table states the epochs and the hours each took.
# Usage: bench/iwae.sh [VAE_EPOCHS=3280] [IWAE_EPOCHS=100] [K_TRAIN=50] [SEEDS="1"] [EVAL_SAMPLES=5000]
#   [SCHEDULE=cosine]
# Models and their scores stay in $IWAE_DIR (default build/iwae): a killed run resumes from its
# checkpoints, a rerun reuses finished scores.
# Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vae_epochs=${1:-3280}
iwae_epochs=${2:-100}
k_train=${3:-50}
seeds=${4:-1}
eval_samples=${5:-5000}
schedule=${6:-cosine}
build="$root/build"
[ -x "$build/latent" ] || "$root/scripts/build.sh" >/dev/null
dir=${IWAE_DIR:-$build/iwae}
mkdir -p "$dir"
py=/usr/bin/python3
. "$root/bench/bench_lib.sh"

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
rows=()
# train NAME K EPOCHS SEED: trains (or resumes) one model; its log gives the hours.
train() {
  local model="$dir/$1.model" checkpoint="$dir/$1.ckpt"
  local args=(--type vae --data mnist --layers 200,200 --latent 50 --activation tanh --binarize dynamic
    --iw-train "$2" --batch 100 --lr 1e-3 --schedule "$schedule" --val 0 --epochs "$3" --threads 2 --seed "$4"
    --out "$model" --checkpoint "$checkpoint" --log "$dir/$1.jsonl")
  if [ -f "$checkpoint" ]; then
    "$build/latent" train --resume "$checkpoint" "${args[@]}" 2>"$dir/$1.err" || { tail -3 "$dir/$1.err" >&2; exit 1; }
  else
    rm -f "$dir/$1.jsonl"
    "$build/latent" train "${args[@]}" --overwrite 2>"$dir/$1.err" || { tail -3 "$dir/$1.err" >&2; exit 1; }
  fi
}
for seed in $seeds; do
  for objective in "vae 1 $vae_epochs" "iwae $k_train $iwae_epochs"; do
    read -r name k epochs <<<"$objective"
    [ "$epochs" -gt 0 ] || continue
    tag="${name}_k${k}_${schedule}_seed${seed}"
    echo "training $tag: $epochs epochs" >&2
    train "$tag" "$k" "$epochs" "$seed"
    # The score is kept beside the model (tens of minutes at 5,000 samples): a rerun reuses it.
    score="$dir/$tag.eval$eval_samples.json"
    if [ ! -s "$score" ] || [ "$score" -ot "$dir/$tag.model" ]; then
      "$build/latent" eval --model "$dir/$tag.model" --data mnist --split test --iw-samples "$eval_samples" \
        --threads 2 --seed 0 --json 2>/dev/null >"$score.part"
      mv "$score.part" "$score"
    fi
    ev=$(cat "$score")
    hours=$($py -c "import json; print(sum(json.loads(l)['seconds'] for l in open('$dir/$tag.jsonl')) / 3600)")
    number "$tag training hours" "$hours"
    rows+=("{\"objective\": \"$name\", \"k\": $k, \"schedule\": \"$schedule\", \"seed\": $seed, \"epochs\": $epochs, \"hours\": $hours, \"eval\": $ev}")
  done
done

$py - "$eval_samples" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$load_start" "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "${rows[@]}" <<'PY'
import json, statistics, sys
samples, date, load_start, load_end = sys.argv[1:5]
rows = [json.loads(r) for r in sys.argv[5:]]
published = {"vae": 86.76, "iwae": 84.78}  # Burda et al. 2016, Table 1, MNIST, one stochastic layer, k=50 at test 5000
print(f"{'objective':10}{'k':>4}{'schedule':>9}{'seed':>6}{'epochs':>8}{'hours':>7}{'-ELBO':>9}{'NLL (IS)':>10}{'published':>11}")
for r in rows:
    ev = r["eval"]
    pub = published[r["objective"]] if r["objective"] == "vae" or r["k"] == 50 else float("nan")
    print(f"{r['objective']:10}{r['k']:4}{r['schedule']:>9}{r['seed']:6}{r['epochs']:8}{r['hours']:7.2f}{-ev['elbo']:9.2f}"
          f"{ev['nll_is']:10.2f}{pub:11.2f}")
summary = {}
for objective in ("vae", "iwae"):
    nll = [r["eval"]["nll_is"] for r in rows if r["objective"] == objective]
    comparable = objective == "vae" or all(r["k"] == 50 for r in rows if r["objective"] == objective)
    if nll:
        summary[objective] = {"nll_is_mean": round(statistics.mean(nll), 3),
                              "nll_is_sd": round(statistics.stdev(nll), 3) if len(nll) > 1 else 0.0,
                              "seeds": len(nll), "published": published[objective] if comparable else None}
        print(f"{objective}: NLL {summary[objective]['nll_is_mean']:.2f} over {len(nll)} seed(s), "
              f"published {summary[objective]['published']} ({samples} importance samples at test)")
print(f"{date}, load average {load_start} at the start, {load_end} at the end")
print(json.dumps({"date": date, "eval_samples": int(samples), "load_average_start": load_start,
                  "load_average_end": load_end, "summary": summary,
                  "rows": [{k: v for k, v in r.items() if k != "eval"} | {"nll_is": r["eval"]["nll_is"],
                           "test_elbo": r["eval"]["elbo"]} for r in rows]}))
PY
