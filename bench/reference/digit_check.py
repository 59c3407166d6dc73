"""Do generated images look like digits? Trains a small dense MNIST classifier (784-256-10,
Adam, 10 epochs on the 60k training images, ~98% test accuracy), then labels
  --samples S.npy                 prior samples: mean top probability, share of each digit
  --variations V.npy --digit D    variations of one test digit: share classified as D, duplicates
(.npy files as written by `latent generate --out-npy`: raw pixels 0..255, one image per row).
Prints one JSON object. Run with /usr/bin/python3 (python3-torch)."""
import argparse, json, os, sys

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(__file__))
from train_throughput import load_mnist_images  # noqa: E402


def load_labels(path):
    with open(path, "rb") as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=8).astype(np.int64)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../data/mnist"))
    p.add_argument("--samples", required=True)
    p.add_argument("--variations", required=True)
    p.add_argument("--digit", type=int, required=True)
    args = p.parse_args()
    torch.manual_seed(0)
    x = torch.from_numpy(load_mnist_images(os.path.join(args.data, "train-images-idx3-ubyte")))
    y = torch.from_numpy(load_labels(os.path.join(args.data, "train-labels-idx1-ubyte")))
    tx = torch.from_numpy(load_mnist_images(os.path.join(args.data, "t10k-images-idx3-ubyte")))
    ty = torch.from_numpy(load_labels(os.path.join(args.data, "t10k-labels-idx1-ubyte")))
    net = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(10):
        order = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            idx = order[i:i + 128]
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    with torch.no_grad():
        accuracy = (net(tx).argmax(1) == ty).float().mean().item()
        samples = torch.from_numpy(np.load(args.samples).astype(np.float32) / 255.0)
        probs = F.softmax(net(samples), 1)
        top, label = probs.max(1)
        shares = torch.bincount(label, minlength=10).float() / len(samples)
        variations = np.load(args.variations)
        kept = (net(torch.from_numpy(variations.astype(np.float32) / 255.0)).argmax(1) == args.digit).float().mean().item()
    distinct = len({row.tobytes() for row in variations})
    print(json.dumps({"classifier_test_accuracy": round(accuracy, 4), "samples": len(samples),
                      "mean_top_probability": round(top.mean().item(), 4),
                      "min_digit_share": round(shares.min().item(), 4),
                      "digit_shares": [round(s, 4) for s in shares.tolist()],
                      "variations": len(variations), "variations_kept_digit": round(kept, 4),
                      "variations_distinct": distinct}))


if __name__ == "__main__":
    main()
