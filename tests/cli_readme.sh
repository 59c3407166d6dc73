#!/usr/bin/env bash
# Every command README.md shows still runs (small settings) and prints the keys and columns its
# transcripts show: tests/readme_commands.py. After an intended output change, rerun
# scripts/readme_examples.sh to regenerate the transcripts. Usage: cli_readme.sh path/to/latent
set -uo pipefail
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"
command -v curl >/dev/null || missing_dependency "curl (the README's serving example)"
exec /usr/bin/python3 "$(dirname "$0")/readme_commands.py" "$1" "$(dirname "$0")/../README.md"
