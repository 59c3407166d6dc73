#!/usr/bin/env bash
# End to end: `latent pack` and --data pack:FILE. A pack of MNIST trains to the same losses, the
# same codes and the same eval as the digits read from their IDX files (same seed); an image
# folder packs file by file with its labels and names, which index add takes as ids; a damaged or
# foreign pack is one line, exit 2, no output.
# Usage: cli_pack.sh path/to/latent
set -uo pipefail
latent=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# shellcheck source=cli_lib.sh
source "$here/cli_lib.sh"

run "$latent" pack mnist --limit 3000 --out "$work/digits.lpk"
"$latent" info "$work/digits.lpk" --json >"$work/info.json" 2>&1 || fail "info of a pack: $(cat "$work/info.json")"
/usr/bin/python3 - "$work/info.json" <<'PY' || fail "info of a pack: $(cat "$work/info.json")"
import json, sys
info = json.load(open(sys.argv[1]))
assert info["kind"] == "pack" and info["count"] == 3000 and info["sample_shape"] == [1, 28, 28], info
assert info["labels"] and info["source"] == "mnist", info
PY

# Same seed, same data: the same losses, epoch by epoch, from the pack as from memory. The default
# (dense) path and the autograd path (a sparse penalty) both read the pack batch by batch.
for extra in "" "--sparsity l1:0.001"; do
  # shellcheck disable=SC2086
  run "$latent" train --data mnist --limit 3000 --epochs 2 --layers 64 --latent 8 --seed 3 $extra \
    --out "$work/memory.model" --log "$work/memory.log" --overwrite
  # shellcheck disable=SC2086
  run "$latent" train --data "pack:$work/digits.lpk" --epochs 2 --layers 64 --latent 8 --seed 3 $extra \
    --out "$work/packed.model" --log "$work/packed.log" --overwrite
  /usr/bin/python3 - "$work/memory.log" "$work/packed.log" <<'PY' || fail "losses differ ($extra)"
import json, sys
memory, packed = ([json.loads(l) for l in open(p)] for p in sys.argv[1:])
assert len(memory) == 2 and len(packed) == 2, (memory, packed)
for m, p in zip(memory, packed):
    assert m["train_loss"] == p["train_loss"] and m["val_loss"] == p["val_loss"], (m, p)
PY
done

# The pack model's codes of the pack are the memory model's codes of the digits, bit for bit.
run "$latent" encode --model "$work/memory.model" --data mnist --split train --limit 3000 --out "$work/memory.npy"
run "$latent" encode --model "$work/packed.model" --data "pack:$work/digits.lpk" --out "$work/packed.npy"
cmp -s "$work/memory.npy" "$work/packed.npy" || fail "encode: codes from the pack differ"
"$latent" eval --model "$work/packed.model" --data mnist --split train --limit 3000 --json >"$work/e1.json" 2>/dev/null
"$latent" eval --model "$work/packed.model" --data "pack:$work/digits.lpk" --json >"$work/e2.json" 2>/dev/null
cmp -s "$work/e1.json" "$work/e2.json" || fail "eval differs: $(cat "$work/e1.json") vs $(cat "$work/e2.json")"
# --normal-class and --limit pick the same rows from a pack as from the source.
run "$latent" encode --model "$work/packed.model" --data mnist --split train --limit 100 --normal-class 4 --out "$work/m4.npy"
run "$latent" encode --model "$work/packed.model" --data "pack:$work/digits.lpk" --limit 100 --normal-class 4 --out "$work/p4.npy"
cmp -s "$work/m4.npy" "$work/p4.npy" || fail "encode --normal-class: rows from the pack differ"

# An image folder: two classes of 28x28 grey PNGs, packed with labels and names.
/usr/bin/python3 - "$work/folder" <<'PY'
import os, struct, sys, zlib
out = sys.argv[1]
def png(path, width, height, color_type, rows):
    channels = {0: 1, 2: 3}[color_type]
    raw = b"".join(b"\x00" + r for r in rows)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
for label, name in enumerate(["circles", "squares"]):
    os.makedirs(f"{out}/{name}")
    for i in range(6):
        png(f"{out}/{name}/{i}.png", 28, 28, 0,
            [bytes((40 * i + 9 * x * (label + 1) + y) % 256 for x in range(28)) for y in range(28)])
os.makedirs(f"{out}-mixed")
png(f"{out}-mixed/a.png", 28, 28, 0, [bytes(28)] * 28)
png(f"{out}-mixed/b.png", 28, 28, 2, [bytes(84)] * 28)
PY
run "$latent" pack "images:$work/folder" --out "$work/folder.lpk"
"$latent" info "$work/folder.lpk" --json >"$work/info.json" 2>&1
grep -q '"count":12' "$work/info.json" && grep -q '"names":true' "$work/info.json" &&
  grep -q '"classes":\["circles","squares"\]' "$work/info.json" || fail "folder pack: $(cat "$work/info.json")"
# The pack keeps the folders' names: a class is picked by name, and a model trained on it names them.
run "$latent" train --data "pack:$work/folder.lpk" --normal-class squares --layers 8 --latent 2 --epochs 1 --out "$work/sq.model"
"$latent" info "$work/sq.model" --json >"$work/info.json" 2>&1
grep -q '"label_names":\["circles","squares"\]' "$work/info.json" || fail "model from a pack: no class names: $(cat "$work/info.json")"
expect_bad "a class the pack lacks" "--normal-class triangles: --data pack:$work/folder.lpk has no class of that name (its classes: circles, squares)" \
  "$latent" train --data "pack:$work/folder.lpk" --normal-class triangles --epochs 1 --out "$work/bad.model"
run "$latent" index add --index "$work/f.lix" --model "$work/packed.model" --data "pack:$work/folder.lpk"
"$latent" search --index "$work/f.lix" --image "$work/folder/squares/1.png" -k 1 --json >"$work/hits.json" 2>/dev/null
grep -q "squares/1.png" "$work/hits.json" || fail "index add from a pack: ids are not the files' names: $(cat "$work/hits.json")"
run "$latent" index build --model "$work/packed.model" --data "pack:$work/folder.lpk" --out "$work/f.idx"

# A table with a column of words and blanks: packed as read, trained from (read whole).
/usr/bin/python3 - "$work/table.csv" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as f:
    f.write("city,size,label\n")
    for i in range(300):
        size = "" if i % 17 == 0 else f"{random.gauss(10, 2):.3f}"
        f.write(f"{random.choice(['paris', 'lyon', 'nice'])},{size},{i % 2}\n")
PY
run "$latent" pack "csv:$work/table.csv" --out "$work/table.lpk"
"$latent" info "$work/table.lpk" --json >"$work/info.json" 2>&1
grep -q '"columns":\["city","size"\]' "$work/info.json" || fail "table pack: $(cat "$work/info.json")"
run "$latent" train --data "pack:$work/table.lpk" --epochs 1 --out "$work/table.model"
# Read whole, the pack gives the table's labels and codes (a .csv of codes starts with the label).
run "$latent" encode --model "$work/table.model" --data "csv:$work/table.csv" --out "$work/table_csv.csv"
run "$latent" encode --model "$work/table.model" --data "pack:$work/table.lpk" --out "$work/table_pack.csv"
cmp -s "$work/table_csv.csv" "$work/table_pack.csv" || fail "encode of a table pack differs from the table's"
# Its first cell is a word's index: one past the column's words is refused when read.
/usr/bin/python3 - "$work/table.lpk" "$work/word.lpk" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
data[64:68] = struct.pack("<f", 3.0)
open(sys.argv[2], "wb").write(bytes(data))
PY
expect_bad "a pack naming a word its column lacks" "names a word it lacks" "$latent" train --data "pack:$work/word.lpk" --epochs 1 --out "$work/bad.model"

# Refusals: one line, exit 2, nothing written.
expect_bad "a colour file after grey ones" "--color rgb" "$latent" pack "images:$work/folder-mixed" --out "$work/bad.lpk"
expect_bad "an existing pack" "--overwrite" "$latent" pack mnist --limit 10 --out "$work/digits.lpk"
expect_bad "a pack of a pack" "a pack already" "$latent" pack "pack:$work/digits.lpk" --out "$work/bad.lpk"
head -c 100000 "$work/digits.lpk" >"$work/cut.lpk"
expect_bad "a truncated pack" "not a whole pack" "$latent" encode --model "$work/packed.model" --data "pack:$work/cut.lpk" --out "$work/bad.npy"
expect_bad "a model as a pack" "not a pack" "$latent" train --data "pack:$work/packed.model" --epochs 1 --out "$work/bad.model"
/usr/bin/python3 - "$work/digits.lpk" "$work/count.lpk" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(data.replace(b'"count":3000', b'"count":9000'))
PY
expect_bad "a pack whose footer claims more rows" "not a whole pack" "$latent" encode --model "$work/packed.model" --data "pack:$work/count.lpk" --out "$work/bad.npy"

[ "$failures" -eq 0 ] || exit 1
echo "cli_pack: all passed"
