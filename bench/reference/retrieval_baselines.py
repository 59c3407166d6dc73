"""Retrieval baselines for bench/retrieval.sh: raw pixels and PCA-B floats, L2, database = MNIST
train (60k), 1,000 random test queries (numpy seed 0: not the same draw as latent's), relevant =
same label. Prints one JSON line per baseline: map (whole ranking) and precision_at_100.
Run with /usr/bin/python3 (Debian's numpy)."""
import argparse, json, os

import numpy as np


def idx(path):
    data = open(path, "rb").read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def scores(db, db_labels, queries, query_labels):
    aps, p100 = [], []
    db_sq = (db * db).sum(1)
    for start in range(0, len(queries), 100):
        q = queries[start:start + 100]
        dist = db_sq[None, :] - 2 * q @ db.T  # + |q|^2, constant per query
        order = np.argsort(dist, axis=1, kind="stable")
        for row, label in zip(order, query_labels[start:start + 100]):
            rel = db_labels[row] == label
            hits = np.cumsum(rel)
            aps.append((hits[rel] / (np.nonzero(rel)[0] + 1)).mean())
            p100.append(rel[:100].mean())
    return float(np.mean(aps)), float(np.mean(p100))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "../../data/mnist"))
    p.add_argument("--dims", type=int, default=32)
    p.add_argument("--n", type=int, default=1000)
    a = p.parse_args()
    x = idx(os.path.join(a.data, "train-images-idx3-ubyte")).reshape(60000, -1).astype(np.float32) / 255
    y = idx(os.path.join(a.data, "train-labels-idx1-ubyte")).astype(np.int64)
    tx = idx(os.path.join(a.data, "t10k-images-idx3-ubyte")).reshape(10000, -1).astype(np.float32) / 255
    ty = idx(os.path.join(a.data, "t10k-labels-idx1-ubyte")).astype(np.int64)
    pick = np.random.default_rng(0).permutation(10000)[:a.n]
    q, ql = tx[pick], ty[pick]
    m, p100 = scores(x, y, q, ql)
    print(json.dumps({"codes": "raw pixels", "dims": 784, "map": m, "precision_at_100": p100}))
    mean = x.mean(0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    w = vt[:a.dims].T
    m, p100 = scores((x - mean) @ w, y, (q - mean) @ w, ql)
    print(json.dumps({"codes": f"PCA-{a.dims}", "dims": a.dims, "map": m, "precision_at_100": p100}))


if __name__ == "__main__":
    main()
