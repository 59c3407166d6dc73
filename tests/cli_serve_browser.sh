#!/usr/bin/env bash
# The latent serve page in headless Chromium (tests/browser/serve_page.mjs), then in headless
# Firefox (serve_page_firefox.mjs, screenshot beside the first with _firefox). Skipped (exit 77)
# when Chromium or playwright-core is not installed; the Firefox half is skipped with a message
# when firefox-esr or puppeteer-core is missing (scripts/setup.sh installs all four).
# Usage: cli_serve_browser.sh path/to/latent [screenshot.png]
set -uo pipefail
latent=$1
here=$(cd "$(dirname "$0")" && pwd)
shot=${2:-$PWD/serve_browser.png}
if [ ! -x /usr/bin/chromium ] || [ ! -d "$here/browser/node_modules/playwright-core" ] || ! command -v node >/dev/null; then
  echo "SKIP: the browser test needs /usr/bin/chromium, node and tests/browser/node_modules (run scripts/setup.sh)"
  exit 77
fi
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
set -e
"$latent" train --type vae --data mnist --limit 3000 --layers 256 --latent 2 --epochs 4 --batch 64 --seed 1 \
  --out "$work/vae.model" 2>/dev/null
"$latent" index build --model "$work/vae.model" --data mnist --split train --limit 3000 --out "$work/vae.index" >/dev/null 2>&1
"$latent" anomaly fit --model "$work/vae.model" --normal-class 7 --limit 3000 --out "$work/vae.det" >/dev/null 2>&1
"$latent" serve --index "$work/vae.index" --detector "$work/vae.det" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
. "$here/serve_lib.sh"
port=$(serve_port "$work/serve.out" "$pid") || { echo "FAIL: serve did not start: $(cat "$work/serve.err")"; exit 1; }
node "$here/browser/serve_page.mjs" "http://127.0.0.1:$port/" "$shot"
if [ -x /usr/bin/firefox-esr ] && [ -d "$here/browser/node_modules/puppeteer-core" ]; then
  node "$here/browser/serve_page_firefox.mjs" "http://127.0.0.1:$port/" "${shot%.png}_firefox.png"
else
  echo "SKIP (Firefox half): needs /usr/bin/firefox-esr and tests/browser/node_modules/puppeteer-core"
fi
kill -TERM "$pid"
wait "$pid"
pid=
