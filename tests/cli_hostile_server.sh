#!/usr/bin/env bash
# Hostile requests against latent serve (tests/hostile_server.py) on a small model and index, then
# the thumbnails of an index (tests/serve_thumbnails.py).
# Usage: cli_hostile_server.sh path/to/latent
set -uo pipefail
latent=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$latent" train --data mnist --limit 1000 --latent 8 --epochs 1 --seed 1 --out "$work/ae.model" >/dev/null 2>&1 ||
  { echo "FAIL: training the test model"; exit 1; }
"$latent" index build --model "$work/ae.model" --data mnist --split test --limit 500 --out "$work/ae.index" \
  >/dev/null 2>&1 || { echo "FAIL: building the test index"; exit 1; }
PYTHONPATH="$here" /usr/bin/python3 "$here/hostile_server.py" "$root" "$latent" "$work/ae.model" "$work/ae.index"
status=$?
PYTHONPATH="$here" /usr/bin/python3 "$here/serve_thumbnails.py" "$root" "$latent" "$work/ae.model" "$work" || status=1
exit $status
