#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, training on MNIST slices, CLI end to end).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j 2 --timeout 1200
