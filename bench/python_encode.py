"""Encoding the 10,000 MNIST test images from Python: latent's module against the same encoder in
PyTorch (784-256 relu-32, one call on all 10,000 rows, torch.no_grad), in one process, rounds
interleaved, best of 5 per thread setting, the best setting of each side.

The PyTorch encoder has the model's layer sizes and random weights (the time does not depend on
the values). latent's time includes what a user's call includes: pixels 0..255 scaled by the
model, the result handed back as a numpy array.
Usage: python_encode.py MODEL T10K_IMAGES_IDX. Last line: one JSON object.
"""
import json
import sys
import time

import numpy as np
import torch

import latent

model_path, images_path = sys.argv[1:3]
pixels = np.frombuffer(open(images_path, "rb").read()[16:], np.uint8).reshape(-1, 784).astype(np.float32)
model = latent.load(model_path)
assert (model.input_size, model.code_size) == (784, 32), model
net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 32)).eval()
x = torch.from_numpy(pixels)


def run_latent():
    return model.encode(pixels)


def run_torch():
    with torch.no_grad():
        return net(x / 255).numpy()


best = {}
for _ in range(5):
    for threads in (1, 2):
        latent.set_threads(threads)
        torch.set_num_threads(threads)
        for name, encode in (("latent", run_latent), ("pytorch", run_torch)):
            start = time.perf_counter()
            codes = encode()
            seconds = time.perf_counter() - start
            assert codes.shape == (10000, 32)
            key = (name, threads)
            best[key] = min(best.get(key, seconds), seconds)

rate = {name: max(10000 / best[(name, t)] for t in (1, 2)) for name in ("latent", "pytorch")}
for (name, threads), seconds in sorted(best.items()):
    print(f"{name:8s} {threads} thread(s): {10000 / seconds:10.0f} images/s")
print(f"latent / pytorch, best setting each: {rate['latent'] / rate['pytorch']:.2f}")
print(json.dumps({"latent_images_per_s": round(rate["latent"]), "pytorch_images_per_s": round(rate["pytorch"]),
                  "ratio": round(rate["latent"] / rate["pytorch"], 3)}))
