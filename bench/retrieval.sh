#!/usr/bin/env bash
# Image search with float codes: database = MNIST train (60k), 1,000 random test queries,
# relevant = same label. latent's codes (the simple 784-32 autoencoder trained here, and the
# deep 784-1000-500-250-30 one if bench/deep_autoencoder.sh made it) beside raw pixels and
# PCA-32 computed in the same run by bench/reference/retrieval_baselines.py; then each ranked by
# cosine similarity (index build --metric cosine) beside latent's own pixel and PCA baselines.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
[ -f "$out/simple.model" ] || "$latent" train --data mnist --latent 32 --epochs 20 --out "$out/simple.model" 2>/dev/null
rows=()
for model in simple deep; do
  [ -f "$out/$model.model" ] || continue
  "$latent" index build --model "$out/$model.model" --data mnist --split train --out "$out/$model.index" 2>/dev/null
  json=$("$latent" eval-retrieval --index "$out/$model.index" --queries mnist:test --n 1000 --query-seed 0 --json)
  rows+=("$(echo "$json" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); d['codes']='latent $model AE'; print(json.dumps(d))")")
  # Ranked by cosine around the indexed codes' mean, with latent's own pixel and PCA baselines
  # ranked the same way (the same 1,000 queries).
  "$latent" index build --model "$out/$model.model" --data mnist --split train --metric cosine \
    --out "$out/$model.cosine.index" 2>/dev/null
  json=$("$latent" eval-retrieval --index "$out/$model.cosine.index" --queries mnist:test --n 1000 --query-seed 0 \
    --baseline pixels,pca --json)
  while read -r line; do rows+=("$line"); done < <(echo "$json" | /usr/bin/python3 -c "
import json, sys
for r in json.load(sys.stdin)['rows']:
    r['codes'] = ('latent $model AE' if r['codes'] == 'latent' else r['codes'] + ' ($model run)') + ', cosine'
    print(json.dumps(r))")
done
while read -r line; do rows+=("$line"); done < <(/usr/bin/python3 "$root/bench/reference/retrieval_baselines.py")
printf '%s\n' "${rows[@]}" | /usr/bin/python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin]
print(f\"{'codes':22}{'dims':>6}{'mAP':>8}{'P@100':>8}\")
for r in rows:
    print(f\"{r['codes']:22}{r.get('code_dims', r.get('dims')):>6}{r['map']:8.3f}{r['precision_at_100']:8.3f}\")
print(json.dumps(rows))"
