#!/usr/bin/env bash
# Fails when a C++ file in the repository differs from what clang-format makes of it with the
# root .clang-format. Fix with: clang-format -i $(git ls-files '*.cpp' '*.h')
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "check_format: clang-format is not installed (scripts/setup.sh installs it)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if ! report=$(clang-format --dry-run --Werror "${files[@]}" 2>&1); then
  grep -o '^[^:]*:[0-9]*' <<<"$report" | sort -u -t: -k1,1 | sed 's/^/check_format: not formatted: /' >&2
  exit 1
fi
echo "check_format: ${#files[@]} files formatted"
