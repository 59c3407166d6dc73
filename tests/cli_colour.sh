#!/usr/bin/env bash
# End to end: colour images of any size. A folder mixing an RGB PNG, a grey PNG, a palette PNG with
# transparency and a JPEG, in three sizes, is refused without --resize (the error names it) and
# trains with it; the model is RGB at that size, its pictures are RGB, and a JPEG query of a fourth
# size searches the folder (its own file comes first). --color gray forces one channel.
# Usage: cli_colour.sh path/to/latent
set -uo pipefail
latent=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_lib.sh
source "$(dirname "$0")/cli_lib.sh"
images=$(cd "$(dirname "$0")/images" && pwd)

mkdir -p "$work/mixed"
/usr/bin/python3 - "$work/mixed" <<'PY'
import struct, sys, zlib
out = sys.argv[1]
def png(path, width, height, color_type, rows, extra=b""):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + row for row in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)) +
                extra + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return chunk
# RGB 40x30: a red-to-blue ramp.
png(f"{out}/rgb.png", 40, 30, 2, [bytes(v for x in range(40) for v in (6 * x, 40, 255 - 6 * x)) for y in range(30)])
# Grey 32x32.
png(f"{out}/grey.png", 32, 32, 0, [bytes((8 * x) % 256 for x in range(32)) for y in range(32)])
# Palette 64x64 with a transparent entry (index 0) around a green square (index 1).
chunk = png(f"{out}/unused.png", 1, 1, 0, [b"\x00"])
plte = chunk(b"PLTE", bytes([0, 0, 0, 20, 200, 40])) + chunk(b"tRNS", bytes([0, 255]))
png(f"{out}/palette.png", 64, 64, 3, [bytes(1 if 16 <= x < 48 and 16 <= y < 48 else 0 for x in range(64)) for y in range(64)], plte)
import os; os.remove(f"{out}/unused.png")
PY
cp "$images/query_48x36.jpg" "$work/mixed/photo.jpg"

expect_bad "mixed sizes without --resize" "pass --resize WxH" "$latent" train --data "images:$work/mixed" --out "$work/bad.model"
expect_bad "a bad --resize" "--resize '32': expected WIDTHxHEIGHT" "$latent" train --data "images:$work/mixed" --resize 32 --out "$work/bad.model"
expect_bad "--resize on IDX data" "--data mnist is not images:DIR" "$latent" train --data mnist --resize 32x32 --out "$work/bad.model"

printf 'notes' >"$work/mixed/notes.txt"  # not an image: said after a good read, silent before an error
expect_bad "mixed sizes beside a text file" "pass --resize WxH" "$latent" train --data "images:$work/mixed" --out "$work/bad.model"
run "$latent" train --data "images:$work/mixed" --resize 32x24 --epochs 2 --latent 4 --val 0 --out "$work/c.model"
grep -qF "images:$work/mixed: skipped 1 entries that are not .png, .jpg, .bmp or .gif files ($work/mixed/notes.txt)" \
  "$work/last_stderr" || fail "train did not say it skipped notes.txt: $(head -3 "$work/last_stderr")"
rm "$work/mixed/notes.txt"
# Colour pictures get the conv recipe (one stride-2 layer per halving of 32 down to 4) unless
# --arch is given; the code size given stays.
grep -qF "(a flag overrides each): --arch conv --channels 32,64,128 --loss mse --batch 16 --augment flip,shift:1,color:0.1" \
  "$work/last_stderr" ||
  fail "colour pictures did not get the conv recipe: $(cat "$work/last_stderr")"
run "$latent" train --data "images:$work/mixed" --resize 32x24 --arch dense --epochs 1 --latent 4 --val 0 \
  --out "$work/dense.model"
! grep -q -- "--arch conv" "$work/last_stderr" || fail "--arch dense took the conv recipe: $(cat "$work/last_stderr")"
# A VAE takes the same model and keeps cross-entropy (its KL term is weighed against it).
run "$latent" train --type vae --data "images:$work/mixed" --resize 32x24 --epochs 1 --latent 4 --val 0 \
  --out "$work/vae.model"
grep -qF "(a flag overrides each): --arch conv --channels 32,64,128 --batch 16 --augment flip,shift:1,color:0.1" \
  "$work/last_stderr" || fail "a colour VAE did not get the conv recipe with cross-entropy: $(cat "$work/last_stderr")"
# Binary codes too, with the hashing recipe's penalties, without the neighbour pull (a graph of
# pixel neighbours, measured on digits only).
run "$latent" train --type binary --data "images:$work/mixed" --resize 32x24 --epochs 1 --val 0 --out "$work/bits.model"
grep -qF "(a flag overrides each): --arch conv --channels 32,64,128 --batch 16 --lr 0.002 --bit-balance 0.1 --bit-decorrelation 1 --corrupt gaussian:0.1 --augment flip,shift:1,color:0.1" \
  "$work/last_stderr" || fail "colour binary codes did not get the conv recipe: $(cat "$work/last_stderr")"

# A damaged file (a JPEG cut short) stops the read with one line naming it and --skip-unreadable;
# with the flag, train and pack leave it out and say so.
head -c 300 "$images/query_48x36.jpg" >"$work/mixed/cut.jpg"
expect_bad "a damaged file" "cut.jpg" "$latent" train --data "images:$work/mixed" --resize 32x24 --out "$work/bad.model"
grep -qF -- "--skip-unreadable leaves out the files that cannot be read" "$work/stderr" ||
  fail "the damaged-file error does not name --skip-unreadable: $(cat "$work/stderr")"
run "$latent" train --data "images:$work/mixed" --resize 32x24 --skip-unreadable --epochs 1 --latent 4 --val 0 \
  --out "$work/skip.model"
grep -qF "images:$work/mixed: left out 1 files that are not readable images ($work/mixed/cut.jpg" "$work/last_stderr" ||
  fail "train did not say it left out cut.jpg: $(cat "$work/last_stderr")"
run "$latent" pack "images:$work/mixed" --resize 32x24 --color rgb --skip-unreadable --out "$work/skip.lpk"
grep -qF "left out 1 files" "$work/last_stderr" || fail "pack did not say it left out cut.jpg: $(cat "$work/last_stderr")"
"$latent" info "$work/skip.lpk" --json | /usr/bin/python3 -c "
import json, sys; assert json.load(sys.stdin)['count'] == 4" || fail "the pack does not hold the 4 readable files"
expect_bad "--skip-unreadable on IDX data" "--skip-unreadable reads image folders: --data mnist is not images:DIR" \
  "$latent" train --data mnist --skip-unreadable --out "$work/bad.model"
rm "$work/mixed/cut.jpg"
"$latent" info "$work/c.model" --json | /usr/bin/python3 -c "
import json, sys; m = json.load(sys.stdin)
assert m['spec']['input_shape'] == [3, 24, 32], m['spec']
layout = m['training']['image_layout']
assert (layout['width'], layout['height'], layout['fit'], layout['color']) == (32, 24, 'crop', 'keep'), layout" ||
  fail "info does not show an RGB 32x24 model with its image layout"

# Pictures of a colour model are RGB PNGs (colour type 2 at byte 25) of its size.
run "$latent" reconstruct --model "$work/c.model" --data "images:$work/mixed" --count 4 --out "$work/recon.png"
/usr/bin/python3 -c "
import struct, sys; b = open(sys.argv[1], 'rb').read()
assert b[25] == 2, 'colour type %d' % b[25]" "$work/recon.png" || fail "reconstruct did not write an RGB PNG"

# A JPEG of a fourth size (48x36, the model is 32x24) searches the folder: its own file first.
run "$latent" index build --model "$work/c.model" --data "images:$work/mixed" --out "$work/c.index"
"$latent" search --index "$work/c.index" --image "$images/query_48x36.jpg" --k 4 >"$work/search.txt" 2>"$work/search.err" ||
  fail "search with a JPEG of another size: $(cat "$work/search.err")"
sed -n 2p "$work/search.txt" | grep -q "photo.jpg" || fail "the query's own image is not first: $(cat "$work/search.txt")"

# --grid: a contact sheet of the query and its 4 results, one row of 5 RGB 32x24 pictures.
run "$latent" search --index "$work/c.index" --image "$images/query_48x36.jpg" --k 4 --grid "$work/sheet.png"
/usr/bin/python3 -c "
import struct, sys; b = open(sys.argv[1], 'rb').read()
w, h = struct.unpack('>II', b[16:24])
assert b[25] == 2 and h < 2 * 24 and w >= 5 * 32 and w < 6 * 32, (w, h, b[25])" "$work/sheet.png" ||
  fail "--grid did not write one RGB row of five pictures"
expect_bad "--grid not a PNG" "--grid" "$latent" search --index "$work/c.index" --image "$images/query_48x36.jpg" \
  --grid "$work/sheet.jpg"
[ ! -e "$work/sheet.jpg" ] || fail "a refused --grid left a file"

# --augment is saved in the model; on tables it is refused.
run "$latent" train --data "images:$work/mixed" --resize 32x24 --epochs 1 --latent 4 --val 0 \
  --augment flip,shift:2,color:0.1 --out "$work/a.model"
"$latent" info "$work/a.model" --json | /usr/bin/python3 -c "
import json, sys; m = json.load(sys.stdin); assert m['spec']['augment'] == 'flip,shift:2,color:0.1', m['spec']" ||
  fail "info does not show the augmentation"
expect_bad "--augment shift too large" "shift:40 is not smaller than the image" "$latent" train \
  --data "images:$work/mixed" --resize 32x24 --augment shift:40 --out "$work/bad.model"
expect_bad "--augment unknown" "expected none or a comma list of flip" "$latent" train \
  --data "images:$work/mixed" --resize 32x24 --augment rotate --out "$work/bad.model"

# --color gray: one channel; --fit pad keeps the whole picture.
run "$latent" train --data "images:$work/mixed" --resize 16x16 --fit pad --color gray --epochs 1 --latent 4 --val 0 \
  --out "$work/g.model"
"$latent" info "$work/g.model" --json | /usr/bin/python3 -c "
import json, sys; m = json.load(sys.stdin); assert m['spec']['input_shape'] == [1, 16, 16], m['spec']" ||
  fail "--color gray did not give one channel"

[ "$failures" -eq 0 ] && echo "all colour CLI checks passed"
exit $((failures > 0))
