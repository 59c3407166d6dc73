"""One-class baselines for bench/oneclass.sh, scikit-learn (Debian python3-sklearn): for each
class as normal, fit on that class's training images and score all 10k test images (pixels in
[0,1]); ROC AUC with the other classes as anomalies.
  PCA-32 reconstruction error | Isolation Forest (100 trees) | OC-SVM (rbf, gamma='scale',
  nu=0.1, fitted on 2,000 of the class's images).
Usage: oneclass_baselines.py mnist|fashion-mnist CLASS [CLASS ...]   One JSON line per class."""
import glob
import gzip
import json
import os
import struct
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.svm import OneClassSVM


def idx(name, pattern):
    roots = [os.environ.get("LATENT_DATA", ""), os.path.join(os.path.dirname(__file__), "../../data"),
             "/usr/share/datasets"]
    path = sorted(p for r in roots if r for p in glob.glob(f"{r}/{name}/{pattern}"))[0]
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = struct.unpack(">" + "I" * data[3], data[4:4 + 4 * data[3]])
    return np.frombuffer(data[4 + 4 * data[3]:], np.uint8).reshape(dims[0], -1)


name = sys.argv[1]
x_train = idx(name, "train-images*") / 255.0
y_train = idx(name, "train-labels*").ravel()
x_test = idx(name, "t10k-images*") / 255.0
y_test = idx(name, "t10k-labels*").ravel()
for c in (int(a) for a in sys.argv[2:]):
    normal = x_train[y_train == c]
    anomalous = y_test != c
    pca = PCA(32, random_state=0).fit(normal)
    pca_score = ((pca.inverse_transform(pca.transform(x_test)) - x_test) ** 2).sum(1)
    forest = IsolationForest(n_estimators=100, random_state=0).fit(normal)
    subset = normal[np.random.default_rng(0).permutation(len(normal))[:2000]]
    svm = OneClassSVM(kernel="rbf", gamma="scale", nu=0.1).fit(subset)
    print(json.dumps({"class": c, "pca32": round(roc_auc_score(anomalous, pca_score), 4),
                      "isolation_forest": round(roc_auc_score(anomalous, -forest.score_samples(x_test)), 4),
                      "ocsvm": round(roc_auc_score(anomalous, -svm.score_samples(x_test)), 4)}), flush=True)
