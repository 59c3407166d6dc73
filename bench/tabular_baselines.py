"""One-class baselines for bench/tabular_oneclass.sh, scikit-learn (Debian python3-sklearn).

Usage: /usr/bin/python3 bench/tabular_baselines.py OUT_DIR [TASK ...]
  (OUT_DIR as written by bench/tabular_data.py; default: every task folder in it)

Each method is fitted on a task's train.csv (normal rows only; the `label` column dropped) and
scores its test.csv; ROC AUC with label 1 = anomaly, a higher score = more anomalous.
Preprocessing, the same for every method:
  - missing cells: empty, NA, NaN or ? (any case);
  - a column is categorical when any present train cell is not a number; it is one-hot encoded
    with the levels seen in train (an unseen level: all zeros). In a numeric column a test cell
    that is not a number counts as missing;
  - missing values take the train median (numbers) or the most frequent train level (categories);
  - then every column is standardised with StandardScaler fitted on train.
Methods (defaults unless said):
  isolation_forest  IsolationForest(random_state=0); score -score_samples
  ocsvm             OneClassSVM(kernel="rbf", gamma="scale", nu=0.1): nu bounds the share of training
                    rows left outside, 10% as in bench/reference/oneclass_baselines.py; score -score_samples
  lof               LocalOutlierFactor(novelty=True) (20 neighbours); score -score_samples
  pca               PCA keeping 90% of the train variance (n_components=0.9); score: squared
                    reconstruction error of the standardised row
Output: one JSON object per task on stdout: {"task", "isolation_forest", "ocsvm", "lof", "pca"}.
"""
import csv
import json
import os
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

MISSING = {"", "na", "nan", "?"}


def read(path):
    """(header without label, rows of cells without label, labels)"""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    label = rows[0].index("label")
    drop = lambda row: row[:label] + row[label + 1:]
    return drop(rows[0]), [drop(r) for r in rows[1:]], np.array([int(r[label]) for r in rows[1:]])


def number(cell):
    """The cell as a float; None when missing, NaN when not a number."""
    if cell.strip().lower() in MISSING:
        return None
    try:
        return float(cell)
    except ValueError:
        return float("nan")


def encoder(train):
    """From the train rows, a function turning rows into a numeric matrix (imputed, one-hot)."""
    columns = []  # one (index, None, median) per numeric column, (index, levels, most frequent) per categorical
    for j in range(len(train[0])):
        values = [number(row[j]) for row in train]
        present = [v for v in values if v is not None]
        if any(np.isnan(v) for v in present):
            cells = [row[j].strip() for row in train if number(row[j]) is not None]
            levels = sorted(set(cells))
            columns.append((j, levels, max(levels, key=cells.count)))
        else:
            columns.append((j, None, float(np.median(present)) if present else 0.0))

    def encode(rows):
        parts = []
        for j, levels, fill in columns:
            if levels is None:
                values = [number(row[j]) for row in rows]
                parts.append(np.array([[fill if v is None or np.isnan(v) else v] for v in values]))
            else:
                cells = [fill if number(row[j]) is None else row[j].strip() for row in rows]
                parts.append(np.array([[c == level for level in levels] for c in cells], dtype=float))
        return np.hstack(parts)
    return encode


def scores(x_train, x_test):
    """Anomaly scores of the test rows (higher = more anomalous), by method."""
    forest = IsolationForest(random_state=0).fit(x_train)
    svm = OneClassSVM(kernel="rbf", gamma="scale", nu=0.1).fit(x_train)
    lof = LocalOutlierFactor(novelty=True).fit(x_train)
    pca = PCA(n_components=0.9, random_state=0).fit(x_train)
    return {"isolation_forest": -forest.score_samples(x_test),
            "ocsvm": -svm.score_samples(x_test),
            "lof": -lof.score_samples(x_test),
            "pca": ((pca.inverse_transform(pca.transform(x_test)) - x_test) ** 2).sum(1)}


def task(folder):
    _, train, _ = read(os.path.join(folder, "train.csv"))
    _, test, labels = read(os.path.join(folder, "test.csv"))
    encode = encoder(train)
    x_train, x_test = encode(train), encode(test)
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)
    result = {"task": os.path.basename(folder)}
    for method, score in scores(x_train, x_test).items():
        result[method] = round(float(roc_auc_score(labels == 1, score)), 4)
    return result


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    tasks = sys.argv[2:] or sorted(t for t in os.listdir(out) if os.path.exists(os.path.join(out, t, "train.csv")))
    for name in tasks:
        print(json.dumps(task(os.path.join(out, name))), flush=True)
