#!/usr/bin/env bash
# `latent export --format torch`: a plain, a conv, a variational and a binary model, each loaded in
# Debian's PyTorch through python/latent_torch.py, give the codes `latent encode` gives and the
# reconstructions `latent decode` gives, to 1e-5, on 200 MNIST test digits. Bad input: one line.
# Usage: cli_export.sh path/to/latent SOURCE_DIR
set -uo pipefail
latent=$1 source=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_lib.sh
source "$here/cli_lib.sh"

common=(--data mnist --limit 1000 --epochs 1 --val 0 --seed 2)
run "$latent" train "${common[@]}" --layers 64 --latent 8 --out "$work/plain.model"
run "$latent" train "${common[@]}" --arch conv --channels 8,16 --layers 32 --latent 8 --out "$work/conv.model"
run "$latent" train "${common[@]}" --type vae --layers 64 --latent 4 --out "$work/vae.model"
run "$latent" train "${common[@]}" --type binary --bits 16 --layers 64 --out "$work/binary.model"
for kind in plain conv vae binary; do
  run "$latent" export --model "$work/$kind.model" --format torch --out "$work/$kind.pt"
  run "$latent" encode --model "$work/$kind.model" --data mnist --split test --limit 200 --out "$work/$kind.codes.npy"
  run "$latent" decode --model "$work/$kind.model" --codes "$work/$kind.codes.npy" --out "$work/$kind.recon.npy"
  PYTHONPATH="$source/python" /usr/bin/python3 - "$work" "$kind" "$source/data/mnist/t10k-images-idx3-ubyte" \
    >"$work/py.out" 2>&1 <<'PY' || fail "$kind: PyTorch disagrees: $(tail -3 "$work/py.out")"
import sys
import numpy as np
import torch
import latent_torch
work, kind, images = sys.argv[1:4]
raw = np.fromfile(images, np.uint8, offset=16)[: 200 * 784].reshape(200, 784).astype(np.float32)
model = latent_torch.load(f"{work}/{kind}.pt")
assert isinstance(model, torch.nn.Module)
with torch.no_grad():
    codes = model.encode(model.prepare(raw)).numpy()
    recon = model.decode(torch.from_numpy(np.load(f"{work}/{kind}.codes.npy"))).numpy() * 255
    forward = model(model.prepare(raw)).numpy() * 255
want_codes = np.load(f"{work}/{kind}.codes.npy")
want_recon = np.load(f"{work}/{kind}.recon.npy").reshape(200, -1)
assert codes.shape == want_codes.shape, (codes.shape, want_codes.shape)
assert np.abs(codes - want_codes).max() <= 1e-5 * max(1.0, np.abs(want_codes).max()), np.abs(codes - want_codes).max()
assert np.abs(recon - want_recon).max() <= 255 * 1e-5, np.abs(recon - want_recon).max()
assert np.abs(forward - want_recon).max() <= 255 * 1e-4, np.abs(forward - want_recon).max()
PY
done
expect_bad "export of a file that is not a model" "not a latent file" "$latent" export --model "$here/cli_lib.sh" --out "$work/bad.pt"
expect_bad "export to an unknown format" "--format" "$latent" export --model "$work/plain.model" --format onnx --out "$work/bad.pt"
((failures == 0)) || exit 1
echo "cli_export: plain, conv, vae and binary models agree in PyTorch"
