#!/usr/bin/env bash
# Filling blanks: how close `latent reconstruct --fill-blanks` puts the cells it fills, beside
# scikit-learn's imputers (mean, 5 nearest neighbours, iterative regression) on the same cells.
# Protocol (bench/reference/impute.py): scikit-learn's bundled wine, breast cancer, diabetes and
# digits tables (numbers only), SHARE of their cells emptied at random (seed SEED); latent trains
# on the table with its blanks (`latent train`, its defaults, seed 1) and fills them; each imputer
# fits on the same table. Error: root mean square of (filled - true) / the column's standard
# deviation over the emptied cells; lower is better, the column mean gives about 1.
# Usage: bench/impute.sh [--share 0.1] [--seed 0]   Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
share=0.1 seed=0
while [ $# -gt 0 ]; do
  case $1 in
    --share) share=$2 ;; --seed) seed=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
py=/usr/bin/python3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$py" "$root/bench/reference/impute.py" prepare "$tmp" "$share" "$seed"
for name in wine breast_cancer diabetes digits; do
  dir="$tmp/$name"
  "$latent" train --data "csv:$dir/blanks.csv,label=none" --seed 1 --out "$dir/m.model" >/dev/null 2>"$dir/train.err" ||
    { tail -3 "$dir/train.err" >&2; exit 1; }
  "$latent" reconstruct --model "$dir/m.model" --data "csv:$dir/blanks.csv,label=none" --fill-blanks --out "$dir/filled.csv"
  "$py" "$root/bench/reference/impute.py" score "$tmp" "$name" "$dir/filled.csv" >>"$tmp/scores.jsonl"
done
"$py" - "$tmp/scores.jsonl" "$share" "$seed" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
methods = ["latent", "mean", "knn5", "iterative"]
print(f"Filling {float(sys.argv[2]):.0%} of the cells emptied at random (seed {sys.argv[3]}): RMS error / column std")
print(f"{'table':<14} {'rows':>5} {'cols':>5} " + " ".join(f"{m:>10}" for m in methods))
for r in rows:
    print(f"{r['table']:<14} {r['rows']:>5} {r['columns']:>5} " + " ".join(f"{r[m]:>10.3f}" for m in methods))
means = {m: sum(r[m] for r in rows) / len(rows) for m in methods}
print(f"{'mean':<26} " + " ".join(f"{means[m]:>10.3f}" for m in methods))
print(json.dumps({"share": float(sys.argv[2]), "seed": int(sys.argv[3]), "tables": rows, "mean_error": means}))
PY
