#!/usr/bin/env bash
# Colour images: a conv autoencoder with a 64-number code, trained on Facebook's emoji only
# (data/emoji/facebook, from scripts/setup.sh), measured on Apple's drawings of the same 1,857 emoji,
# which it never sees:
#   reconstruction  PSNR on Apple's images beside PCA-64 fitted on the same Facebook images
#                   (latent eval --pca). The model sees every Facebook image (no validation
#                   split) in batches of 16 for 240 epochs: 28,000 steps (batch 128 for 60 epochs,
#                   780 steps, stopped it short of PCA even on the images it trained on); also
#                   from codes refined 50 steps through the decoder (latent eval --refine 50), and
#                   both on Facebook's own images
#   search          database: Facebook's emoji; queries: Apple's; relevant: the same emoji (file
#                   name); top-1 accuracy beside raw RGB pixels and RGB PCA-64 (latent eval-retrieval
#                   --relevance name --baseline pixels,pca), and the memory of codes against pixels;
#                   ranked by cosine similarity around the indexed codes' mean (index build
#                   --metric cosine), the baselines' vectors alike
#   variations      a colour VAE trained on all of Apple's emoji (beta 0.01: a posterior narrow
#                   enough that the decoder keeps each emoji's details, 150 epochs) draws 16
#                   variations of Apple's grinning
#                   face at spread 1.0 (out/bench/emoji_variations.png); how many have the seed as
#                   their nearest Apple image in pixel distance, and whether any two are identical
#                   (the face's search of Facebook's emoji: out/bench/emoji_search.png)
# Usage: bench/emoji.sh   (trains out/bench/emoji_conv64.model and emoji_vae.model, ~30 min on 2 idle cores)
# Env: EPOCHS (240), VAE_EPOCHS (150), SEED (1).
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
    --augment flip,shift:4,color:0.1 --batch 16 --val 0 --epochs "${EPOCHS:-240}" --seed "${SEED:-1}" --out "$model"
fi
vae=$out/emoji_vae.model
if [ ! -f "$vae" ]; then
  "$latent" train --data emoji-apple --type vae --arch conv --channels 32,64,128,256 --latent 64 --loss bce --beta 0.01 --lr 1e-3 --batch 128 \
    --val 0 --epochs "${VAE_EPOCHS:-150}" --seed "${SEED:-1}" --out "$vae"
fi
emoji_dir=${LATENT_DATA:-$root/data}/emoji/apple
face=$emoji_dir/smileys-emotion/1f600.png
rm -f "$index" "$out/emoji_variations.png" "$out/emoji_variations.npy" "$out/emoji_search.png"
"$latent" index build --model "$model" --data emoji-facebook --metric cosine --out "$index"
"$latent" search --index "$index" --image "$face" -k 8 --grid "$out/emoji_search.png" >/dev/null
"$latent" generate --model "$vae" --variations-of "$face" --count 16 --spread 1.0 --seed "${SEED:-1}" \
  --out "$out/emoji_variations.png" --out-npy "$out/emoji_variations.npy"
variations=$(/usr/bin/python3 "$root/bench/emoji_variations.py" "$out/emoji_variations.npy" "$face" "$emoji_dir" |
  tail -n 1)
# Wider spreads of the same model: how far apart the variations get while keeping the seed.
for spread in 3 10; do
  "$latent" generate --model "$vae" --variations-of "$face" --count 16 --spread "$spread" --seed "${SEED:-1}" \
    --out "$out/emoji_variations_$spread.png" --out-npy "$out/emoji_variations_$spread.npy"
  wider=$(/usr/bin/python3 "$root/bench/emoji_variations.py" "$out/emoji_variations_$spread.npy" "$face" "$emoji_dir" |
    tail -n 1)
  /usr/bin/python3 -c 'import json, sys
v = json.loads(sys.argv[2])
print("spread %s: %d of %d nearest the seed, two differ by %s-%s rms" %
      (sys.argv[1], v["seed_nearest"], v["count"], v["rms_apart_min"], v["rms_apart_max"]))' "$spread" "$wider"
done
recon=$("$latent" eval --model "$model" --data emoji-apple --pca --json)
# The same decoder from codes refined 50 steps through it (latent eval --refine), and the vendor it
# was trained on, both ways: how much of the gap to Apple is the encoder's.
refined=$("$latent" eval --model "$model" --data emoji-apple --refine 50 --json)
facebook=$("$latent" eval --model "$model" --data emoji-facebook --pca --json)
facebook_refined=$("$latent" eval --model "$model" --data emoji-facebook --refine 50 --json)
search=$("$latent" eval-retrieval --index "$index" --queries emoji-apple --relevance name --n 1857 \
  --baseline pixels,pca --json)
# The same search ranked by Euclidean distance (index build's default), for comparison.
"$latent" index build --model "$model" --data emoji-facebook --out "$out/emoji_facebook_euclidean.index"
euclidean=$("$latent" eval-retrieval --index "$out/emoji_facebook_euclidean.index" --queries emoji-apple \
  --relevance name --n 1857 --baseline pixels,pca --json)
/usr/bin/python3 - "$recon" "$search" "$variations" "$euclidean" "$refined" "$facebook" "$facebook_refined" <<'PY'
import json, sys
recon, search, variations, euclidean, refined, facebook, facebook_refined = (json.loads(a) for a in sys.argv[1:8])
print("Reconstruction of the 1,857 emoji (64x64 RGB) by models fitted on Facebook's, PSNR dB")
print(f"{'':44}{'Apple':>8}{'Facebook':>10}")
print(f"{'conv autoencoder, 64, the encoder`s codes':44}{recon['psnr_db']:8.2f}{facebook['psnr_db']:10.2f}")
print(f"{'conv autoencoder, 64, codes refined 50 steps':44}{refined['psnr_db']:8.2f}{facebook_refined['psnr_db']:10.2f}")
print(f"{'PCA-64':44}{recon['pca_psnr_db']:8.2f}{facebook['pca_psnr_db']:10.2f}")
gain = recon['psnr_db'] - recon['pca_psnr_db']
refined_gain = refined['psnr_db'] - recon['pca_psnr_db']
print(f"gain over PCA on Apple: {gain:+.2f} dB from the encoder's codes, {refined_gain:+.2f} dB refined (mark: +2.00)")
rows = search["rows"]
print("\nCross-vendor search: Facebook database, Apple queries, relevant = the same emoji, cosine ranking")
print(f"{'codes':16}{'dims':>6}{'bytes':>7}{'top1':>8}{'top10':>8}{'map':>8}")
for r in rows:
    dims = r["code_dims"]
    print(f"{r['codes']:16}{dims:>6}{4 * dims:>7}{r['top1_accuracy']:8.3f}{r['top10_accuracy']:8.3f}{r['map']:8.3f}")
ours = rows[0]["top1_accuracy"]
best = max(r["top1_accuracy"] for r in rows[1:])
print(f"top-1 ratio to the best baseline: {ours / best:.3f}x (mark: 1.25x)")
print("Ranked by Euclidean distance instead (index build's default):")
for r in euclidean["rows"]:
    print(f"{r['codes']:16}{r['code_dims']:>6}{4 * r['code_dims']:>7}{r['top1_accuracy']:8.3f}"
          f"{r['top10_accuracy']:8.3f}{r['map']:8.3f}")
print("\nVariations of Apple's grinning face (colour VAE, spread 1.0): "
      f"{variations['seed_nearest']} of {variations['count']} have the seed as their nearest Apple image "
      f"(mark: 12); identical pairs: {variations['identical_pairs']}; two variations differ by "
      f"{variations['rms_apart_min']}-{variations['rms_apart_max']} (mean {variations['rms_apart_mean']}) "
      f"rms in pixel values 0..255")
print(json.dumps({"psnr_db": recon["psnr_db"], "refined_psnr_db": refined["psnr_db"],
                  "pca_psnr_db": recon["pca_psnr_db"], "top1": ours,
                  "best_baseline_top1": best, "top1_ratio": ours / best,
                  "variations_seed_nearest": variations["seed_nearest"],
                  "variations_identical_pairs": variations["identical_pairs"],
                  "variations_rms_apart_mean": variations["rms_apart_mean"]}))
PY
