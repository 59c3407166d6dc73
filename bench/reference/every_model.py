"""PyTorch reference for bench/every_model.sh: trains the model a `latent export --format torch`
file describes, the way a PyTorch user would, doing what `latent train` does with its spec: the
same layers (built by python/latent_torch.py from the file, so no size can differ), the same
corruption, penalty and code head, Adam at a constant learning rate, batch B, the first N MNIST
training images. Prints images/s of the training loop (best epoch) and the last loss, as JSON.

The objective, by the spec's code head:
  plain:    BCE (mean over pixels) + sparsity (l1:W: W mean|code|; kl:RHO,W) + contractive W
            (closed form for a one-layer sigmoid encoder, else the one-probe estimate E|v^T J|^2)
  gaussian: Bernoulli NLL summed over pixels + KL to N(0, I), both averaged over images
  binary:   noise N(0, s^2) before the code sigmoid (s: the schedule's end, as after the ramp),
            BCE + bit balance + bit decorrelation, and with the spec's neighbour pull, batches of
            B/2 images and one of each one's K nearest training images in pixel space, the mean
            squared difference of their codes weighed in (the K-nearest graph is built before the
            timed epochs, as latent builds it before its own)
With --pack FILE (a `latent pack` of images) the images are the pack's, scaled to [0, 1].
With --classifier WIDTHS instead of a model: `latent classify train --init random --layers WIDTHS`,
an MLP 784-WIDTHS-10 of --activation units, cross-entropy with the labels, inputs corrupted by
--corrupt.
Run with Debian's python: /usr/bin/python3 (python3-torch).
Usage: every_model.py MODEL.pt [--epochs 2] [--limit 20000] [--batch 128] [--lr 1e-3] [--torch-threads 1]
       every_model.py --classifier 1000,1000,1000 [--activation sigmoid] [--corrupt masking:0.2] [...]"""
import argparse, json, os, sys, time

import numpy as np

import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "../../python"))
import latent_torch  # noqa: E402
from train_throughput import load_mnist_images  # noqa: E402

F = nn.functional


def corrupted(x, spec):
    kind, _, value = spec["corrupt"].partition(":")
    if kind == "masking":
        return x * (torch.rand_like(x) >= float(value))
    if kind == "gaussian":
        return x + float(value) * torch.randn_like(x)
    return x


def sparsity(codes, spec):
    kind, _, value = spec["sparsity"].partition(":")
    if kind == "l1":
        return float(value) * codes.abs().mean()
    if kind == "kl":
        rho, w = (float(v) for v in value.split(","))
        rho_hat = codes.mean(0).clamp(1e-6, 1 - 1e-6)
        return w * (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).mean()
    return 0.0


def bit_penalties(codes, spec):
    total = spec["bit_balance"] * (codes.mean(0) - 0.5).pow(2).sum()
    if spec["bit_decorrelation"] > 0:
        centred = codes - codes.mean(0, keepdim=True)
        cov = centred.t() @ centred / codes.shape[0]
        inv_std = (cov.diagonal() + 1e-6).rsqrt()
        corr = cov * inv_std[None, :] * inv_std[:, None]
        bits = codes.shape[1]
        total = total + spec["bit_decorrelation"] * (corr.pow(2).sum() - corr.diagonal().pow(2).sum()) / (bits * (bits - 1))
    return total


def pixel_neighbours(x, k):
    """Each image's k nearest other images in squared Euclidean distance."""
    sq = (x * x).sum(1)
    found = []
    for i in range(0, x.shape[0], 2048):
        d = sq[i:i + 2048, None] - 2 * x[i:i + 2048] @ x.t() + sq[None, :]
        d[torch.arange(d.shape[0]), torch.arange(i, i + d.shape[0])] = float("inf")
        found.append(d.topk(k, largest=False).indices)
    return torch.cat(found)


def load_pack_images(path):
    """The pixels of a `latent pack` file: bytes from offset 64, the footer JSON at the end."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:6] == b"LTPACK" and data[-8:] == b"LTPACKND", "not a latent pack"
    size = int.from_bytes(data[-16:-8], "little")
    footer = json.loads(data[-16 - size:-16])
    features = int(np.prod(footer["sample_shape"]))
    return np.frombuffer(data, np.uint8, count=footer["count"] * features, offset=64).reshape(-1, features) / np.float32(255)


def load_mnist_labels(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x00\x00\x08\x01", "not an IDX label file"
    return torch.from_numpy(np.frombuffer(data, np.uint8, offset=8).astype(np.int64))


def make_classifier(widths, activation):
    act = {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}[activation]
    sizes = [784] + widths
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), act()]
    return nn.Sequential(*layers, nn.Linear(sizes[-1], 10))


def make_objective(model):
    spec, enc, dec = model.spec, model.encoder, model.decoder
    head = spec["code_head"]
    one_layer_sigmoid = len(spec["layers"]) == 0 and spec["arch"] == "dense" and head == "plain"

    def reconstruction(logits, xb):
        if spec["loss"] == "bce":
            return F.binary_cross_entropy_with_logits(logits, xb)
        return F.mse_loss(torch.sigmoid(logits) if spec["output"] == "sigmoid" else logits, xb)

    def objective(xb):
        inp = corrupted(xb, spec)
        if head == "gaussian":
            mu, logvar = enc(inp).chunk(2, 1)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            nll = F.binary_cross_entropy_with_logits(dec(z), xb, reduction="sum") / xb.shape[0]
            kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum() / xb.shape[0]
            return nll + spec["beta"] * kl
        if head == "binary":
            logits = enc(inp)
            codes = torch.sigmoid(logits + spec["noise_end"] * torch.randn_like(logits))
            loss = F.binary_cross_entropy_with_logits(dec(codes), xb) + bit_penalties(codes, spec)
            if spec["neighbour_pull"] > 0:  # rows i and i + B/2: an image and a neighbour
                anchors, partners = codes.chunk(2, 0)
                loss = loss + spec["neighbour_pull"] * (anchors - partners).pow(2).mean()
            return loss
        estimator = spec["contractive"] > 0 and not one_layer_sigmoid
        if estimator:
            inp = inp.detach().requires_grad_(True)
        codes = enc(inp)
        loss = reconstruction(dec(codes), xb) + sparsity(codes, spec)
        if spec["contractive"] > 0:
            if not estimator:  # code = sigmoid(W x + b)
                jac = ((codes * (1 - codes)) ** 2) @ (enc[0].weight ** 2).sum(1)
            else:
                v = torch.randint(0, 2, codes.shape).float() * 2 - 1
                jac = torch.autograd.grad(codes, inp, v, create_graph=True)[0].pow(2).sum(1)
            loss = loss + spec["contractive"] * jac.mean()
        return loss

    return objective


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model", nargs="?")
    p.add_argument("--classifier", help="widths of a classifier's hidden layers, e.g. 1000,1000,1000")
    p.add_argument("--activation", default="sigmoid")
    p.add_argument("--corrupt", default="none")
    p.add_argument("--pack", help="train on this latent pack's images instead of MNIST's")
    p.add_argument("--data", default=os.path.join(here, "../../data/mnist"))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--limit", type=int, default=20000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--torch-threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.torch_threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(0)
    if args.pack:
        x = torch.from_numpy(load_pack_images(args.pack))[:args.limit]
        y = torch.zeros(x.shape[0], dtype=torch.int64)
    else:
        x = torch.from_numpy(load_mnist_images(os.path.join(args.data, "train-images-idx3-ubyte")))[:args.limit]
        y = load_mnist_labels(os.path.join(args.data, "train-labels-idx1-ubyte"))[:args.limit]
    if args.classifier:
        model = make_classifier([int(w) for w in args.classifier.split(",")], args.activation).train()
        spec = {"corrupt": args.corrupt}
        objective = lambda xb, yb: F.cross_entropy(model(corrupted(xb, spec)), yb)
        pairs = False
    else:
        model = latent_torch.load(args.model).train()
        objective = make_objective(model)
        objective_of_x = objective
        objective = lambda xb, yb: objective_of_x(xb)
        pairs = model.spec["code_head"] == "binary" and model.spec["neighbour_pull"] > 0
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    neighbours = pixel_neighbours(x, model.spec["neighbours"]) if pairs else None
    anchors_per_step = args.batch // 2 if pairs else args.batch
    n, best = x.shape[0], 0.0
    for epoch in range(args.epochs):
        order = torch.randperm(n)
        start, rows = time.perf_counter(), 0
        for i in range(0, n, anchors_per_step):
            batch = order[i:i + anchors_per_step]
            if pairs:
                pick = torch.randint(neighbours.shape[1], (batch.shape[0],))
                batch = torch.cat([batch, neighbours[batch, pick]])
            xb, yb = x.index_select(0, batch), y.index_select(0, batch)
            opt.zero_grad()
            loss = objective(xb, yb)
            loss.backward()
            opt.step()
            loss.item()
            rows += batch.shape[0]
        best = max(best, rows / (time.perf_counter() - start))
    print(json.dumps({"images_per_s": best, "loss": loss.item(), "torch_threads": args.torch_threads,
                      "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}))


if __name__ == "__main__":
    main()
