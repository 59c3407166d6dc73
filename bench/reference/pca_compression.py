"""PCA as a codec, for bench/compression.sh: the best PSNR on MNIST test that PCA reaches at a
byte budget, coding its components the way latent codes its codes (per-component uniform
quantisation over the component's range, zstd level 19, component-major; header not counted).

Usage: pca_compression.py BYTES [BYTES ...]   Prints one JSON object per budget."""
import glob
import gzip
import json
import os
import struct
import sys

import numpy as np
import zstandard


def idx(pattern):
    root = os.environ.get("LATENT_DATA", os.path.join(os.path.dirname(__file__), "../../data")) + "/mnist/"
    data = open(sorted(glob.glob(root + pattern))[0], "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = struct.unpack(">" + "I" * data[3], data[4:4 + 4 * data[3]])
    return np.frombuffer(data[4 + 4 * data[3]:], np.uint8).reshape(dims[0], -1).astype(np.float64) / 255


train, test = idx("train-images*"), idx("t10k-images*")
mean = train.mean(0)
_, _, vt = np.linalg.svd(train - mean, full_matrices=False)
compressor = zstandard.ZstdCompressor(level=19)
cache = {}


def code(k, bits):
    """(bytes per image, PSNR) of PCA-k with bits per component."""
    if (k, bits) not in cache:
        z = (test - mean) @ vt[:k].T
        lo, hi = z.min(0), z.max(0)
        step = (hi - lo) / (2 ** bits - 1)
        levels = np.round((z - lo) / step).astype(np.uint8 if bits <= 8 else np.uint16)
        size = len(compressor.compress(np.ascontiguousarray(levels.T).tobytes()))
        recon = np.clip((lo + levels * step) @ vt[:k] + mean, 0, 1)
        cache[k, bits] = (size / len(test), 10 * np.log10(1 / np.mean((recon - test) ** 2)))
    return cache[k, bits]


for budget in (float(b) for b in sys.argv[1:]):
    best = None
    for bits in range(3, 9):
        lo, hi = 1, 200  # largest k within budget: bytes grow with k
        while lo < hi:
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if code(mid, bits)[0] <= budget else (lo, mid - 1)
        size, psnr = code(lo, bits)
        if size <= budget and (best is None or psnr > best["psnr_db"]):
            best = {"budget": budget, "components": lo, "bits": bits, "bytes_per_image": round(size, 2),
                    "psnr_db": round(psnr, 2)}
    print(json.dumps(best), flush=True)
