#!/usr/bin/env bash
# One-class detection: each class in turn is normal; latent trains on that class's training
# images (`latent train --normal-class C`), fits a detector per score on them and evaluates on
# all 10,000 test images (other classes = anomalies). Beside it, the same run's scikit-learn
# baselines (bench/reference/oneclass_baselines.py) and, for MNIST, Deep SVDD as published
# (Ruff et al., ICML 2018, Table 1).
# Usage: bench/oneclass.sh [--data mnist|fashion-mnist] [--classes "0 1 ... 9"] [--seeds 1] [--epochs 20]
#        [--layers 128] [--latent 16] [--scores "sse smooth-sse sse+code"] [--type ae|vae]
#        (`--type vae --scores "elbo sse"`: a variational model per class, scored by its negative ELBO)
#        --seeds N: each class trained with seeds 1..N; a class's row is the mean (± sd) over them.
#        Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=mnist classes="0 1 2 3 4 5 6 7 8 9" seeds=1 epochs=20 layers=128 latent=16 scores="sse smooth-sse sse+code" type=ae
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=$2 ;; --classes) classes=$2 ;; --seeds) seeds=$2 ;; --epochs) epochs=$2 ;; --layers) layers=$2 ;;
    --latent) latent=$2 ;; --scores) scores=$2 ;; --type) type=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
build="$root/build"
[ -x "$build/latent" ] || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

start=$(date +%s)
for c in $classes; do
  for seed in $(seq 1 "$seeds"); do
    "$build/latent" train --data "$data" --type "$type" --normal-class "$c" --layers "$layers" --latent "$latent" \
      --epochs "$epochs" --batch 64 --val 0 --seed "$seed" --out "$tmp/$c.model" --overwrite 2>/dev/null
    line="{\"class\": $c, \"seed\": $seed"
    for score in $scores; do
      "$build/latent" anomaly fit --model "$tmp/$c.model" --data "$data" --normal-class "$c" --score "$score" \
        --out "$tmp/$c.det" >/dev/null
      auc=$("$build/latent" anomaly eval --detector "$tmp/$c.det" --data "$data" --split test --json |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["roc_auc"])')
      line="$line, \"$score\": $auc"
    done
    echo "$line}" >>"$tmp/latent.jsonl"
    echo "class $c: $(tail -1 "$tmp/latent.jsonl")" >&2
  done
done
seconds=$(($(date +%s) - start))
/usr/bin/python3 "$root/bench/reference/oneclass_baselines.py" "$data" $classes >"$tmp/baselines.jsonl"
/usr/bin/python3 - "$tmp/latent.jsonl" "$tmp/baselines.jsonl" "$data" "$layers" "$latent" "$epochs" "$seconds" "$scores" "$type" "$seeds" <<'PY'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
seeds = int(sys.argv[10])
base = [json.loads(l) for l in open(sys.argv[2])]
data, layers, latent, epochs, seconds, scores = sys.argv[3:9]
scores = scores.split()
# A class's row: each score's mean over the seeds (its sd beside when there are several).
ours = []
for c in dict.fromkeys(r["class"] for r in runs):
    mine = [r for r in runs if r["class"] == c]
    ours.append({"class": c, **{s: statistics.mean(r[s] for r in mine) for s in scores},
                 "sd": {s: statistics.stdev(r[s] for r in mine) if len(mine) > 1 else 0.0 for s in scores}})
svdd = [0.980, 0.997, 0.917, 0.919, 0.949, 0.885, 0.983, 0.946, 0.939, 0.965] if data == "mnist" else None
cols = [f"latent {s}" for s in scores] + ["PCA-32", "IsoForest", "OC-SVM"] + (["DeepSVDD*"] if svdd else [])
print(f"{data}: latent {sys.argv[9]} 784-{layers}-{latent}, {epochs} epochs per class, {seeds} seed(s) "
      f"(latent: mean over them, sd in brackets); ROC AUC, other classes anomalous")
print(f"{'class':>5}" + "".join(f"{c:>19}" for c in cols))
table = []
for o, b in zip(ours, base):
    row = [o[s] for s in scores] + [b["pca32"], b["isolation_forest"], b["ocsvm"]] + ([svdd[o["class"]]] if svdd else [])
    table.append(row)
    cells = [f"{v:.4f} ({o['sd'][s]:.4f})" if seeds > 1 else f"{v:.4f}" for s, v in zip(scores, row)]
    cells += [f"{v:.4f}" for v in row[len(scores):]]
    print(f"{o['class']:>5}" + "".join(f"{c:>19}" for c in cells))
means = [sum(col) / len(col) for col in zip(*table)]
mins = [min(col) for col in zip(*table)]
print(f"{'mean':>5}" + "".join(f"{v:>19.4f}" for v in means))
print(f"{'min':>5}" + "".join(f"{v:>19.4f}" for v in mins))
if svdd:
    print("* Deep SVDD: published (Ruff et al. 2018), per class as listed there; its mean is over the classes run here")
print(f"latent: {seconds} s to train and score {len(ours)} classes")
print(json.dumps({"data": data, "type": sys.argv[9], "seeds": seeds, "layers": layers, "latent": int(latent), "epochs": int(epochs), "seconds": int(seconds),
                  "classes": [o["class"] for o in ours],
                  "mean_roc_auc": {c: round(m, 4) for c, m in zip(cols, means)},
                  "min_roc_auc": {c: round(m, 4) for c, m in zip(cols, mins)},
                  "runs": runs}))
PY
