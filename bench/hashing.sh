#!/usr/bin/env bash
# Semantic hashing on MNIST: 32-bit learned binary codes beside ITQ, FAISS ITQ, LSH, PCA-32 and
# raw pixels, all scored in one `latent eval-retrieval` run on the issue's protocol: database =
# the 60k train images, 1,000 test queries drawn with seed 0, relevant = same label; binary
# codes ranked by Hamming distance (ties by id), plus the radius-2 Hamming ball.
# Usage: bench/hashing.sh [EPOCHS=20] [SEED=1]   (reuses out/bench/binary32.model, or
# binary32_seedSEED.model for another seed, if it exists)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
epochs=${1:-20}
seed=${2:-1}
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
name=binary32
[ "$seed" = 1 ] || name="binary32_seed$seed"
model="$out/$name.model"
if [ ! -f "$model" ]; then
  start=$(date +%s)
  # The recipe: the deep autoencoder's encoder 784-1000-500-250 with a 32-bit sigmoid code, noise
  # std ramped 0 -> 4 over the run, bit-balance and bit-decorrelation penalties, Gaussian input
  # noise 0.1 (as in the deep autoencoder recipe), batch 256 (128 images + one of each one's 5
  # nearest training images in pixel space, their codes pulled together with weight 1), peak lr
  # 2e-3 (cosine).
  "$latent" train --data mnist --type binary --bits 32 --layers 1000,500,250 --epochs "$epochs" --batch 256 --lr 2e-3 \
    --noise-schedule linear:0:4 --bit-balance 0.1 --bit-decorrelation 1 --corrupt gaussian:0.1 --neighbour-pull 1 --neighbours 5 \
    --threads 2 --seed "$seed" --out "$model" --log "$out/$name.jsonl"
  echo "training took $(( $(date +%s) - start )) s (shared machine)" >&2
fi
"$latent" info "$model" | grep -E "shape|noise|bit_" >&2 || true
"$latent" eval --model "$model" --data mnist --split test --json | /usr/bin/python3 -c "
import json, sys; m = json.load(sys.stdin)
print(f\"test: bce_per_pixel {m['bce_per_pixel']:.4f}  saturation {m['saturation']:.3f}  bit means {min(m['bit_balance']):.3f}..{max(m['bit_balance']):.3f}\")"
"$latent" index build --model "$model" --data mnist --split train --out "$out/$name.index" 2>/dev/null
"$latent" eval-retrieval --index "$out/$name.index" --queries mnist:test --n 1000 --query-seed 0 \
  --baseline itq,faiss-itq,lsh,pca,pixels --bits 32 --json >"$out/hashing_$name.json"
# The protocol of the deep unsupervised hashing papers: 1,000 test queries, 100 a digit, against
# the other 69,000 images (the 60k the model trained on and the 9,000 other test images).
"$latent" eval-retrieval --index "$out/$name.index" --queries mnist:test --n 1000 --query-seed 0 --protocol 1k-69k \
  --baseline itq --bits 32 --json >"$out/hashing_${name}_1k69k.json"
/usr/bin/python3 - "$out/hashing_$name.json" "$out/hashing_${name}_1k69k.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
print(f"{'codes':16}{'size':>6}{'mAP':>8}{'P@100':>8}{'P(r<=2)':>9}{'found r2':>10}{'empty r2':>10}{'query_us':>10}")
for r in rows:
    size = f"{r['code_bits']}b" if "code_bits" in r else str(r["code_dims"])
    b = "code_bits" in r
    print(f"{r['codes']:16}{size:>6}{r['map']:8.3f}{r['precision_at_100']:8.3f}"
          + (f"{r['precision_radius2']:9.3f}{r['mean_found_radius2']:10.1f}{r['empty_radius2']:10.3f}" if b else f"{'-':>9}{'-':>10}{'-':>10}")
          + f"{r['query_us']:10.1f}")
itq = next(r for r in rows if r["codes"] == "itq-32")
print(f"learned / full ITQ mAP: {rows[0]['map'] / itq['map']:.3f}")
protocol = json.load(open(sys.argv[2]))["rows"]
print(f"1k-69k protocol (1,000 test queries, 100 a digit, against the other 69,000 images): "
      f"latent binary mAP {protocol[0]['map']:.3f}, full ITQ {protocol[1]['map']:.3f}")
print(json.dumps(rows + [dict(r, protocol="1k-69k") for r in protocol]))
PY
