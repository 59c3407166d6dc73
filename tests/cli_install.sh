#!/usr/bin/env bash
# The installed package: `cmake --install` into a scratch prefix, then examples/ configured and
# built against that prefix alone (find_package(latent), and once through pkg-config) and run: a
# folder of images searched by a query image, a CSV scored by a detector. liblatent.so exports
# the facade and nothing else.
# Usage: cli_install.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 source=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_lib.sh
source "$here/cli_lib.sh"
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >"$work/install.log" 2>&1 || { cat "$work/install.log"; exit 1; }
for f in bin/latent include/latent/latent.h include/latent/base/error.h lib/cmake/latent/latentConfig.cmake \
  lib/cmake/latent/latentConfigVersion.cmake lib/pkgconfig/latent.pc; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
lib=$(ls "$prefix"/lib/liblatent.so.* 2>/dev/null | head -1)
[ -n "$lib" ] || fail "not installed: lib/liblatent.so.*"
version=$("$prefix/bin/latent" --version)
[[ "$version" == "latent $(sed -n 's/^project(latent VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")" ]] ||
  fail "latent --version says '$version'"
# Only the facade leaves the library: its LibTorch, FAISS and SQLite stay inside.
others=$(nm -DC --defined-only "$lib" | awk '{ $1 = ""; $2 = ""; print }' | grep -v '^  latent::api::' |
  grep -v 'latent::Error' | grep -v '^  LATENT_' | head -5)
[ -z "$others" ] || fail "liblatent.so exports more than the facade: $others"

cmake -S "$source/examples" -B "$work/examples" -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log" 2>&1 &&
  cmake --build "$work/examples" -j2 >"$work/build.log" 2>&1 || { cat "$work/configure.log" "$work/build.log"; exit 1; }
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" g++ -o "$work/score_csv_pc" "$source/examples/score_csv.cpp" \
  $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs latent) 2>"$work/pc.log" ||
  fail "pkg-config build: $(cat "$work/pc.log")"

# 60 MNIST digits as PNG files, a model of them, and a search for one of them.
/usr/bin/python3 - "$source/data/mnist/t10k-images-idx3-ubyte" "$work/digits" <<'PY'
import os, sys
from PIL import Image
raw = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2])
for i in range(60):
    Image.frombytes("L", (28, 28), raw[16 + 784 * i: 16 + 784 * (i + 1)]).save(f"{sys.argv[2]}/digit{i:02d}.png")
PY
run "$prefix/bin/latent" train --data "images:$work/digits" --layers 32 --latent 8 --epochs 3 --val 0 --out "$work/d.model"
"$work/examples/search_images" "$work/d.model" "$work/digits" "$work/digits/digit07.png" 3 >"$work/hits" 2>&1 ||
  fail "search_images: $(cat "$work/hits")"
[ "$(head -1 "$work/hits")" = "100% $work/digits/digit07.png" ] || fail "search_images: first hit: $(cat "$work/hits")"
[ "$(wc -l <"$work/hits")" -eq 3 ] || fail "search_images: not 3 hits: $(cat "$work/hits")"
expect_bad "search_images with no model" "bad.model" "$work/examples/search_images" "$work/bad.model" "$work/digits" x.png

# A table with a column of words and blanks: rows 1-3 of the test file are far from the rest.
/usr/bin/python3 - "$work" <<'PY'
import random, sys
random.seed(1)
def row(far):
    x = random.gauss(0, 1)
    return f"{x + 12 * far:.3f},{2 * x + random.gauss(0, 0.1):.3f},{random.choice(['paris', 'lyon', ''])}"
with open(f"{sys.argv[1]}/train.csv", "w") as f:
    f.write("a,b,city\n" + "\n".join(row(0) for _ in range(400)) + "\n")
with open(f"{sys.argv[1]}/test.csv", "w") as f:
    f.write("a,b,city\n" + "\n".join(row(i < 3) for i in range(40)) + "\n")
PY
run "$prefix/bin/latent" train --data "csv:$work/train.csv" --seed 1 --out "$work/t.model"
run "$prefix/bin/latent" anomaly fit --model "$work/t.model" --data "csv:$work/train.csv" --threshold quantile:0.99 \
  --out "$work/t.det" >/dev/null
for program in "$work/examples/score_csv" "$work/score_csv_pc"; do
  LD_LIBRARY_PATH="$prefix/lib" "$program" "$work/t.det" "$work/test.csv" >"$work/flagged" 2>&1 ||
    fail "$program: $(cat "$work/flagged")"
  for r in 1 2 3; do grep -q "^row $r: " "$work/flagged" || fail "$program: row $r not flagged: $(cat "$work/flagged")"; done
  [ "$(grep -c '^row ' "$work/flagged")" -le 5 ] || fail "$program: too many rows flagged: $(cat "$work/flagged")"
done

# The Python module, from the prefix as Debian lays it out.
PYTHONPATH="$prefix/lib/python3/dist-packages" /usr/bin/python3 -c 'import latent; print(latent.__version__)' \
  >"$work/py" 2>&1 || fail "import latent from the prefix: $(cat "$work/py")"
[ "latent $(cat "$work/py")" = "$version" ] || fail "latent.__version__ is '$(cat "$work/py")', the CLI's '$version'"

((failures == 0)) || exit 1
echo "cli_install: installed, examples built against the prefix, searched and scored"
