"""One side of bench/python_encode.sh: encodes the 10,000 MNIST test images 5 times at one thread
setting, after a warm-up, and prints the best images/s. latent: the model through `import latent`
(pixels 0..255 in, the model scales them, codes back as a numpy array). pytorch: an encoder of the
model's sizes (784-256 relu-32, random weights: the time does not depend on the values) on x / 255
under torch.no_grad. Each side runs in a process of its own: both use the one OpenBLAS, and one
side's idle threads must not slow the other.
Usage: python_encode.py latent|pytorch THREADS MODEL T10K_IMAGES_IDX
"""
import sys
import time

import numpy as np

side, threads, model_path, images_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
pixels = np.fromfile(images_path, np.uint8, offset=16).reshape(-1, 784).astype(np.float32)
if side == "latent":
    import latent
    latent.set_threads(threads)
    model = latent.load(model_path)
    assert (model.input_size, model.code_size) == (784, 32), model
    encode = lambda: model.encode(pixels)
else:
    import torch
    torch.set_num_threads(threads)
    net = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 32)).eval()
    x = torch.from_numpy(pixels)

    def encode():
        with torch.no_grad():
            return net(x / 255).numpy()
encode()
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    codes = encode()
    best = min(best, time.perf_counter() - start)
    assert codes.shape == (10000, 32)
print(f"{10000 / best:.0f}")
