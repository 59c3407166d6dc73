#!/usr/bin/env bash
# Regenerates the output of every transcript in README.md: runs the README's commands in order in
# a scratch directory (transcripts at full settings, the commands they depend on and the ones the
# README marks as small at tests/readme_commands.py's small settings) and writes what each printed
# under it. Review the diff before committing. Usage: scripts/readme_examples.sh [path/to/latent]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec /usr/bin/python3 "$root/tests/readme_commands.py" "${1:-$root/build/latent}" "$root/README.md" --regenerate
