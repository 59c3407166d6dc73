"""Models that `latent export --format torch` wrote, as torch.nn.Module objects.

    import latent_torch
    model = latent_torch.load("m.pt")        # encode, decode, forward as latent's own model
    codes = model.encode(model.prepare(raw))  # raw pixels 0..255 (or a table's numbers)

The file is a dict torch.load reads: the spec and normalisation as JSON text, and the encoder's and
decoder's steps in order, each naming what it does with its weights. Nothing here re-derives the
architecture from the spec: the steps are the model.
"""
import json

import torch


class _View(torch.nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape = list(shape)

    def forward(self, x):
        return x.reshape([x.shape[0]] + self.shape)


def _layer(step):
    kind = step["kind"]
    if kind in ("linear", "conv2d", "conv_transpose2d"):
        weight, bias = step["weight"], step["bias"]
        if kind == "linear":
            layer = torch.nn.Linear(weight.shape[1], weight.shape[0])
        elif kind == "conv2d":
            layer = torch.nn.Conv2d(weight.shape[1], weight.shape[0], tuple(weight.shape[2:]),
                                    stride=tuple(step["stride"]), padding=tuple(step["padding"]))
        else:
            layer = torch.nn.ConvTranspose2d(weight.shape[0], weight.shape[1], tuple(weight.shape[2:]),
                                             stride=tuple(step["stride"]), padding=tuple(step["padding"]),
                                             output_padding=tuple(step["output_padding"]))
        with torch.no_grad():
            layer.weight.copy_(weight)
            layer.bias.copy_(bias)
        return layer
    simple = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "selu": torch.nn.SELU,
              "flatten": lambda: torch.nn.Flatten(1)}
    if kind in simple:
        return simple[kind]()
    if kind == "view":
        return _View(step["shape"])
    raise ValueError(f"unknown step '{kind}': exported by a newer latent?")


class LatentModel(torch.nn.Module):
    """encode(x) -> codes (a variational model: the posterior mean; bits: the sigmoid before
    thresholding), decode(codes) -> outputs (sigmoid for [0,1] data), forward = decode(encode(x)).
    Inputs are normalised values; prepare(raw) makes them from raw ones."""

    def __init__(self, saved):
        super().__init__()
        if saved.get("format") != "latent torch export" or saved.get("version") != 1:
            raise ValueError("not a latent torch export of version 1")
        self.spec = json.loads(saved["spec"])
        self.normalization = json.loads(saved["normalization"])
        self.encoder = torch.nn.Sequential(*[_layer(s) for s in saved["encoder"]])
        self.decoder = torch.nn.Sequential(*[_layer(s) for s in saved["decoder"]])

    def prepare(self, raw):
        norm = self.normalization
        raw = torch.as_tensor(raw, dtype=torch.float32)
        if norm["kind"] == "scale":
            return raw / norm["divisor"]
        if norm["kind"] == "standardize":
            return (raw - torch.tensor(norm["mean"])) / torch.tensor(norm["stddev"])
        raise ValueError(f"normalisation '{norm['kind']}' is not exported")

    def encode(self, x):
        out = self.encoder(x)
        head = self.spec.get("code_head", "plain")
        if head == "binary":
            return torch.sigmoid(out)
        if head == "gaussian":
            return out.chunk(2, 1)[0]
        return out

    def decode(self, codes):
        logits = self.decoder(codes)
        return torch.sigmoid(logits) if self.spec["output"] == "sigmoid" else logits

    def forward(self, x):
        return self.decode(self.encode(x))


def load(path):
    """The model in `path` (from `latent export --format torch`), in eval mode."""
    return LatentModel(torch.load(path)).eval()
