#!/usr/bin/env bash
# The latent serve page in one headless browser: Chromium (tests/browser/serve_page.mjs, over
# playwright-core) or Firefox (serve_page_firefox.mjs: Debian's firefox-esr over puppeteer-core);
# ctest runs each as its own test. A missing browser or driver (scripts/setup.sh installs them)
# skips the test (exit 77), or fails it under CI=true.
# Usage: cli_serve_browser.sh path/to/latent chromium|firefox [screenshot.png]
set -uo pipefail
latent=$1
browser=$2
here=$(cd "$(dirname "$0")" && pwd)
shot=${3:-$PWD/serve_browser_$browser.png}
# shellcheck source=cli_lib.sh
source "$here/cli_lib.sh"
case $browser in
  chromium) executable=/usr/bin/chromium driver=playwright-core page=serve_page.mjs ;;
  firefox) executable=/usr/bin/firefox-esr driver=puppeteer-core page=serve_page_firefox.mjs ;;
  *) echo "unknown browser '$browser' (chromium | firefox)" >&2; exit 2 ;;
esac
if [ ! -x "$executable" ] || [ ! -d "$here/browser/node_modules/$driver" ] || ! command -v node >/dev/null; then
  missing_dependency "the $browser browser test needs $executable, node and tests/browser/node_modules/$driver (run scripts/setup.sh)"
fi
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
set -e
"$latent" train --type vae --data mnist --limit 3000 --layers 256 --latent 2 --epochs 4 --batch 64 --seed 1 \
  --out "$work/vae.model" 2>/dev/null
"$latent" index build --model "$work/vae.model" --data mnist --split train --limit 3000 --out "$work/vae.index" >/dev/null 2>&1
"$latent" anomaly fit --model "$work/vae.model" --normal-class 7 --limit 3000 --out "$work/vae.det" >/dev/null 2>&1
. "$here/serve_lib.sh"
start_server "$work/serve.out" "$work/serve.err" "$latent" serve --index "$work/vae.index" --detector "$work/vae.det" --port 0
port=$(serve_port "$work/serve.out" "$pid") || { echo "FAIL: serve did not start: $(cat "$work/serve.err")"; exit 1; }
node "$here/browser/$page" "http://127.0.0.1:$port/" "$shot"
kill -TERM "$pid"
wait "$pid"
pid=
