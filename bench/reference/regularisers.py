"""PyTorch reference for bench/regularisers.sh: the same model, data, batch, optimizer and
regulariser as `latent train --latent L [--layers H] --code-activation A --batch 128 --lr 1e-3
--schedule constant --val 0 --limit N` plus one of --corrupt / --sparsity / --contractive, written
the way a PyTorch user would. Prints images/s of the training loop only (best epoch), as JSON.

Run with Debian's python: /usr/bin/python3 (python3-torch)."""
import argparse, json, os, sys, time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from train_throughput import load_mnist_images  # noqa: E402

ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "linear": nn.Identity}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../data/mnist"))
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--limit", type=int, default=20000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--layers", default="")
    p.add_argument("--latent", type=int, default=256)
    p.add_argument("--code-activation", default="sigmoid")
    p.add_argument("--corrupt", default="none")      # masking:P | gaussian:S
    p.add_argument("--sparsity", default="none")     # l1:W | kl:RHO,W
    p.add_argument("--contractive", type=float, default=0.0)
    p.add_argument("--torch-threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.torch_threads)
    torch.manual_seed(0)
    x = torch.from_numpy(load_mnist_images(os.path.join(args.data, "train-images-idx3-ubyte")))[:args.limit]
    widths = [784] + [int(w) for w in args.layers.split(",") if w] + [args.latent]
    enc, dec = [], []
    for i in range(len(widths) - 1):
        enc += [nn.Linear(widths[i], widths[i + 1])]
        enc += [ACTIVATIONS[args.code_activation]() if i + 2 == len(widths) else nn.ReLU()]
    for i in range(len(widths) - 1, 0, -1):
        dec += [nn.Linear(widths[i], widths[i - 1])] + ([nn.ReLU()] if i > 1 else [])
    encoder, decoder = nn.Sequential(*enc), nn.Sequential(*dec)
    params = list(encoder.parameters()) + list(decoder.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    kind, _, value = args.corrupt.partition(":")
    skind, _, svalue = args.sparsity.partition(":")
    one_layer = len(widths) == 2

    def objective(xb):
        inp = xb
        if kind == "masking":
            inp = xb * (torch.rand_like(xb) >= float(value))
        elif kind == "gaussian":
            inp = xb + float(value) * torch.randn_like(xb)
        if args.contractive > 0 and not one_layer:
            inp = inp.detach().requires_grad_(True)
        codes = encoder(inp)
        loss = nn.functional.binary_cross_entropy_with_logits(decoder(codes), xb)
        if skind == "l1":
            loss = loss + float(svalue) * codes.abs().mean()
        elif skind == "kl":
            rho, w = (float(v) for v in svalue.split(","))
            rho_hat = codes.mean(0).clamp(1e-6, 1 - 1e-6)
            loss = loss + w * (rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))).mean()
        if args.contractive > 0:
            if one_layer:  # closed form for code = sigmoid(W x + b)
                jac = ((codes * (1 - codes)) ** 2) @ (encoder[0].weight ** 2).sum(1)
            else:  # unbiased one-probe estimate E|v^T J|^2
                v = torch.randint(0, 2, codes.shape).float() * 2 - 1
                jac = torch.autograd.grad(codes, inp, v, create_graph=True)[0].pow(2).sum(1)
            loss = loss + args.contractive * jac.mean()
        return loss

    n = x.shape[0]
    best = 0.0
    for epoch in range(args.epochs):
        order = torch.randperm(n)
        start = time.perf_counter()
        for i in range(0, n, args.batch):
            xb = x.index_select(0, order[i:i + args.batch])
            opt.zero_grad()
            loss = objective(xb)
            loss.backward()
            opt.step()
            loss.item()
        rate = n / (time.perf_counter() - start)
        best = max(best, rate)
        print(f"epoch {epoch + 1}: loss {loss.item():.4f} {rate:.0f} images/s", file=sys.stderr)
    print(json.dumps({"images_per_s": best, "torch_threads": args.torch_threads,
                      "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS")}))


if __name__ == "__main__":
    main()
