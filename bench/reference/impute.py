#!/usr/bin/python3
"""Filling blanks: scikit-learn's bundled tables with a share of their cells emptied at random.

  impute.py prepare DIR SHARE SEED   writes DIR/NAME/{full.csv, blanks.csv, emptied.npy} per table
  impute.py score DIR NAME FILLED    prints one JSON line: the error of FILLED and of scikit-learn's
                                     imputers on the emptied cells
The error is the root mean square over the emptied cells of (filled - true) / the column's
standard deviation (0: exact; 1: about what the column's mean gives). Baselines (scikit-learn 1.2):
SimpleImputer (mean), KNNImputer (5 neighbours), IterativeImputer (BayesianRidge, 10 rounds,
random_state 0), each fitted on the table with its blanks, as latent is.
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import sklearn.datasets as datasets
from sklearn.experimental import enable_iterative_imputer  # noqa: F401 (makes IterativeImputer importable)
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer

TABLES = {"wine": datasets.load_wine, "breast_cancer": datasets.load_breast_cancer,
          "diabetes": datasets.load_diabetes, "digits": datasets.load_digits}


def prepare(out, share, seed):
    rng = np.random.default_rng(seed)
    for name, load in TABLES.items():
        frame = load(as_frame=True).frame.drop(columns="target")
        frame = frame.loc[:, frame.std() > 0]  # digits: pixels that are 0 in every image
        emptied = rng.random(frame.shape) < share
        emptied[emptied.all(axis=1), 0] = False  # a row keeps at least one cell
        blanks = frame.astype(object).mask(emptied, "")
        os.makedirs(f"{out}/{name}", exist_ok=True)
        frame.to_csv(f"{out}/{name}/full.csv", index=False)
        blanks.to_csv(f"{out}/{name}/blanks.csv", index=False)
        np.save(f"{out}/{name}/emptied.npy", emptied)


def score(out, name, filled_path):
    full = pd.read_csv(f"{out}/{name}/full.csv")
    blanks = pd.read_csv(f"{out}/{name}/blanks.csv").values.astype(float)
    emptied = np.load(f"{out}/{name}/emptied.npy")
    truth = full.values.astype(float)
    spread = truth.std(axis=0)

    def error(filled):
        assert filled.shape == truth.shape and not np.isnan(filled).any()
        return float(np.sqrt((((filled - truth) / spread)[emptied] ** 2).mean()))

    filled = pd.read_csv(filled_path)[list(full.columns)].values.astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # IterativeImputer's "did not converge"
        row = {"table": name, "rows": len(truth), "columns": truth.shape[1], "emptied": int(emptied.sum()),
               "latent": error(filled), "mean": error(SimpleImputer().fit_transform(blanks)),
               "knn5": error(KNNImputer().fit_transform(blanks)),
               "iterative": error(IterativeImputer(max_iter=10, random_state=0).fit_transform(blanks))}
    print(json.dumps(row))


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))
    else:
        score(sys.argv[2], sys.argv[3], sys.argv[4])
