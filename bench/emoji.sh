#!/usr/bin/env bash
# Colour images: a conv autoencoder with a 64-number code, trained on Facebook's emoji only
# (data/emoji/facebook, from scripts/setup.sh), measured on Apple's drawings of the same 1,857 emoji,
# which it never sees:
#   reconstruction  PSNR on Apple's images beside PCA-64 fitted on the same Facebook images
#                   (latent eval --pca)
#   search          database: Facebook's emoji; queries: Apple's; relevant: the same emoji (file
#                   name); top-1 accuracy beside raw RGB pixels and RGB PCA-64 (latent eval-retrieval
#                   --relevance name --baseline pixels,pca), and the memory of codes against pixels
# Usage: bench/emoji.sh   (trains out/bench/emoji_conv64.model, ~6 min on 2 idle cores)
# Env: EPOCHS (60), SEED (1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
model=$out/emoji_conv64.model
index=$out/emoji_facebook.index
if [ ! -f "$model" ]; then
  "$latent" train --data emoji-facebook --arch conv --channels 32,64,128,256 --latent 64 --loss mse \
    --epochs "${EPOCHS:-60}" --seed "${SEED:-1}" --out "$model"
fi
"$latent" index build --model "$model" --data emoji-facebook --out "$index" --overwrite 2>/dev/null ||
  "$latent" index build --model "$model" --data emoji-facebook --out "$index"
recon=$("$latent" eval --model "$model" --data emoji-apple --pca --json)
search=$("$latent" eval-retrieval --index "$index" --queries emoji-apple --relevance name --n 1857 \
  --baseline pixels,pca --json)
/usr/bin/python3 - "$recon" "$search" <<'PY'
import json, sys
recon, search = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("Reconstruction of Apple's 1,857 emoji (64x64 RGB) by models fitted on Facebook's")
print(f"{'':24}{'PSNR dB':>9}")
print(f"{'conv autoencoder, 64':24}{recon['psnr_db']:9.2f}")
print(f"{'PCA-64':24}{recon['pca_psnr_db']:9.2f}")
gain = recon['psnr_db'] - recon['pca_psnr_db']
print(f"gain over PCA: {gain:+.2f} dB (mark: +2.00)")
rows = search["rows"]
print("\nCross-vendor search: Facebook database, Apple queries, relevant = the same emoji")
print(f"{'codes':16}{'dims':>6}{'bytes':>7}{'top1':>8}{'top10':>8}{'map':>8}")
for r in rows:
    dims = r["code_dims"]
    print(f"{r['codes']:16}{dims:>6}{4 * dims:>7}{r['top1_accuracy']:8.3f}{r['top10_accuracy']:8.3f}{r['map']:8.3f}")
ours = rows[0]["top1_accuracy"]
best = max(r["top1_accuracy"] for r in rows[1:])
print(f"top-1 ratio to the best baseline: {ours / best:.2f}x (mark: 1.25x)")
print(json.dumps({"psnr_db": recon["psnr_db"], "pca_psnr_db": recon["pca_psnr_db"], "top1": ours,
                  "best_baseline_top1": best, "top1_ratio": ours / best}))
PY
