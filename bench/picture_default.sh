#!/usr/bin/env bash
# What `latent train` gives a user who names a folder of colour pictures and nothing else: the
# picture recipe (train_recipe.h: the conv model of bench/emoji.sh with its augmentation), beside
# the default before it (the notes' dense autoencoder, input -> 32 -> output, cross-entropy), each
# trained on Facebook's emoji with every other flag at its default (10% held out, the best epoch
# on it kept), measured on Apple's drawings of the same 1,857 emoji (PSNR, beside PCA fitted on
# Facebook's with as many components as the code) and on Facebook's own. The same for a
# variational model (--type vae): the recipe's conv model with cross-entropy, beside the dense
# input -> 32 -> output VAE it trained before, with its ELBO on Apple's drawings too. And binary
# codes (--type binary, 32 bits): the recipe's conv model beside the dense 1000-500-250 hashing
# recipe of digits it trained before, each searching Facebook's emoji with Apple's drawings
# (relevance: the same emoji), beside raw pixels.
# Other pictures: TRAIN and TEST, e.g. the emoji Google and Twitter both draw
#   scripts/fetch_emoji.py data/emoji-gt google twitter
#   bench/picture_default.sh data/emoji-gt/google data/emoji-gt/twitter
# Usage: bench/picture_default.sh [TRAIN TEST]   (~40 min on 2 idle cores; keeps out/bench/picture_*.model)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
train=${1:-emoji-facebook}
test=${2:-emoji-apple}
tag=$(basename "$train")
recipe=$out/picture_${tag}_recipe.model
before=$out/picture_${tag}_dense.model
vae_recipe=$out/picture_${tag}_vae_recipe.model
vae_before=$out/picture_${tag}_vae_dense.model
[ -f "$recipe" ] || "$latent" train --data "$train" --out "$recipe"
[ -f "$before" ] || "$latent" train --data "$train" --arch dense --loss bce --latent 32 --out "$before"
[ -f "$vae_recipe" ] || "$latent" train --type vae --data "$train" --out "$vae_recipe"
[ -f "$vae_before" ] || "$latent" train --type vae --data "$train" --arch dense --latent 32 --out "$vae_before"
codes=()
for kind in recipe dense; do
  model=$out/picture_${tag}_binary_$kind.model
  [ "$kind" = recipe ] && arch=() || arch=(--arch dense)
  [ -f "$model" ] || "$latent" train --type binary --data "$train" "${arch[@]}" --out "$model"
  "$latent" index build --model "$model" --data "$train" --out "${model%.model}.index" >/dev/null
  [ "$kind" = recipe ] && baseline=(--baseline pixels) || baseline=()
  codes+=("$("$latent" info "$model" --json)" "$("$latent" eval-retrieval --index "${model%.model}.index" --queries "$test" \
    --relevance name --n 1000000 "${baseline[@]}" --json)")
done
rows=()
for model in "$recipe" "$before" "$vae_recipe" "$vae_before"; do
  rows+=("$("$latent" info "$model" --json)" "$("$latent" eval --model "$model" --data "$test" --pca --json)"
    "$("$latent" eval --model "$model" --data "$train" --pca --json)")
done
/usr/bin/python3 - "$train" "$test" "${rows[@]}" "${codes[@]}" <<'PY'
import json, sys
train, test = sys.argv[1:3]
args = [json.loads(a) for a in sys.argv[3:]]
codes, args = args[12:], args[:12]
print(f"latent train [--type vae] --data {train}, every other flag at its default; PSNR dB on {test}")
print("(unseen) and on the training pictures; VAE: ELBO on the test pictures in nats an image (cross-entropy")
print("per pixel value; higher is better), PSNR from the mean code")
print(f"{'model':64}{'test':>8}{'PCA':>8}{'train':>10}{'PCA':>8}{'test ELBO':>12}   (PCA: as many components as the code)")
names = ["picture recipe (now)", "dense input-32-output (before)", "VAE picture recipe (now)",
         "VAE dense input-32-output (before)"]
result = {}
for i, name in enumerate(names):
    info, test_eval, train_eval = args[3 * i:3 * i + 3]
    shape = info["shape"]
    elbo = f"{test_eval['elbo']:12.1f}" if "elbo" in test_eval else ""
    print(f"{name + ' ' + shape:64.64}{test_eval['psnr_db']:8.2f}{test_eval['pca_psnr_db']:8.2f}"
          f"{train_eval['psnr_db']:10.2f}{train_eval['pca_psnr_db']:8.2f}{elbo}")
    row = {"shape": shape, "recipe": info["training"].get("recipe", []), "test_psnr_db": test_eval["psnr_db"],
           "test_pca_psnr_db": test_eval["pca_psnr_db"], "train_psnr_db": train_eval["psnr_db"]}
    if "elbo" in test_eval:
        row["test_elbo"] = test_eval["elbo"]
    result[name.split(" (")[0]] = row
print()
print(f"latent train --type binary --data {train} (32 bits), every other flag at its default; {test}'s pictures")
print(f"search {train}'s, relevant: the same file name")
print(f"{'codes':72}{'top-1':>8}{'top-10':>8}{'mAP':>8}")
for name, (info, search) in zip(["binary picture recipe (now)", "binary dense 1000-500-250 (before)"],
                                [codes[0:2], codes[2:4]]):
    for row in search.get("rows", [search]):
        ours = row.get("codes", "latent").startswith("latent")
        label = f"{name} {info['shape']}" if ours else row["codes"]
        print(f"{label:72.72}{row['top1_accuracy']:8.3f}{row['top10_accuracy']:8.3f}{row['map']:8.3f}")
        scores = {"queries": row["queries"], "top1": row["top1_accuracy"], "top10": row["top10_accuracy"],
                  "map": row["map"]}
        if ours:
            scores.update(shape=info["shape"], recipe=info["training"].get("recipe", []))
        result[name.split(" (")[0] if ours else row["codes"]] = scores
print(json.dumps({"train": train, "test": test, "models": result}))
PY
