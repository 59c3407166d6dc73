"""Nearest neighbours of a VAE's variations (bench/emoji.sh): for each variation (raw RGB 0..255,
one row of the .npy that `latent generate --out-npy` writes), the database image nearest in pixel
distance; prints how many have the seed as their nearest, whether any two are identical, and how
far apart they are (root-mean-square difference per pixel value, 0..255, over all pairs).
Usage: emoji_variations.py VARIATIONS.npy SEED.png DATABASE_DIR"""
import json
import pathlib
import sys

import numpy as np
from PIL import Image


def pixels(path):
    """RGB over white, as latent reads it (alpha composited), flattened channel-major."""
    rgba = Image.open(path).convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    rgb = np.asarray(Image.alpha_composite(white, rgba).convert("RGB"), dtype=np.float32)
    return rgb.transpose(2, 0, 1).reshape(-1)


variations = np.load(sys.argv[1]).astype(np.float32)
seed = pathlib.Path(sys.argv[2]).resolve()
files = sorted(p.resolve() for p in pathlib.Path(sys.argv[3]).rglob("*.png"))
database = np.stack([pixels(p) for p in files])
distances = ((variations[:, None, :] - database[None, :, :]) ** 2).sum(-1)
nearest = [files[i] for i in distances.argmin(1)]
seed_nearest = sum(p == seed for p in nearest)
identical = sum(np.array_equal(variations[i], variations[j])
                for i in range(len(variations)) for j in range(i + 1, len(variations)))
print(f"variations whose nearest of {len(files)} images is the seed: {seed_nearest} of {len(variations)}")
pairs = np.triu_indices(len(variations), 1)
apart = np.sqrt(((variations[:, None, :] - variations[None, :, :]) ** 2).mean(-1))[pairs]
print(f"identical pairs: {identical}")
print(f"rms difference between two variations: min {apart.min():.2f}, mean {apart.mean():.2f}, max {apart.max():.2f}")
print(json.dumps({"seed_nearest": seed_nearest, "count": len(variations), "identical_pairs": identical,
                  "rms_apart_min": round(float(apart.min()), 2), "rms_apart_mean": round(float(apart.mean()), 2),
                  "rms_apart_max": round(float(apart.max()), 2)}))
