#!/usr/bin/env bash
# Oversized headers through the CLI: each crafted file claims an absurd size in a few bytes; the
# command must refuse it (exit 2, one line) quickly and without allocating what it claims.
# Prints per case: exit code, wall seconds and peak resident memory (/usr/bin/time), the message;
# first for the reader alone (bench/read_one.cpp, no LibTorch in the process), then through the CLI
# (whose start-up, loading LibTorch, costs the same with a valid file: the last line).
# Usage: bench/limits.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
latent="$root/build/latent"
[ -x "$latent" ] && [ -x "$root/build/bench/read_one" ] || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# A small real model to decode, decompress and search with.
"$latent" train --data mnist --limit 300 --epochs 1 --latent 4 --out "$tmp/m.model" 2>/dev/null
mkdir -p "$tmp/idx" "$tmp/png"
python3 - "$tmp" <<'PY'
import json, struct, sys, zlib
t = sys.argv[1]
# IDX: 10^6 images of 1000 x 1000 (10^12 bytes) in a 16-byte header; labels to match.
open(f"{t}/idx/train-images-idx3-ubyte", "wb").write(b"\0\0\x08\x03" + struct.pack(">III", 10**6, 1000, 1000))
open(f"{t}/idx/train-labels-idx1-ubyte", "wb").write(b"\0\0\x08\x01" + struct.pack(">I", 10**6))
# .npy codes: 10^12 rows.
h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 4), }"
h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
open(f"{t}/codes.npy", "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + b"\0" * 16)
# PNG: 100,000 x 100,000 pixels.
ihdr = b"IHDR" + struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
open(f"{t}/png/a.png", "wb").write(b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr)))
def container(kind, payload):
    k = kind.encode()
    return b"LATENT\r\n" + struct.pack("<II", 1, len(k)) + k + struct.pack("<QI", len(payload), zlib.crc32(payload)) + payload
# .ltc: 2.5 * 10^11 codes of 4 values, a zstd frame claiming 10^12 bytes.
hd = json.dumps({"format": 1, "model": "0" * 16, "count": 250000000000, "dims": 4, "shape": [784], "bits": 8,
                 "lo": [0] * 4, "hi": [1] * 4}).encode()
frame = b"\x28\xB5\x2F\xFD\xE0" + struct.pack("<Q", 10**12)
open(f"{t}/codes.ltc", "wb").write(container("compressed", struct.pack("<I", len(hd)) + hd + frame))
# Index: a flat FAISS index claiming 2^39 floats of codes (2 TiB).
hd = json.dumps({"model_fingerprint": "0" * 16, "model_path": "", "data": "mnist", "split": "train", "labels": [],
                 "paths": [], "similarity_scale": 1.0, "kind": "flat"}).encode()
faiss = b"IxF2" + struct.pack("<iqqq?i", 4, 2**37, 0, 0, True, 1) + struct.pack("<Q", 2**39)
open(f"{t}/codes.index", "wb").write(container("index", struct.pack("<Q", len(hd)) + hd + faiss))
PY

run_case() {
  local name=$1
  shift
  local code=0
  /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || code=$?
  read -r seconds kib < <(tail -1 "$tmp/time")  # after "Command exited with non-zero status"
  printf "%-34s exit %d  %6.2f s  %6.1f MB  %s\n" "$name" "$code" "$seconds" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" \
    "$(grep '^latent:' "$tmp/err" | cut -c1-110)"
}
read_one=$root/build/bench/read_one
echo "reader alone:"
run_case "IDX header: 10^12 pixels" "$read_one" idx "$tmp/idx/train-images-idx3-ubyte"
run_case ".npy header: 10^12 rows" "$read_one" npy "$tmp/codes.npy"
run_case "PNG header: 100000x100000" "$read_one" image "$tmp/png/a.png"
run_case ".ltc header: 10^12 bytes of codes" "$read_one" ltc "$tmp/codes.ltc"
run_case "index: 2^39 floats of codes" "$read_one" index "$tmp/codes.index"
echo "through the CLI:"
run_case "IDX header: 10^12 pixels" "$latent" train --data "idx:$tmp/idx" --epochs 1 --out "$tmp/x.model"
run_case ".npy header: 10^12 rows" "$latent" decode --model "$tmp/m.model" --codes "$tmp/codes.npy" --out "$tmp/x.npy"
run_case "PNG header: 100000x100000" "$latent" train --data "images:$tmp/png" --epochs 1 --out "$tmp/x.model"
run_case ".ltc header: 10^12 bytes of codes" "$latent" decompress "$tmp/codes.ltc" --model "$tmp/m.model" --out "$tmp/x.npy"
run_case "index: 2^39 floats of codes" "$latent" search --index "$tmp/codes.index" --data mnist --index-of 0
run_case "(for scale) latent info" "$latent" info "$tmp/m.model"
