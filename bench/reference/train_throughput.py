"""PyTorch reference for bench/train_throughput.sh: the same model, data, batch and optimizer
as `latent train --layers 256 --latent 32 --batch 256 --lr 1e-3 --schedule constant --val 0`
(784-256-32-256-784, ReLU hidden, linear code, BCE on logits, Adam). Prints images/s of the
training loop only (best epoch) and the last epoch's mean training loss (latent's train_loss), as
JSON. Subnormals are flushed to zero, as latent does (docs/performance.md section 2).

Run with Debian's python: /usr/bin/python3 (python3-torch). Thread counts: --torch-threads for
torch's intra-op pool; OPENBLAS_NUM_THREADS (set by the caller) for the GEMMs."""
import argparse, json, os, sys, time

import numpy as np
import torch
from torch import nn


def load_mnist_images(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x00\x00\x08\x03", "not an IDX image file"
    n, rows, cols = (int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(3))
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows * cols).astype(np.float32) / 255.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../data/mnist"))
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--latent", type=int, default=32)
    p.add_argument("--torch-threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.torch_threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    x = torch.from_numpy(load_mnist_images(os.path.join(args.data, "train-images-idx3-ubyte")))
    model = nn.Sequential(
        nn.Linear(784, args.hidden), nn.ReLU(), nn.Linear(args.hidden, args.latent),
        nn.Linear(args.latent, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 784))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    n = x.shape[0]
    best = 0.0
    for epoch in range(args.epochs):
        order = torch.randperm(n)
        start, total = time.perf_counter(), 0.0
        for i in range(0, n, args.batch):
            xb = x.index_select(0, order[i:i + args.batch])
            opt.zero_grad()
            loss = loss_fn(model(xb), xb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        best = max(best, n / (time.perf_counter() - start))
        print(f"epoch {epoch + 1}: train loss {total / n:.4f} {n / (time.perf_counter() - start):.0f} images/s", file=sys.stderr)
    print(json.dumps({"images_per_s": best, "train_loss": total / n, "torch_threads": args.torch_threads,
                      "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}))


if __name__ == "__main__":
    main()
