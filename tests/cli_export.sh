#!/usr/bin/env bash
# `latent export --format torch`: a plain, a conv, a variational and a binary model, each loaded in
# Debian's PyTorch through python/latent_torch.py, give the codes `latent encode` gives and the
# reconstructions `latent decode` gives, to 1e-5, on 200 MNIST test digits. `--format npz`: the
# same steps and weights as numpy arrays, and numpy alone gets the same codes from the dense models.
# Bad input: one line.
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
  run "$latent" export --model "$work/$kind.model" --format npz --out "$work/$kind.npz"
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

# The npz: the torch file's steps and weights, read by numpy without pickle.
import json
arrays = np.load(f"{work}/{kind}.npz", allow_pickle=False)
saved = json.loads(str(arrays["model"]))
torch_saved = torch.load(f"{work}/{kind}.pt")
assert saved["format"] == "latent npz export" and saved["version"] == 1
assert saved["spec"] == json.loads(torch_saved["spec"])
for part in ("encoder", "decoder"):
    assert len(saved[part]) == len(torch_saved[part]), part
    for step, torch_step in zip(saved[part], torch_saved[part]):
        assert step["kind"] == torch_step["kind"], (step, torch_step["kind"])
        for key, value in torch_step.items():
            if key in ("weight", "bias"):
                assert np.array_equal(arrays[step[key]], value.numpy()), (part, step[key])
            elif key != "kind":
                assert step[key] == list(value), (part, key)
if all(s["kind"] != "view" for s in saved["encoder"]):
    x = raw / saved["normalization"]["divisor"]
    for step in saved["encoder"]:
        if step["kind"] == "linear":
            x = x @ arrays[step["weight"]].T + arrays[step["bias"]]
        else:
            x = {"relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
                 "tanh": np.tanh}[step["kind"]](x)
    head = saved["spec"].get("code_head", "plain")
    x = 1 / (1 + np.exp(-x)) if head == "binary" else np.split(x, 2, 1)[0] if head == "gaussian" else x
    assert np.abs(x - want_codes).max() <= 1e-5 * max(1.0, np.abs(want_codes).max()), np.abs(x - want_codes).max()
PY
done
expect_bad "export of a file that is not a model" "not a latent file" "$latent" export --model "$here/cli_lib.sh" --out "$work/bad.pt"
expect_bad "export to an unknown format" "--format" "$latent" export --model "$work/plain.model" --format onnx --out "$work/bad.pt"
expect_bad "npz export to another extension" ".npz" "$latent" export --model "$work/plain.model" --format npz --out "$work/bad.pt"
((failures == 0)) || exit 1
echo "cli_export: plain, conv, vae and binary models agree in PyTorch and in the npz"
