"""PyTorch reference for bench/vae.sh: the pytorch/examples VAE (vae/main.py), the same model,
data and optimizer as `latent train --type vae --layers 400 --latent 20 --batch 128 --lr 1e-3
--schedule constant --val 0`: 784-400-(20 mean, 20 log-variance)-400-784, ReLU, Bernoulli
decoder, loss = BCE summed over pixels + KL, averaged over images, Adam 1e-3, batch 128.
Prints, as JSON: images/s of the training loop (best epoch) and, after the last epoch, the test
loss with z sampled (what pytorch/examples prints) and with z = mean.

Run with Debian's python: /usr/bin/python3 (python3-torch). Thread counts: --torch-threads for
torch's intra-op pool; OPENBLAS_NUM_THREADS (set by the caller) for the GEMMs."""
import argparse, json, os, sys, time

import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(__file__))
from train_throughput import load_mnist_images  # noqa: E402


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def forward(self, x, sample=True):
        h = F.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar) if sample else mu
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar


def loss_function(model, x, sample=True):
    """pytorch/examples' loss_function: summed over the batch (callers divide by the count)."""
    recon, mu, logvar = model(x, sample)
    bce = F.binary_cross_entropy(recon, x, reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../data/mnist"))
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--torch-threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.torch_threads)
    torch.set_flush_denormal(True)  # as latent does (docs/performance.md section 2)
    torch.manual_seed(args.seed)
    x = torch.from_numpy(load_mnist_images(os.path.join(args.data, "train-images-idx3-ubyte")))
    test = torch.from_numpy(load_mnist_images(os.path.join(args.data, "t10k-images-idx3-ubyte")))
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n, best = x.shape[0], 0.0
    for epoch in range(args.epochs):
        order = torch.randperm(n)
        start, total = time.perf_counter(), 0.0
        for i in range(0, n, 128):
            xb = x.index_select(0, order[i:i + 128])
            opt.zero_grad()
            loss = loss_function(model, xb)
            loss.backward()
            total += loss.item()
            opt.step()
        best = max(best, n / (time.perf_counter() - start))
        print(f"epoch {epoch + 1}: train loss {total / n:.4f} {n / (time.perf_counter() - start):.0f} images/s", file=sys.stderr)
    model.eval()
    with torch.no_grad():
        sampled = sum(loss_function(model, b).item() for b in test.split(128))
        mean = sum(loss_function(model, b, sample=False).item() for b in test.split(128))
    print(json.dumps({"images_per_s": best, "test_loss": sampled / len(test), "test_loss_z_mean": mean / len(test),
                      "epochs": args.epochs, "torch_threads": args.torch_threads,
                      "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}))


if __name__ == "__main__":
    main()
