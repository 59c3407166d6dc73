#!/usr/bin/env bash
# What `latent train` gives a user who names a folder of colour pictures and nothing else: the
# picture recipe (train_recipe.h: the conv model of bench/emoji.sh with its augmentation), beside
# the default before it (the notes' dense autoencoder, input -> 32 -> output, cross-entropy), each
# trained on Facebook's emoji with every other flag at its default (10% held out, the best epoch
# on it kept), measured on Apple's drawings of the same 1,857 emoji (PSNR, beside PCA fitted on
# Facebook's with as many components as the code) and on Facebook's own.
# Usage: bench/picture_default.sh   (~25 min on 2 idle cores; keeps out/bench/picture_*.model)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
recipe=$out/picture_recipe.model
before=$out/picture_dense.model
[ -f "$recipe" ] || "$latent" train --data emoji-facebook --out "$recipe"
[ -f "$before" ] || "$latent" train --data emoji-facebook --arch dense --loss bce --latent 32 --out "$before"
rows=()
for model in "$recipe" "$before"; do
  rows+=("$("$latent" info "$model" --json)" "$("$latent" eval --model "$model" --data emoji-apple --pca --json)"
    "$("$latent" eval --model "$model" --data emoji-facebook --pca --json)")
done
/usr/bin/python3 - "${rows[@]}" <<'PY'
import json, sys
args = [json.loads(a) for a in sys.argv[1:]]
print("latent train --data emoji-facebook, every other flag at its default; PSNR dB")
print(f"{'model':72}{'Apple':>8}{'PCA':>8}{'Facebook':>10}{'PCA':>8}   (PCA: as many components as the code)")
result = {}
for name, (info, apple, facebook) in zip(["picture recipe (now)", "dense input-32-output (before)"],
                                         [args[0:3], args[3:6]]):
    shape = info["shape"]
    print(f"{name + ' ' + shape:72.72}{apple['psnr_db']:8.2f}{apple['pca_psnr_db']:8.2f}"
          f"{facebook['psnr_db']:10.2f}{facebook['pca_psnr_db']:8.2f}")
    result[name.split(" (")[0]] = {"shape": shape, "recipe": info["training"].get("recipe", []),
                                   "apple_psnr_db": apple["psnr_db"], "apple_pca_psnr_db": apple["pca_psnr_db"],
                                   "facebook_psnr_db": facebook["psnr_db"]}
print(json.dumps(result))
PY
