"""One-class benchmark tasks on tables, written as CSV files, for bench/tabular_oneclass.sh.

Usage: /usr/bin/python3 bench/tabular_data.py OUT_DIR [TASK ...]     (default: every task)

Each task is a folder OUT_DIR/<task>/ holding
  train.csv   60% of the task's normal rows (a fixed random draw), label 0
  test.csv    the other 40% of the normal rows (label 0), then every anomalous row (label 1)
Both start with a header row; the last column is `label`.

Tasks
  breast_cancer         scikit-learn's Wisconsin table: benign tumours normal, malignant ones anomalous
  wine_0..wine_2        scikit-learn's wine table: one cultivar normal, the other two anomalous
  digits_0..digits_9    scikit-learn's 8x8 digits, columns pixel_0..pixel_63 (0..16): one digit normal
  fashion_0..fashion_9  Fashion-MNIST as a table, columns pixel_0..pixel_783 (0..255), from a fixed
                        10,000-image subsample of its training set: one class normal, the others anomalous
  mixed                 a generated customer table of numbers, words and 5% empty cells; each anomaly is
                        a normal row with exactly one changed cell, listed in mixed/planted.csv
  orders                a spreadsheet export of orders (an order number, a customer name, money, shares
                        and thousands formatted: "$15,739.41", 4%, "1,291"): train.csv the first 600
                        orders, test.csv the next 220, of which 20 (at random) are charged 3 to 10
                        times their units' price (anomalous); split by time, not at random
Every draw comes from a fixed seed: each run writes the same files.
"""
import csv
import gzip
import os
import struct
import sys

import numpy as np
from sklearn import datasets

SEED = 0
FASHION = "/usr/share/datasets/fashion-mnist"
FASHION_ROWS = 10_000  # the subsample of Fashion-MNIST's 60,000 training images
FASHION_MAX_ANOMALIES = 2_000  # per task in test.csv (of ~9,000), to keep the files moderate


def write_csv(path, header, rows):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_task(out, task, header, normal, anomalies):
    """Split the normal rows 60/40 and write train.csv and test.csv (normal rows, then anomalies).
    Rows are lists of cells (strings). Returns the number of normal rows in test.csv."""
    order = np.random.default_rng(SEED).permutation(len(normal))
    n_train = round(0.6 * len(normal))
    train = [normal[i] for i in order[:n_train]]
    test = [normal[i] for i in order[n_train:]]
    folder = os.path.join(out, task)
    os.makedirs(folder, exist_ok=True)
    write_csv(os.path.join(folder, "train.csv"), header + ["label"], [row + ["0"] for row in train])
    write_csv(os.path.join(folder, "test.csv"), header + ["label"],
              [row + ["0"] for row in test] + [row + ["1"] for row in anomalies])
    print(f"{task}: train {len(train)} rows, test {len(test) + len(anomalies)} rows "
          f"({len(test)} normal, {len(anomalies)} anomalous)", file=sys.stderr)
    return len(test)


def one_class_tasks(out, prefix, header, cells, target, classes, max_anomalies=None):
    """One task per class c: rows of class c are normal, all other rows anomalous."""
    for c in classes:
        normal = [cells[i] for i in np.flatnonzero(target == c)]
        others = np.flatnonzero(target != c)
        if max_anomalies is not None and len(others) > max_anomalies:
            others = np.sort(np.random.default_rng(SEED).choice(others, max_anomalies, replace=False))
        write_task(out, f"{prefix}_{c}", header, normal, [cells[i] for i in others])


def sklearn_table(loader):
    bunch = loader()
    return [name.replace(" ", "_") for name in bunch.feature_names], bunch.data, bunch.target


def breast_cancer(out):
    header, x, y = sklearn_table(datasets.load_breast_cancer)
    cells = [[repr(float(v)) for v in row] for row in x]
    write_task(out, "breast_cancer", header, [cells[i] for i in np.flatnonzero(y == 1)],  # 1 = benign
               [cells[i] for i in np.flatnonzero(y == 0)])


def wine(out):
    header, x, y = sklearn_table(datasets.load_wine)
    one_class_tasks(out, "wine", header, [[repr(float(v)) for v in row] for row in x], y, [0, 1, 2])


def digits(out):
    bunch = datasets.load_digits()
    header = [f"pixel_{i}" for i in range(bunch.data.shape[1])]
    one_class_tasks(out, "digits", header, bunch.data.astype(int).astype(str).tolist(), bunch.target, list(range(10)))


def read_idx(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = struct.unpack(">" + "I" * data[3], data[4:4 + 4 * data[3]])
    return np.frombuffer(data[4 + 4 * data[3]:], np.uint8).reshape(dims[0], -1)


def idx_file(name):
    """FASHION/name, or FASHION/name.gz."""
    path = os.path.join(FASHION, name)
    return path if os.path.exists(path) else path + ".gz"


def fashion(out):
    x = read_idx(idx_file("train-images-idx3-ubyte"))
    y = read_idx(idx_file("train-labels-idx1-ubyte")).ravel()
    keep = np.sort(np.random.default_rng(SEED).permutation(len(x))[:FASHION_ROWS])
    header = [f"pixel_{i}" for i in range(x.shape[1])]
    one_class_tasks(out, "fashion", header, x[keep].astype(str).tolist(), y[keep], list(range(10)),
                    max_anomalies=FASHION_MAX_ANOMALIES)


# The generated `mixed` table: customers of a subscription service.
COLUMNS = ["age", "city", "region", "income", "height", "weight", "plan", "device", "tenure", "sessions", "spend"]
DECIMALS = {"age": 0, "income": 0, "height": 1, "weight": 1, "tenure": 0, "sessions": 0, "spend": 2}  # the numbers
CITIES = {"paris": 0.40, "lyon": 0.20, "marseille": 0.15, "lille": 0.10, "nice": 0.10, "rennes": 0.05}
REGION = {"paris": "idf", "lyon": "auvergne", "marseille": "provence", "nice": "provence", "lille": "nord",
          "rennes": "bretagne"}  # the city determines the region
PLANS = {"basic": 0.6, "plus": 0.3, "pro": 0.1}
DEVICES = {"mobile": 0.6, "desktop": 0.3, "tablet": 0.1}  # basic and plus; pro is desktop only
PRICE = {"basic": 10.0, "plus": 25.0, "pro": 60.0}
WEIGHT_NOISE = 3.0  # kg around height - 100: weight and height correlate at about 0.95
N_NORMAL, N_PER_KIND, MISSING = 4000, 100, 0.05


def pick(rng, weights):
    return str(rng.choice(list(weights), p=list(weights.values())))


def customer(rng):
    """One normal row, as a dict of numbers and words."""
    age = float(np.clip(rng.normal(40, 12), 18, 80))
    height = rng.normal(170, 9)
    city, plan = pick(rng, CITIES), pick(rng, PLANS)
    device = "desktop" if plan == "pro" else pick(rng, DEVICES)
    return {"age": age, "city": city, "region": REGION[city],
            "income": np.exp(rng.normal(10.2 + 0.01 * age, 0.35)),  # grows with age
            "height": height, "weight": height - 100 + rng.normal(0, WEIGHT_NOISE),
            "plan": plan, "device": device,
            "tenure": rng.integers(0, 121),  # months
            "sessions": rng.poisson(8 if device == "desktop" else 5),  # a week
            "spend": PRICE[plan] * rng.uniform(0.8, 1.2)}


def plant(row, kind, rng, stats):
    """Change exactly one cell of a normal row. Returns (column, cells that must stay present),
    or None when this row does not suit the change drawn (the caller draws another row)."""
    if kind == "out_of_range":  # 6 to 9 standard deviations above the column's largest normal value
        column = str(rng.choice(list(DECIMALS)))
        row[column] = stats[column]["max"] + rng.uniform(6, 9) * stats[column]["std"]
        return column, [column]
    if kind == "impossible_combination":  # a pair that never occurs in normal rows
        column = str(rng.choice(["city", "region", "plan", "device"]))
        if column == "region":
            row["region"] = str(rng.choice(sorted(set(REGION.values()) - {REGION[row["city"]]})))
            return column, ["region", "city"]
        if column == "city":
            row["city"] = str(rng.choice([c for c in CITIES if REGION[c] != row["region"]]))
            return column, ["city", "region"]
        if column == "plan" and row["device"] != "desktop":
            row["plan"] = "pro"
            return column, ["plan", "device"]
        if column == "device" and row["plan"] == "pro":
            row["device"] = str(rng.choice(["mobile", "tablet"]))
            return column, ["device", "plan"]
        return None
    # broken_correlation: weight 5 to 8 noise deviations off height - 100, inside weight's normal 1%..99% range
    expected = row["height"] - 100
    for sign in rng.permutation([-1, 1]):
        weight = expected + sign * rng.uniform(5, 8) * WEIGHT_NOISE
        if stats["weight"]["p01"] <= weight <= stats["weight"]["p99"]:
            row["weight"] = weight
            return "weight", ["weight", "height"]
    return None


def cells(row, rng, keep=()):
    """The row as CSV cells: numbers rounded to their column's decimals, about 5% of cells empty
    (never those in keep)."""
    out = []
    for column in COLUMNS:
        value = row[column]
        if column in DECIMALS:
            value = f"{value:.{DECIMALS[column]}f}"
        out.append("" if column not in keep and rng.random() < MISSING else value)
    return out


def mixed(out):
    rng = np.random.default_rng(SEED)
    normal_rows = [customer(rng) for _ in range(N_NORMAL)]
    stats = {c: {"max": max(r[c] for r in normal_rows), "std": float(np.std([r[c] for r in normal_rows]))}
             for c in DECIMALS}
    stats["weight"]["p01"], stats["weight"]["p99"] = np.percentile([r["weight"] for r in normal_rows], [1, 99])
    normal = [cells(r, rng) for r in normal_rows]
    anomalies, planted = [], []
    for kind in ["out_of_range", "impossible_combination", "broken_correlation"] * N_PER_KIND:
        change = None
        while change is None:
            row = customer(rng)
            change = plant(row, kind, rng, stats)
        column, keep = change
        anomalies.append(cells(row, rng, keep))
        planted.append((column, kind))
    first = write_task(out, "mixed", COLUMNS, normal, anomalies)
    write_csv(os.path.join(out, "mixed", "planted.csv"), ["row", "column", "kind"],
              [(first + i, column, kind) for i, (column, kind) in enumerate(planted)])


def orders(out):
    rng = np.random.default_rng(SEED)

    def order(number, overcharge=1.0):
        units = int(rng.integers(10, 2000))
        price = rng.uniform(5, 50)
        return [str(number), f"customer {number}", f"${units * price * overcharge:,.2f}",
                f"{int(rng.integers(0, 31))}%", f"{units:,}"]

    header = ["order", "name", "amount", "discount", "units", "label"]
    folder = os.path.join(out, "orders")
    os.makedirs(folder, exist_ok=True)
    write_csv(os.path.join(folder, "train.csv"), header, [order(1000 + i) + ["0"] for i in range(600)])
    overcharged = set(rng.choice(220, 20, replace=False).tolist())
    write_csv(os.path.join(folder, "test.csv"), header,
              [order(1600 + i, rng.uniform(3, 10)) + ["1"] if i in overcharged else order(1600 + i) + ["0"]
               for i in range(220)])
    print("orders: train 600 rows, test 220 rows (200 normal, 20 anomalous)", file=sys.stderr)


TASKS = {"breast_cancer": breast_cancer, "wine": wine, "digits": digits, "fashion": fashion, "mixed": mixed,
         "orders": orders}

if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out, wanted = sys.argv[1], sys.argv[2:]
    for name, make in TASKS.items():
        # A generator writes all of its tasks (wine_0..wine_2 together); the extra ones are cheap.
        if not wanted or any(w == name or w.startswith(name + "_") for w in wanted):
            make(out)
