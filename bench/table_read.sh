#!/usr/bin/env bash
# Reading a long table: a generated CSV of 1,000,000 rows x 50 columns (45 numbers, 5 columns of
# words, 2% of cells empty) read by latent's CSV reader (bench/read_one csv: the reader alone, in a
# process without LibTorch, timed whole) and by pandas.read_csv (the call alone, timed inside
# Python) in the same run, interleaved, best of 3; then
# `latent train` on it for one epoch, its peak memory beside the float32 size of the encoded data
# and the peak of the same command on the file's first 1,000 rows (what any `latent train` holds:
# LibTorch's code and runtime, the model; the data there is 0.4 MB).
# Usage: bench/table_read.sh [--rows 1000000]   Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=1000000
while [ $# -gt 0 ]; do
  case $1 in
    --rows) rows=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
build="$root/build"
[ -x "$build/bench/read_one" ] || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
. "$root/bench/bench_lib.sh"

/usr/bin/python3 - "$tmp/big.csv" "$rows" <<'PY'
import sys
import numpy as np
path, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
words = np.array(["paris", "lyon", "nice", "lille", "rennes", "brest", "metz", "caen"])
with open(path, "w") as f:
    f.write(",".join([f"x{i}" for i in range(45)] + [f"w{i}" for i in range(5)]) + "\n")
    for start in range(0, rows, 100000):
        n = min(100000, rows - start)
        numbers = np.char.mod("%.4f", rng.normal(size=(n, 45)).astype(np.float32))
        cells = np.concatenate([numbers, words[rng.integers(0, len(words), size=(n, 5))]], axis=1)
        cells[rng.random(cells.shape) < 0.02] = ""
        f.write("\n".join(",".join(r) for r in cells) + "\n")
PY
echo "$(du -h "$tmp/big.csv" | cut -f1) CSV, $rows rows" >&2

seconds() { /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null; cat "$tmp/time"; }
best_latent=1e9 best_pandas=1e9 rss_latent=0 rss_pandas=0
for round in 1 2 3; do
  read -r s m < <(seconds "$build/bench/read_one" csv "$tmp/big.csv")
  number "latent read seconds, round $round" "$s"
  best_latent=$(/usr/bin/python3 -c "print(min($best_latent, $s))"); rss_latent=$m
  # pandas: the read_csv call alone, timed inside Python (its start and import are not counted).
  # The file goes first: a failed round must not reuse the last round's time.
  rm -f "$tmp/pandas_s"
  read -r _ m < <(seconds /usr/bin/python3 -c "
import sys, time, pandas
t = time.perf_counter(); pandas.read_csv(sys.argv[1]); open(sys.argv[2], 'w').write(str(time.perf_counter() - t))" \
    "$tmp/big.csv" "$tmp/pandas_s")
  p=$(cat "$tmp/pandas_s" 2>/dev/null || true)
  number "pandas read seconds, round $round" "$p"
  best_pandas=$(/usr/bin/python3 -c "print(round(min($best_pandas, $p), 2))"); rss_pandas=$m
  echo "round $round: latent ${best_latent}s, pandas ${best_pandas}s (best so far)" >&2
done
# One epoch of the table recipe's model: peak memory against the encoded data's float32 size.
read -r train_s train_kb < <(seconds "$build/latent" train --data "csv:$tmp/big.csv" --epochs 1 --val 0 \
  --out "$tmp/m.latent")
head -n 1001 "$tmp/big.csv" >"$tmp/head.csv"
read -r _ base_kb < <(seconds "$build/latent" train --data "csv:$tmp/head.csv" --epochs 1 --val 0 --out "$tmp/head.latent")
width=$("$build/latent" info "$tmp/m.latent" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["input_shape"][0])')
data_mb=$(/usr/bin/python3 -c "print(round($rows * $width * 4 / 2**20))")
echo "read: latent ${best_latent}s (peak $((rss_latent / 1024)) MB), pandas ${best_pandas}s (peak $((rss_pandas / 1024)) MB)"
echo "train, 1 epoch: ${train_s}s, peak $((train_kb / 1024)) MB; the encoded data in float32: ${data_mb} MB ($width values a row)"
echo "the same on the first 1,000 rows: peak $((base_kb / 1024)) MB; the long table's peak above it: $(((train_kb - base_kb) / 1024)) MB"
/usr/bin/python3 -c "import json; print(json.dumps({'rows': $rows, 'latent_read_s': $best_latent, 'pandas_read_s': $best_pandas,
  'read_speedup': round($best_pandas / $best_latent, 2), 'latent_read_peak_mb': $rss_latent // 1024,
  'pandas_read_peak_mb': $rss_pandas // 1024, 'train_epoch_s': $train_s, 'train_peak_mb': $train_kb // 1024,
  'encoded_float32_mb': $data_mb, 'train_base_peak_mb': $base_kb // 1024,
  'train_peak_over_base_mb': ($train_kb - $base_kb) // 1024}))"
