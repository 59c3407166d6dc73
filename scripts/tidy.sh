#!/usr/bin/env bash
# clang-tidy's bugprone and performance checks (.clang-tidy) on the torch-free layers (base, io,
# search, metrics): ~1 min. The torch layers parse LibTorch's headers for ~20 s a file, too slow
# for every run: `scripts/tidy.sh src/model/*.cpp` checks chosen files. Needs a configured build/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ -f build/compile_commands.json ] || cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
if (($#)); then files=("$@"); else files=(src/base/*.cpp src/io/*.cpp src/search/*.cpp src/metrics/*.cpp); fi
if ! report=$(clang-tidy -p build --quiet "${files[@]}" 2>&1); then
  grep -E "(warning|error):" <<<"$report" | sort -u >&2
  echo "tidy: clang-tidy found the problems above" >&2
  exit 1
fi
echo "tidy: ${#files[@]} files clean"
