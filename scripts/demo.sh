#!/usr/bin/env bash
# The tour: installs and builds if needed, then on MNIST trains the simple autoencoder of the
# notes and shows what it learned, and puts codes to work: denoising, generating new digits,
# image search ranked by percent similarity, compression, one-class detection. A few minutes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
latent="$root/build/latent"
out="$root/out/demo"
rm -rf "$out"  # each tour starts afresh: the models of the last would make every train refuse its --out
mkdir -p "$out"
step() { printf '\n== %s\n' "$*"; }

step "1. Train the simple autoencoder: 784 pixels -> 32-number code -> 784 pixels (20 epochs)"
"$latent" train --data mnist --latent 32 --epochs 20 --out "$out/simple.model" --log "$out/simple.jsonl"

step "2. How well it reconstructs the 10,000 test digits"
"$latent" eval --model "$out/simple.model" --data mnist --split test --json | tee "$out/simple_eval.json"
"$latent" reconstruct --model "$out/simple.model" --data mnist --split test --count 32 --out "$out/reconstructions.png"

step "3. Codes: 16 test digits encoded to 32 numbers each, and decoded again"
"$latent" encode --model "$out/simple.model" --data mnist --split test --limit 16 --out "$out/codes.csv"
"$latent" decode --model "$out/simple.model" --codes "$out/codes.csv" --out "$out/decoded.png"
head -3 "$out/codes.csv" | cut -c1-100

step "4. A denoising autoencoder: half of each input's pixels zeroed on purpose (5 epochs)"
"$latent" train --data mnist --layers 256 --latent 64 --corrupt masking:0.5 --epochs 5 --out "$out/denoise.model"
"$latent" eval --model "$out/denoise.model" --corrupt masking:0.5 --json | tee "$out/denoise_eval.json"
"$latent" denoise --model "$out/denoise.model" --corrupt masking:0.5 --count 16 --out "$out/denoised.png"

step "5. A variational autoencoder generates new digits and variations of a test digit (10 epochs)"
"$latent" train --type vae --data mnist --layers 400 --latent 20 --lr 1e-3 --schedule constant --epochs 10 --out "$out/vae.model"
"$latent" generate --model "$out/vae.model" --count 64 --seed 1 --out "$out/generated.png"
"$latent" generate --model "$out/vae.model" --data mnist --split test --index 0 --count 16 --spread 1.0 --out "$out/variations.png"
"$latent" interpolate --model "$out/vae.model" --data mnist --split test --from 0 --to 1 --steps 10 --out "$out/interpolation.png"

step "6. Image search: the 60,000 training digits indexed by code, nearest to test digit 0 by percent similarity"
"$latent" index build --model "$out/simple.model" --data mnist --split train --out "$out/train.index"
"$latent" search --index "$out/train.index" --data mnist --split test --index-of 0 -k 8
"$latent" eval-retrieval --index "$out/train.index" --queries mnist:test --n 1000 --json | tee "$out/retrieval.json"

step "7. Compression: the 10,000 test digits as 8-bit codes"
"$latent" compress --model "$out/simple.model" --data mnist --split test --bits 8 --out "$out/test.ltc" --report
"$latent" decompress "$out/test.ltc" --model "$out/simple.model" --out "$out/decompressed.npy"

step "8. One-class detection: learn only the digit 0, flag every other digit as an anomaly"
"$latent" train --data mnist --normal-class 0 --layers 128 --latent 16 --epochs 10 --val 0 --out "$out/zero.model"
"$latent" anomaly fit --model "$out/zero.model" --data mnist --normal-class 0 --score smooth-sse --out "$out/zero.det"
"$latent" anomaly eval --detector "$out/zero.det" --data mnist --split test --normal-class 0 --json | tee "$out/anomaly.json"

step "9. Semantic hashing: 32-bit binary codes, every training digit within 2 flipped bits of test digit 0"
"$latent" train --data mnist --type binary --bits 32 --layers 256 --epochs 6 --bit-balance 0.1 --bit-decorrelation 1 \
  --out "$out/hash.model"   # the rest of the recipe (batch, learning rate, input noise, the neighbour pull) by default
"$latent" index build --model "$out/hash.model" --data mnist --split train --out "$out/hash.index"
"$latent" search --index "$out/hash.index" --data mnist --split test --index-of 0 --hamming-radius 2 -k 8
"$latent" eval-retrieval --index "$out/hash.index" --queries mnist:test --n 1000 --json | tee "$out/hashing.json"

step "10. Stacked autoencoder: pretrained one layer at a time, then a classifier on 1,000 labels vs the same net from random weights"
"$latent" pretrain --data mnist --layers 500,500 --activation sigmoid --code-activation sigmoid --corrupt masking:0.2 \
  --epochs-per-layer 3 --val 0 --out "$out/stack.model" --overwrite
for init in "$out/stack.model" random; do
  name=$([ "$init" = random ] && echo random || echo pretrained)
  # The pretrained stack brings its own sizes and activations; the random net is given the same.
  shape=()
  [ "$init" = random ] && shape=(--layers 500,500 --activation sigmoid --code-activation sigmoid)
  "$latent" classify train --init "$init" "${shape[@]}" --labels 1000 --epochs 30 --out "$out/$name.clf" --overwrite 2>&1 | tail -n 1
  "$latent" classify eval --model "$out/$name.clf" --data mnist --split test --json >"$out/${name}_clf.json"
  printf '%s start: test error %s\n' "$name" "$(/usr/bin/python3 -c "import json; print(round(100 * json.load(open('$out/${name}_clf.json'))['error_rate'], 2))")%"
done

step "11. A picture of the code space: the test digits' codes, first two principal components"
"$latent" plot --model "$out/simple.model" --data mnist --split test --out "$out/code_map.png"

step "12. Colour: a variational autoencoder on Apple's 1,857 emoji (64x64 RGB, 10 epochs); variations of a face, and a search of Facebook's drawings"
face="$root/data/emoji/apple/smileys-emotion/1f600.png"
# No --arch: colour pictures take the picture recipe (the conv model, its augmentation; the line it prints).
"$latent" train --data emoji-apple --type vae --beta 0.1 --epochs 10 --out "$out/emoji_vae.model"
"$latent" generate --model "$out/emoji_vae.model" --variations-of "$face" --count 16 --spread 1.0 --out "$out/emoji_variations.png"
"$latent" index build --model "$out/emoji_vae.model" --data emoji-facebook --metric cosine --out "$out/emoji_facebook.index"
"$latent" search --index "$out/emoji_facebook.index" --image "$face" -k 8 --grid "$out/emoji_search.png"

step "13. A table as people have it: numbers, words and empty cells; anomalies found and explained by column"
/usr/bin/python3 "$root/bench/tabular_data.py" "$out/tables" mixed
"$latent" train --data "csv:$out/tables/mixed/train.csv,label=label" --val 0.2 --out "$out/mixed.model"
"$latent" anomaly fit --model "$out/mixed.model" --data "csv:$out/tables/mixed/train.csv,label=label" \
  --threshold fpr:0.01 --out "$out/mixed.det"
"$latent" anomaly eval --detector "$out/mixed.det" --data "csv:$out/tables/mixed/test.csv,label=label" --normal-class 0 \
  --json >"$out/mixed_anomaly.json"
"$latent" anomaly score --detector "$out/mixed.det" --data "csv:$out/tables/mixed/test.csv,label=label" --explain 3 \
  --out "$out/mixed_scores.csv"
echo "the last three test rows (planted anomalies), with the columns that make their scores:"
tail -3 "$out/mixed_scores.csv"
echo "a spreadsheet export: money, shares and thousands formatted are numbers; the order number and names are left out"
/usr/bin/python3 "$root/bench/tabular_data.py" "$out/tables" orders
"$latent" train --data "csv:$out/tables/orders/train.csv" --seed 1 --out "$out/orders.model" 2>&1 | grep -v "^epoch"
"$latent" anomaly fit --model "$out/orders.model" --threshold fpr:0.05 --out "$out/orders.det" >/dev/null
"$latent" anomaly eval --detector "$out/orders.det" --data "csv:$out/tables/orders/test.csv" --normal-class 0 \
  --json >"$out/orders_anomaly.json"

step "14. An index that grows: the test digits by id, one picture added, two entries removed, a search"
rm -f "$out/photos.lix" "$out/photos.lix-wal" "$out/photos.lix-shm"
"$latent" index add --index "$out/photos.lix" --model "$out/simple.model" --data mnist --split test
"$latent" index add --index "$out/photos.lix" --image "$face" --id emoji/grinning.png
"$latent" index remove --index "$out/photos.lix" --id mnist:test:1 --id mnist:test:2
"$latent" index info --index "$out/photos.lix"
"$latent" search --index "$out/photos.lix" --data mnist --split test --index-of 0 -k 3

step "15. Data bigger than memory: 200,000 shifted digits packed into one file, trained batch by batch (1 epoch)"
"$root/build/bench/augment_pack" "$out/shifted.lpk" 200000
"$latent" info "$out/shifted.lpk"
"$latent" train --data "pack:$out/shifted.lpk" --layers 256 --latent 32 --epochs 1 --out "$out/packed.model" --overwrite
"$latent" pack mnist --split test --out "$out/test.lpk" --overwrite
"$latent" eval --model "$out/packed.model" --data "pack:$out/test.lpk"

step "16. From Python: import latent, encode the test digits with the simple model, search an index of them"
PYTHONPATH="$root/build/python" /usr/bin/python3 - "$out" "$root/data/mnist/t10k-images-idx3-ubyte" <<'PY'
import os, sys
import numpy as np
import latent
out, images = sys.argv[1:3]
x = np.fromfile(images, np.uint8, offset=16).reshape(-1, 784).astype(np.float32)
model = latent.load(os.path.join(out, "simple.model"))
codes = model.encode(x)
print(model, "encoded", codes.shape, codes.dtype)
path = os.path.join(out, "python.lix")
if os.path.exists(path):
    os.remove(path)
index = latent.Index.create(path, model)
index.add([f"test/{i}" for i in range(len(x))], codes)
print("nearest to test/0:", index.search(codes[:1], k=3)[0])
PY

/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
load = lambda name: json.load(open(os.path.join(out, name)))
m, d, r, a = load("simple_eval.json"), load("denoise_eval.json"), load("retrieval.json"), load("anomaly.json")
h, pre, rnd = load("hashing.json"), load("pretrained_clf.json"), load("random_clf.json")
t = load("mixed_anomaly.json")
with open(os.path.join(out, "report.md"), "w") as f:
    f.write("# latent demo report (MNIST test set)\n\n| what | latent | for scale |\n|---|---|---|\n")
    f.write(f"| simple AE 784-32-784, bce per pixel | {m['bce_per_pixel']:.4f} | PyTorch 10 epochs: 0.1064 |\n")
    f.write(f"| simple AE, squared error per image | {m['sse_per_image']:.2f} | logistic PCA-30: 8.01 (Hinton & Salakhutdinov 2006); PCA-32: 13.19 |\n")
    f.write(f"| denoising, PSNR of half-masked input -> output | {d['psnr_noisy_db']:.1f} -> {d['psnr_denoised_db']:.1f} dB | |\n")
    f.write(f"| search with 32-number codes, precision@100 / mAP | {r['precision_at_100']:.3f} / {r['map']:.3f} | raw pixels 0.876 / 0.415 |\n")
    f.write(f"| one-class 'digit 0', ROC AUC | {a['roc_auc']:.3f} | |\n")
    f.write(f"| 32-bit hashing, precision within 2 flipped bits / entries found / mAP | {h['precision_radius2']:.3f} / {h['mean_found_radius2']:.1f} / {h['map']:.3f} | full ITQ-32: 0.745 / - / 0.433 |\n")
    f.write(f"| classifier on 1,000 labels, test error, pretrained stack vs random start | {100 * pre['error_rate']:.2f} % vs {100 * rnd['error_rate']:.2f} % | |\n")
    f.write(f"| mixed table (words, 5% empty cells), planted anomalies, ROC AUC | {t['roc_auc']:.3f} | IsolationForest 0.653, PCA 0.927 (bench/tabular_oneclass.sh) |\n\n")
    for name in ["reconstructions", "decoded", "denoised", "generated", "variations", "interpolation", "code_map",
                 "emoji_variations", "emoji_search"]:
        f.write(f"![{name}]({name}.png)\n")
PY

step "Where to look"
cat <<TXT
  $out/reconstructions.png   test digits (odd rows) above their reconstructions (even rows)
  $out/denoised.png          noisy / cleaned / clean rows
  $out/generated.png         64 new digits sampled from the VAE
  $out/variations.png        16 variations of the first test digit
  $out/interpolation.png     a walk through code space from one digit to another
  $out/code_map.png          the test digits' codes, coloured by digit
  $out/emoji_variations.png  16 colour variations of Apple's grinning face
  $out/emoji_search.png      that face, then the 8 Facebook emoji nearest to it by code
  $out/mixed_scores.csv      a table's rows scored, each with the 3 columns that make its score
  $out/photos.lix            a mutable index (SQLite): latent index add / remove, latent serve --writable
  $out/shifted.lpk           a pack: data read batch by batch (--data pack:FILE), made with latent pack
  $out/report.md             the numbers beside published ones (pictures included)

  Draw a digit and watch the model: $latent serve --index $out/train.index --detector $out/zero.det
  then open http://127.0.0.1:8080 (reconstruction, neighbours by % similarity, anomaly score)
TXT
