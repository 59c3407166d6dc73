#!/usr/bin/env bash
# End to end: the latent CLI on a small MNIST slice, good runs and bad input.
# Usage: cli_test.sh path/to/latent
set -uo pipefail
latent=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"


# Train the simple autoencoder on 3,000 images.
run "$latent" train --data mnist --limit 3000 --batch 64 --epochs 3 --latent 16 --out "$work/m.model" --log "$work/log.jsonl" --seed 1
[ -s "$work/m.model" ] || fail "train wrote no model"
[ -s "$work/m.model.ckpt" ] || fail "train wrote no checkpoint"
[ "$(wc -l <"$work/log.jsonl")" -eq 3 ] || fail "log has $(wc -l <"$work/log.jsonl") lines, expected 3"
grep -q "epoch 3/3" "$work/last_stderr" || fail "no progress on stderr"

# Resume to 5 epochs: two more log lines.
run "$latent" train --resume "$work/m.model.ckpt" --epochs 5 --out "$work/m.model" --log "$work/log.jsonl"
[ "$(wc -l <"$work/log.jsonl")" -eq 5 ] || fail "resumed log has $(wc -l <"$work/log.jsonl") lines, expected 5"

# eval --json has the documented keys and sane values.
json=$("$latent" eval --model "$work/m.model" --data mnist --split test --limit 500 --json) || fail "eval failed"
/usr/bin/python3 - "$json" <<'PY' || fail "eval JSON: $json"
import json, sys
m = json.loads(sys.argv[1])
assert m["n"] == 500, m
for k in ("bce_per_pixel", "mse_per_pixel", "sse_per_image", "psnr_db"):
    assert k in m, k
# It must beat the mean training image (bce 0.255, sse 50.5, psnr 11.9 dB); measured 0.245, 46.7, 12.25.
assert 0 < m["bce_per_pixel"] < 0.25 and 0 < m["sse_per_image"] < 49.5 and m["psnr_db"] > 12.0, m
PY

run "$latent" reconstruct --model "$work/m.model" --count 20 --out "$work/grid.png"
[ "$(head -c 8 "$work/grid.png" | od -An -tx1 | tr -d ' ')" = "89504e470d0a1a0a" ] || fail "grid.png is not a PNG"

# --refine: codes moved through the decoder reconstruct better than the encoder's, on the same images.
refined=$("$latent" eval --model "$work/m.model" --data mnist --split test --limit 500 --refine 20 --json) ||
  fail "eval --refine failed"
/usr/bin/python3 - "$json" "$refined" <<'PY' || fail "eval --refine JSON: $refined"
import json, sys
plain, refined = (json.loads(a) for a in sys.argv[1:3])
assert refined["refine_steps"] == 20 and "refine_steps" not in plain, refined
assert refined["mse_per_pixel"] < 0.97 * plain["mse_per_pixel"], (plain, refined)
assert refined["code_mean_abs"] == plain["code_mean_abs"], "code metrics are the encoder's"
PY
run "$latent" encode --model "$work/m.model" --limit 40 --out "$work/codes.npy"
run "$latent" encode --model "$work/m.model" --limit 40 --refine 20 --out "$work/refined.npy"
cmp -s "$work/codes.npy" "$work/refined.npy" && fail "encode --refine wrote the encoder's codes"
expect_bad "negative --refine" "--refine must be >= 0" "$latent" encode --model "$work/m.model" --limit 4 --refine -1 --out "$work/bad.npy"
run "$latent" encode --model "$work/m.model" --limit 40 --out "$work/codes.csv"
head -1 "$work/codes.csv" | grep -q "^label,c0," || fail "codes.csv header: $(head -1 "$work/codes.csv")"
[ "$(wc -l <"$work/codes.csv")" -eq 41 ] || fail "codes.csv should have 40 rows and a header"
run "$latent" decode --model "$work/m.model" --codes "$work/codes.npy" --out "$work/recon.png"
run "$latent" decode --model "$work/m.model" --codes "$work/codes.csv" --out "$work/recon.npy"
/usr/bin/python3 -c "
import numpy as np, sys
a = np.load('$work/recon.npy'); c = np.load('$work/codes.npy')
assert a.shape == (40, 784) and c.shape == (40, 16), (a.shape, c.shape)
assert 0 <= a.min() and a.max() <= 255, (a.min(), a.max())
" || fail "decode output shape or range"
"$latent" info "$work/m.model" --json | grep -q '"latent":16' || fail "info does not show the spec"

# Image search: an indexed image finds itself first at 100 %; another model is refused.
run "$latent" index build --model "$work/m.model" --data mnist --split test --limit 300 --out "$work/m.index"
"$latent" search --index "$work/m.index" --data mnist --split test --index-of 42 -k 3 --json >"$work/search.json" ||
  fail "search failed"
/usr/bin/python3 -c "
import json; r = json.load(open('$work/search.json'))['results']
assert len(r) == 3 and r[0]['id'] == 42 and r[0]['similarity'] == 100.0 and r[1]['similarity'] < 100, r" ||
  fail "search should find sample 42 first at 100%: $(cat "$work/search.json")"
# --grid on an index of a data set (no file paths): the query and its 3 hits, one grey row.
run "$latent" search --index "$work/m.index" --data mnist --split test --index-of 42 -k 3 --grid "$work/sheet.png"
/usr/bin/python3 -c "
import struct, sys; b = open(sys.argv[1], 'rb').read()
w, h = struct.unpack('>II', b[16:24])
assert b[25] == 0 and h < 2 * 28 and w >= 4 * 28 and w < 5 * 28, (w, h, b[25])" "$work/sheet.png" ||
  fail "--grid did not write one grey row of four digits"
# A query on the wrong polarity is searched but warned about (stderr, exit 0); --invert fixes it.
PYTHONPATH="$(dirname "$0")" /usr/bin/python3 -c "
from serve_client import mnist_test_image, png_bytes
seven, _ = mnist_test_image('$(dirname "$0")/..', 0)
open('$work/seven.png', 'wb').write(png_bytes(seven, 28, 28))
open('$work/seven_inverted.png', 'wb').write(png_bytes([255 - v for v in seven], 28, 28))"
"$latent" search --index "$work/m.index" --image "$work/seven.png" -k 3 >"$work/seven.out" 2>"$work/stderr" ||
  fail "search --image failed: $(cat "$work/stderr")"
[ -s "$work/stderr" ] && fail "a test digit should search without warnings: $(cat "$work/stderr")"
"$latent" search --index "$work/m.index" --image "$work/seven_inverted.png" -k 3 >/dev/null 2>"$work/stderr" ||
  fail "search of an inverted image should still answer: $(cat "$work/stderr")"
grep -q "^latent: warning: $work/seven_inverted.png: the background is light (1 of the range) but the training images have a dark background (0.0[0-9]*): the input looks inverted; pass --invert$" "$work/stderr" ||
  fail "inverted query: no warning: $(cat "$work/stderr")"
"$latent" search --index "$work/m.index" --image "$work/seven_inverted.png" --invert -k 3 >"$work/inverted.out" 2>"$work/stderr" ||
  fail "search --invert failed: $(cat "$work/stderr")"
[ -s "$work/stderr" ] && fail "search --invert should not warn: $(cat "$work/stderr")"
cmp -s "$work/seven.out" "$work/inverted.out" || fail "search --invert of the inverted digit should find what the digit finds"
run "$latent" encode --model "$work/m.model" --limit 40 --invert --out "$work/inverted.npy"
grep -q "^latent: warning: --data mnist: the background is light .*: the input looks inverted; drop --invert$" "$work/last_stderr" ||
  fail "encode --invert of dark digits: no warning: $(cat "$work/last_stderr")"
json=$("$latent" eval-retrieval --index "$work/m.index" --queries mnist:test --n 50 --json) || fail "eval-retrieval failed"
/usr/bin/python3 -c "
import json, sys; m = json.loads(sys.argv[1])
assert m['queries'] == 50 and m['database'] == 300 and m['code_dims'] == 16, m
assert m['map'] > 0.25, m  # chance 0.1, measured 0.33" "$json" || fail "eval-retrieval JSON: $json"
# --metric cosine: recorded (latent info), an indexed image still finds itself first at 100 %,
# and eval-retrieval's baselines are ranked the same way as the codes.
run "$latent" index build --model "$work/m.model" --data mnist --split test --limit 300 --metric cosine \
  --out "$work/cos.index"
"$latent" info "$work/cos.index" --json | grep -q '"metric":"cosine"' || fail "info does not show the cosine metric"
"$latent" search --index "$work/cos.index" --data mnist --split test --index-of 42 -k 3 --json >"$work/search.json" ||
  fail "search of a cosine index failed"
/usr/bin/python3 -c "
import json; r = json.load(open('$work/search.json'))['results']
assert r[0]['id'] == 42 and r[0]['similarity'] == 100.0 and r[1]['similarity'] < 100, r" ||
  fail "cosine search should find sample 42 first at 100%: $(cat "$work/search.json")"
run "$latent" eval-retrieval --index "$work/cos.index" --queries mnist:test --n 50 --baseline pca --json
expect_bad "an unknown --metric" "--metric 'manhattan': expected euclidean|cosine" \
  "$latent" index build --model "$work/m.model" --metric manhattan --out "$work/bad.index"
# --relevance name: 12 digits indexed from db/{even,odd}/digitNN.png; queried from another folder
# holding the same pictures under the same names (same/), or each under the next digit's name
# (shifted/). Each query's nearest entry is its own picture: relevant by name only in same/.
PYTHONPATH="$(dirname "$0")" /usr/bin/python3 -c "
import os
from serve_client import mnist_test_image, png_bytes
for i in range(12):
    pixels, _ = mnist_test_image('$(dirname "$0")/..', i)
    for folder, name in (('db/even' if i % 2 == 0 else 'db/odd', i), ('same/all', i), ('shifted/all', (i + 1) % 12)):
        os.makedirs('$work/' + folder, exist_ok=True)
        open('$work/%s/digit%02d.png' % (folder, name), 'wb').write(png_bytes(pixels, 28, 28))"
run "$latent" index build --model "$work/m.model" --data "images:$work/db" --out "$work/names.index"
# Expected top1_accuracy and map ("-": not checked). By label, same/ is all label 0 (one folder),
# which is db/even: the odd digits find a picture of another label first.
for case in "same name 1.0 1.0" "shifted name 0.0 -" "same label 0.5 -"; do
  read -r folder relevance top1 map <<<"$case"
  json=$("$latent" eval-retrieval --index "$work/names.index" --queries "images:$work/$folder" --relevance "$relevance" \
    --n 12 --json) || fail "eval-retrieval --relevance $relevance of $folder/ failed"
  /usr/bin/python3 -c "
import json, sys; m = json.loads(sys.argv[1])
assert m['relevance'] == '$relevance' and m['queries'] == 12 and m['database'] == 12, m
assert m['top1_accuracy'] == $top1 and m['top1_accuracy'] <= m['top10_accuracy'], m
assert '$map' == '-' or m['map'] == float('$map'), m" "$json" ||
    fail "eval-retrieval --relevance $relevance, queries $folder/: $json"
done
expect_bad "name relevance, index without paths" "--relevance name: the index $work/m.index holds no file paths" \
  "$latent" eval-retrieval --index "$work/m.index" --relevance name --n 5
expect_bad "name relevance, queries without paths" "--relevance name: --queries mnist:test has no file paths" \
  "$latent" eval-retrieval --index "$work/names.index" --queries mnist:test --relevance name --n 5
expect_bad "unknown relevance" "--relevance" "$latent" eval-retrieval --index "$work/m.index" --relevance path --n 5

# A CSV dataset: standardised, linear output, MSE.
/usr/bin/python3 -c "
import numpy as np
rng = np.random.default_rng(0); z = rng.normal(size=(300, 3)); x = z @ rng.normal(size=(3, 8))
np.savetxt('$work/t.csv', np.c_[x, rng.integers(0, 2, 300)], delimiter=',', header='a,b,c,d,e,f,g,h,y', comments='')"
run "$latent" train --data "csv:$work/t.csv,label=last" --epochs 40 --latent 3 --out "$work/t.model"
grep -qF "8 feature columns, labels from column 'y'" "$work/last_stderr" || fail "train should say which column is the label: $(cat "$work/last_stderr")"
# kNN on a CSV (no test split): the queries are held out, never the references themselves.
json=$("$latent" knn --model "$work/t.model" --data "csv:$work/t.csv,label=last" --k 1 --json) || fail "CSV knn failed"
/usr/bin/python3 -c "
import json, sys; m = json.loads(sys.argv[1])
assert m['train_n'] == 240 and m['test_n'] == 60 and 'held-out' in m['queries'], m
assert m['raw']['accuracy'] < 0.9, m  # random labels: a query that finds itself scores 1.0" "$json" || fail "CSV knn: $json"
# A header column named label is the label without being told (embed/encode write one first).
sed '1s/,y$/,label/' "$work/t.csv" >"$work/t_label.csv"
run "$latent" train --data "csv:$work/t_label.csv" --epochs 1 --latent 3 --out "$work/t_label.model"
"$latent" info "$work/t_label.model" --json | grep -q '"input_shape":\[8\]' || fail "the label column was taken as a feature"
"$latent" info "$work/t.model" --json | grep -q '"loss":"mse"' || fail "CSV model should use MSE"
# The table has rank 3: predicting each standardised column's mean gives an error of 8 per row.
json=$("$latent" eval --model "$work/t.model" --data "csv:$work/t.csv,label=last" --json) || fail "CSV eval failed"
/usr/bin/python3 -c "
import json, sys; m = json.loads(sys.argv[1])
assert m['n'] == 300 and 0 < m['error_per_row'] < 5.5, m" "$json" || fail "CSV eval JSON: $json"
# A VAE on standardised data: Gaussian reconstruction term, samples written as a table.
run "$latent" train --type vae --data "csv:$work/t.csv,label=last" --epochs 2 --latent 3 --out "$work/tv.model"
json=$("$latent" eval --model "$work/tv.model" --data "csv:$work/t.csv,label=last" --iw-samples 20 --json) || fail "CSV VAE eval failed"
/usr/bin/python3 -c "
import json, math, sys; m = json.loads(sys.argv[1])
assert m['n'] == 300 and m['iw_samples'] == 20 and math.isfinite(m['nll_is']) and m['nll_is'] <= -m['elbo'], m" "$json" ||
  fail "CSV VAE eval JSON: $json"
run "$latent" generate --model "$work/tv.model" --count 5 --out "$work/tv.csv"
[ "$(wc -l <"$work/tv.csv")" -eq 6 ] || fail "CSV VAE samples: $(wc -l <"$work/tv.csv") lines, expected a header and 5 rows"

# A variational autoencoder: eval adds the bounds, generation is reproducible from --seed.
run "$latent" train --type vae --data mnist --limit 3000 --layers 200 --latent 8 --epochs 2 --kl-warmup 1 --out "$work/v.model" --seed 1
json=$("$latent" eval --model "$work/v.model" --limit 200 --iw-samples 50 --json) || fail "vae eval failed"
/usr/bin/python3 - "$json" <<'PY' || fail "vae eval JSON: $json"
import json, sys
m = json.loads(sys.argv[1])
assert m["elbo"] < 0 and m["nll_is"] > 0 and m["loss_z_mean"] > 0 and m["iw_samples"] == 50, m
assert m["nll_is"] <= -m["elbo"], m
PY
expect_bad "--refine of a VAE" "--refine: a variational model's codes are not free numbers" \
  "$latent" encode --model "$work/v.model" --limit 4 --refine 5 --out "$work/bad.npy"
# By default eval is quick: no importance sampling (1000 samples took minutes on the test set).
json=$("$latent" eval --model "$work/v.model" --limit 200 --json) || fail "vae eval (default) failed"
/usr/bin/python3 -c "
import json, sys; m = json.loads(sys.argv[1])
assert 'nll_is' not in m and 'iw_samples' not in m and m['elbo'] < 0, m" "$json" || fail "vae eval by default: $json"
# The IWAE protocol's parts: fresh binary pixels each batch, the importance-weighted bound; eval
# reads one fixed binary draw of the split, the same in every run.
run "$latent" train --type vae --data mnist --limit 1000 --layers 64 --latent 8 --epochs 1 --binarize dynamic --iw-train 5 --out "$work/iw.model" --seed 1
"$latent" info "$work/iw.model" --json | grep -q '"binarize":"dynamic"' || fail "the model should keep --binarize"
json=$("$latent" eval --model "$work/iw.model" --limit 100 --iw-samples 20 --seed 2 --json) || fail "binarised vae eval failed"
[ "$json" = "$("$latent" eval --model "$work/iw.model" --limit 100 --iw-samples 20 --seed 2 --json)" ] || fail "two evals of a binarised model differ"
/usr/bin/python3 -c "
import json, sys; m = json.loads(sys.argv[1])
assert 0 < m['nll_is'] <= -m['elbo'] and m['bce_per_pixel'] > 0, m" "$json" || fail "binarised vae eval JSON: $json"
expect_bad "iw-train on a plain autoencoder" "--iw-train needs a variational autoencoder" "$latent" train --limit 100 --iw-train 5 --out "$work/bad.model"
expect_bad "iw-train 0" "--iw-train must be between 1 and 5000" "$latent" train --limit 100 --type vae --iw-train 0 --out "$work/bad.model"
expect_bad "binarized table" "--binarize needs data in [0,1] and the bce loss" "$latent" train --data "csv:$work/t.csv,label=last" --binarize dynamic --out "$work/bad.model"
run "$latent" generate --model "$work/v.model" --count 16 --seed 3 --out "$work/g1.png" --out-npy "$work/g1.npy"
run "$latent" generate --model "$work/v.model" --count 16 --seed 3 --out "$work/g2.png" --out-npy "$work/g2.npy"
cmp -s "$work/g1.png" "$work/g2.png" && cmp -s "$work/g1.npy" "$work/g2.npy" || fail "same seed, different samples"
run "$latent" generate --model "$work/v.model" --count 16 --seed 4 --out "$work/g3.png"
cmp -s "$work/g1.png" "$work/g3.png" && fail "another seed gave the same samples"
run "$latent" generate --model "$work/v.model" --data mnist --index 5 --count 8 --spread 0.5 --out "$work/var.png"
/usr/bin/python3 -c "
import numpy as np
a = np.load('$work/g1.npy'); assert a.shape == (16, 784) and 0 <= a.min() and a.max() <= 255, a.shape" || fail "generate npy"
# A 28x28 PNG of a generated digit, then variations of it.
/usr/bin/python3 -c "
import numpy as np, struct, zlib
img = np.load('$work/g1.npy')[0].reshape(28, 28).round().astype(np.uint8)
chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
raw = b''.join(b'\\0' + row.tobytes() for row in img)
open('$work/one.png', 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 28, 28, 8, 0, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))"
run "$latent" generate --model "$work/v.model" --variations-of "$work/one.png" --count 4 --out "$work/var2.png"
run "$latent" interpolate --model "$work/v.model" --from 0 --to 1 --steps 7 --out "$work/walk.png" --out-npy "$work/walk.npy"
/usr/bin/python3 -c "import numpy as np; assert np.load('$work/walk.npy').shape == (7, 784)" || fail "interpolate npy shape"

# Compression: --report keys, compress -> decompress round trip (.npy and grid).
"$latent" compress --model "$work/m.model" --limit 200 --bits 6 --out "$work/c.ltc" --report --json >"$work/report.json" || fail "compress --report"
/usr/bin/python3 -c "
import json; r = json.load(open('$work/report.json'))
assert r['items'] == 200 and r['bits'] == 6 and r['code_size'] == 16, r
assert r['ratio_vs_raw'] > 24 and r['ratio_vs_png'] > 5 and r['psnr_db'] > 12.0, r  # the mean image: 11.9 dB
" || fail "compress report: $(cat "$work/report.json")"
# Refined codes, quantised alike, decompress to a closer picture.
"$latent" compress --model "$work/m.model" --limit 200 --bits 6 --refine 20 --out "$work/cr.ltc" --report --json \
  >"$work/refined.json" || fail "compress --refine"
/usr/bin/python3 -c "
import json; plain, refined = (json.load(open(f)) for f in ('$work/report.json', '$work/refined.json'))
assert refined['psnr_db'] > plain['psnr_db'] + 0.1, (plain, refined)
" || fail "compress --refine: $(cat "$work/refined.json")"
run "$latent" decompress "$work/c.ltc" --model "$work/m.model" --out "$work/d.npy"
run "$latent" decompress "$work/c.ltc" --model "$work/m.model" --out "$work/d.png"
/usr/bin/python3 -c "
import numpy as np; a = np.load('$work/d.npy'); assert a.shape == (200, 784) and 0 <= a.min() and a.max() <= 255, a.shape
" || fail "decompressed shape or range"

# A conv autoencoder on a few images takes batches for 100 steps an epoch (at least 16) and epochs
# for ~500,000 images seen; --epochs given keeps its value. 2,500 digits: batch 25, 200 epochs.
run "$latent" train --arch conv --channels 4,8 --latent 8 --limit 2500 --val 0 --epochs 1 --out "$work/conv_recipe.model"
grep -q "the recipe for this data and --type set (a flag overrides each): --batch 25$" "$work/last_stderr" ||
  fail "the conv recipe line: $(cat "$work/last_stderr")"
"$latent" info "$work/conv_recipe.model" --json | /usr/bin/python3 -c "
import json, sys; r = json.load(sys.stdin)['training']
assert r['train_options']['batch'] == 25 and r['train_options']['epochs'] == 1, r" || fail "info of the conv recipe's model"
# The one-class recipe is the default of --normal-class (a flag overrides each setting), and a
# detector of images scores smooth-sse unless asked for another score.
run "$latent" train --normal-class 4 --limit 2000 --epochs 1 --latent 12 --out "$work/four.model"
grep -q "the recipe for this data and --type set (a flag overrides each): --layers 128 --batch 64$" "$work/last_stderr" ||
  fail "the one-class recipe line: $(cat "$work/last_stderr")"
run "$latent" anomaly fit --model "$work/four.model" --normal-class 4 --limit 2000 --out "$work/four.det"
"$latent" info "$work/four.model" --json | /usr/bin/python3 -c "
import json, sys; r = json.load(sys.stdin)
assert r['shape'] == '784-128-12' and r['training']['recipe'] == ['--layers 128', '--batch 64'], r['shape']
assert r['training']['train_options']['batch'] == 64, r['training']" || fail "info of the one-class recipe's model"
"$latent" info "$work/four.det" --json | grep -q '"score": *"smooth-sse"' || fail "the default score of an image detector"

# One-class detection: fit on the ones, score, evaluate.
run "$latent" anomaly fit --model "$work/m.model" --normal-class 1 --limit 3000 --score sse+code --out "$work/d.det"
run "$latent" anomaly score --detector "$work/d.det" --limit 300 --out "$work/scores.csv"
head -1 "$work/scores.csv" | grep -q "^id,score,is_anomaly,threshold,threshold_rule$" || fail "scores.csv header: $(head -1 "$work/scores.csv")"
[ "$(wc -l <"$work/scores.csv")" -eq 301 ] || fail "scores.csv should have 300 rows and a header"
"$latent" anomaly eval --detector "$work/d.det" --limit 1000 --json >"$work/eval.json" || fail "anomaly eval"
/usr/bin/python3 -c "
import json; r = json.load(open('$work/eval.json'))
assert r['normal_class'] == 1 and r['n'] == 1000, r
# Chance: roc_auc 0.5, pr_auc 0.89 (the anomalies' share); measured 0.992 and 0.999.
assert 0.95 < r['roc_auc'] <= 1 and 0.98 < r['pr_auc'] <= 1 and 0 <= r['f1'] <= 1, r
" || fail "anomaly eval JSON: $(cat "$work/eval.json")"

# latent info reads every kind of latent file: what it holds and which model it belongs to.
/usr/bin/python3 - "$latent" "$work" <<'PY' || fail "info on a checkpoint, index, detector or .ltc"
import json, subprocess, sys
latent, work = sys.argv[1:]
info = lambda name: json.loads(subprocess.run([latent, "info", f"{work}/{name}", "--json"], check=True,
                                              capture_output=True, text=True).stdout)
model = info("m.model")["fingerprint"]
i = info("m.index")
assert i["kind"] == "index" and i["model_fingerprint"] == model and i["entries"] == 300 and i["dims"] == 16, i
assert i["index"] == "flat" and i["metric"] == "euclidean" and i["labels"] and not i["paths"], i
d = info("d.det")
assert d["kind"] == "detector" and d["model_fingerprint"] == model and d["score"] == "sse+code", d
assert d["normal_class"] == 1 and d["threshold_rule"].startswith("quantile:") and "threshold" in d, d
c = info("c.ltc")
assert c["kind"] == "compressed" and c["model_fingerprint"] == model and c["items"] == 200, c
assert c["dims"] == 16 and c["bits"] == 6 and c["levels"] == 64, c
k = info("m.model.ckpt")
assert k["kind"] == "checkpoint" and k["model"].endswith("/m.model") and k["epochs_done"] == 5, k
assert k["epochs"] == 5 and k["settings"]["batch"] == 64 and k["spec"]["latent"] == 16, k
PY
"$latent" info "$work/d.det" | grep -q '^kind  *detector$' || fail "info without --json: $("$latent" info "$work/d.det" 2>&1)"
expect_bad "info on a missing file" "cannot open $work/nonexistent.model: No such file or directory" "$latent" info "$work/nonexistent.model"

# Search over images:DIR: the path column is as wide as its longest path, the numbers line up.
mkdir -p "$work/imgs"
cp "$work/one.png" "$work/imgs/a.png"
cp "$work/one.png" "$work/imgs/a_file_name_far_longer_than_the_column.png"
run "$latent" index build --model "$work/m.model" --data "images:$work/imgs" --out "$work/imgs.index"
"$latent" search --index "$work/imgs.index" --image "$work/one.png" --k 2 >"$work/search.txt" || fail "search images:DIR"
[ "$(wc -l <"$work/search.txt")" -eq 3 ] && [ "$(awk '{ print length($0) }' "$work/search.txt" | sort -u | wc -l)" -eq 1 ] ||
  fail "search table not aligned: $(cat "$work/search.txt")"
# -k and --k both name a neighbour count, in search and in knn.
json=$("$latent" knn --model "$work/m.model" --train-limit 300 --test-limit 50 --skip-raw -k 3 --json) || fail "knn -k"
/usr/bin/python3 -c "import json, sys; m = json.loads(sys.argv[1]); assert m['k'] == 3, m" "$json" || fail "knn -k: $json"

# The command line: unknown words get the nearest known one, extra words are listed as given.
expect_bad "unknown command" "unknown command 'serch'; did you mean 'search'? (see latent --help)" "$latent" serch
expect_bad "version as a command" "unknown command 'version'; did you mean '--version'?" "$latent" version
expect_bad "unknown index command" "unknown command 'bild'; did you mean 'build'? (see latent index --help)" "$latent" index bild
expect_bad "extra words" "not expected: one two (see latent info --help)" "$latent" info "$work/m.model" one two
"$latent" --version | grep -qE '^latent [0-9]+\.[0-9]+\.[0-9]+$' || fail "--version: $("$latent" --version 2>&1)"
# An option given twice takes its last value (a recipe's flags with one appended), nested commands too.
"$latent" train --limit 200 --val 0 --epochs 1 --epochs 2 --out "$work/twice.model" --log "$work/twice.log" 2>"$work/twice.err" ||
  fail "an option given twice: $(tail -1 "$work/twice.err")"
[ "$(wc -l <"$work/twice.log")" -eq 2 ] || fail "--epochs 1 --epochs 2 trained $(wc -l <"$work/twice.log") epochs, expected 2"
"$latent" index build --model "$work/twice.model" --limit 50 --limit 60 --out "$work/twice.index" >/dev/null ||
  fail "index build with --limit twice"
"$latent" info "$work/twice.index" | grep -qE '^entries +60$' || fail "--limit 50 --limit 60 indexed: $("$latent" info "$work/twice.index")"

# Bad input: exit 2, one line, no output file.
printf '1,2,3\n4,5\n' >"$work/ragged.csv"
expect_bad "ragged csv" "2 fields, the first row has 3" "$latent" train --data "csv:$work/ragged.csv" --out "$work/bad.model"
grep -q "ragged.csv:2" "$work/stderr" || fail "ragged csv error should name file:line: $(cat "$work/stderr")"
expect_bad "missing data" "idx:/nonexistent: cannot list the directory" "$latent" train --data idx:/nonexistent --out "$work/bad.model"
expect_bad "unknown data" "--data imagenet: expected mnist" "$latent" train --data imagenet --out "$work/bad.model"
expect_bad "bad layers" "--layers '10,x': expected sizes separated by commas" "$latent" train --limit 100 --layers 10,x --out "$work/bad.model"
expect_bad "bad activation" "--activation 'swish': expected" "$latent" train --limit 100 --activation swish --out "$work/bad.model"
expect_bad "unknown flag" "not expected: --frobnicate" "$latent" train --limit 100 --frobnicate --out "$work/bad.model"
expect_bad "no such dir" "no directory $work/nodir" "$latent" train --limit 100 --out "$work/nodir/bad.model"
echo "not a model" >"$work/fake.model"
expect_bad "non-model file" "fake.model: not a latent file" "$latent" eval --model "$work/fake.model"
expect_bad "checkpoint as model" "is a latent checkpoint file, expected a model" "$latent" eval --model "$work/m.model.ckpt"
head -c 2000 "$work/m.model" >"$work/cut.model"
expect_bad "truncated model" "cut.model: truncated or padded latent file" "$latent" reconstruct --model "$work/cut.model" --out "$work/bad.png"
expect_bad "wrong extension" "bad.txt: expected a file ending in .png" "$latent" reconstruct --model "$work/m.model" --out "$work/bad.txt"
expect_bad "wrong code size" "codes have 16 columns, the model's code has 3" "$latent" decode --model "$work/t.model" --codes "$work/codes.npy" --out "$work/bad.npy"
# Same shape as m.model, other weights: only the fingerprint tells them apart.
run "$latent" train --data mnist --limit 300 --epochs 1 --latent 16 --seed 2 --out "$work/m2.model"
expect_bad "index through another model" "is not the model this index was built with" "$latent" search --index "$work/m.index" --model "$work/m2.model" --index-of 1
expect_bad "search without a query" "give a query: --image FILE or --index-of I" "$latent" search --index "$work/m.index"
expect_bad "images for a table's model" "--data mnist: the data is not a table with named columns; the model was trained on one" "$latent" eval --model "$work/t.model" --data mnist --limit 10
expect_bad "bad vae type" "--type 'gan': expected ae|vae|binary" "$latent" train --limit 100 --type gan --out "$work/bad.model"
expect_bad "vae with relu code" "--code-activation must be linear in a variational autoencoder" "$latent" train --limit 100 --type vae --code-activation relu --out "$work/bad.model"
expect_bad "prior of a plain model" "sampling the prior needs a variational autoencoder" "$latent" generate --model "$work/m.model" --out "$work/bad.png"
expect_bad "negative spread" "--spread must be >= 0" "$latent" generate --model "$work/v.model" --index 0 --spread -1 --out "$work/bad.png"
expect_bad "image and index" "--variations-of excludes --index" "$latent" generate --model "$work/v.model" --index 0 --variations-of "$work/one.png" --out "$work/bad.png"
expect_bad "unknown generate flag" "not expected: --temperature 2 (see latent generate --help)" "$latent" generate --model "$work/v.model" --temperature 2 --out "$work/bad.png"
expect_bad "index out of range" "--index 99999: --data mnist (test) has only 10000 samples" "$latent" interpolate --model "$work/v.model" --from 0 --to 99999 --out "$work/bad.png"
# A picture of another size is fitted to the model's (centre crop, area-averaging resize).
run "$latent" generate --model "$work/v.model" --variations-of "$work/walk.png" --count 2 --out "$work/walk_variations.png"
[ -s "$work/walk_variations.png" ] || fail "variations of a 212x32 picture: no output"

# Regularised autoencoders (issue 3): the flags reach the model file, eval and denoise use them.
run "$latent" train --limit 1000 --epochs 1 --latent 16 --code-activation relu --corrupt masking:0.5 \
  --sparsity l1:0.05 --contractive 0.1 --out "$work/r.model"
"$latent" info "$work/r.model" --json | grep -q '"corrupt":"masking:0.5".*"sparsity":"l1:0.05"' || fail "info does not show corrupt/sparsity"
json=$("$latent" eval --model "$work/r.model" --limit 200 --corrupt masking:0.5 --json) || fail "eval --corrupt failed"
/usr/bin/python3 - "$json" <<'PY' || fail "eval --corrupt JSON: $json"
import json, sys
m = json.loads(sys.argv[1])
for k in ("psnr_noisy_db", "psnr_denoised_db", "code_mean_abs", "code_active_fraction", "jacobian_fro"):
    assert k in m, k
assert 0 <= m["code_active_fraction"] <= 1 and m["jacobian_fro"] > 0 and m["psnr_noisy_db"] > 5, m
PY
run "$latent" denoise --model "$work/r.model" --count 8 --out "$work/denoise.png"
[ -s "$work/denoise.png" ] || fail "denoise wrote no grid"
run "$latent" train --limit 300 --epochs 1 --arch conv --channels 4,8 --latent 8 --out "$work/c.model"
"$latent" info "$work/c.model" --json | grep -q '"arch":"conv"' || fail "info does not show the conv arch"
expect_bad "bad corruption" "--corrupt masking:P needs 0 < P < 1" "$latent" train --limit 100 --corrupt masking:2 --out "$work/bad.model"
expect_bad "kl without sigmoid code" "it needs a sigmoid code activation" "$latent" train --limit 100 --sparsity kl:0.05,1 --out "$work/bad.model"
expect_bad "negative contractive" "--contractive must be >= 0" "$latent" train --limit 100 --contractive -1 --out "$work/bad.model"
expect_bad "conv on a table" "--arch conv needs image data" "$latent" train --data "csv:$work/t.csv,label=last" --arch conv --out "$work/bad.model"
expect_bad "eval bad corruption" "--corrupt 'blur:1': expected" "$latent" eval --model "$work/r.model" --corrupt blur:1
expect_bad "denoise needs a corruption" "the model was trained without corruption" "$latent" denoise --model "$work/m.model" --out "$work/bad.png"
expect_bad "decompress with another model" "c.ltc was compressed with model" "$latent" decompress "$work/c.ltc" --model "$work/m2.model" --out "$work/bad.npy"
head -c 100 "$work/c.ltc" >"$work/cut.ltc"
expect_bad "truncated .ltc" "cut.ltc: truncated or padded latent file" "$latent" decompress "$work/cut.ltc" --model "$work/m.model" --out "$work/bad.npy"
expect_bad "bits out of range" "--bits must be 4..16" "$latent" compress --model "$work/m.model" --limit 10 --bits 20 --out "$work/bad.ltc"
expect_bad "bad threshold rule" "--threshold median: expected quantile" "$latent" anomaly fit --model "$work/m.model" --limit 10 --threshold median --out "$work/bad.det"
expect_bad "absent class" "--normal-class 12: no samples with that label" "$latent" anomaly fit --model "$work/m.model" --normal-class 12 --out "$work/bad.det"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "cli end-to-end: all passed"
