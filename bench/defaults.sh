#!/usr/bin/env bash
# What a new user gets with no flags beyond the task: the defaults are the measured recipes.
#   hashing:   latent train --type binary --bits 32, index build on the 60k train images,
#              eval-retrieval with 1,000 test queries (seed 0), as bench/hashing.sh scores it;
#   one-class: latent train --normal-class C, anomaly fit, anomaly eval on the 10,000 test
#              images (the other classes are the anomalies), as bench/oneclass.sh scores it.
# Usage: bench/defaults.sh [--data mnist|fashion-mnist] [--classes "0 ... 9"] [--skip-hashing]
#        Last line: one JSON object {"hashing_map", "oneclass": {C: roc_auc}, "oneclass_mean"}.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
data=mnist classes="0 1 2 3 4 5 6 7 8 9" hashing=1
while [ $# -gt 0 ]; do
  case $1 in
    --data) data=$2; shift ;; --classes) classes=$2; shift ;; --skip-hashing) hashing=0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
dir="$root/out/bench/defaults_$data"  # the models stay, for a look after the run
mkdir -p "$dir"
field() { /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

map=null
if [ "$hashing" = 1 ]; then
  start=$(date +%s)
  "$latent" train --data "$data" --type binary --bits 32 --out "$dir/bits.model" --overwrite 2>&1 | grep -E "^training|^the recipe" >&2
  rm -f "$dir/bits.index"
  "$latent" index build --model "$dir/bits.model" --data "$data" --split train --out "$dir/bits.index" 2>/dev/null
  map=$("$latent" eval-retrieval --index "$dir/bits.index" --queries "$data:test" --n 1000 --query-seed 0 --json |
    field '["map"]')
  echo "hashing, 32 bits, defaults: mAP $map ($(($(date +%s) - start)) s)" >&2
fi
aucs=""
for c in $classes; do
  "$latent" train --data "$data" --normal-class "$c" --out "$dir/$c.model" --overwrite 2>&1 | grep -E "^the recipe" >&2 || true
  rm -f "$dir/$c.det"
  "$latent" anomaly fit --model "$dir/$c.model" --data "$data" --normal-class "$c" --out "$dir/$c.det" >/dev/null
  auc=$("$latent" anomaly eval --detector "$dir/$c.det" --data "$data" --split test --json | field '["roc_auc"]')
  echo "one-class, class $c normal, defaults: ROC AUC $auc" >&2
  aucs="$aucs${aucs:+, }\"$c\": $auc"
done
/usr/bin/python3 -c "
import json, sys
aucs = json.loads('{' + sys.argv[2] + '}')
print(json.dumps({'data': sys.argv[3], 'hashing_map': json.loads(sys.argv[1]), 'oneclass': aucs,
                  'oneclass_mean': sum(aucs.values()) / len(aucs) if aucs else None}))" "$map" "$aucs" "$data"
