#!/usr/bin/env bash
# Rate-distortion on MNIST test (10,000 images): for code sizes 8/16/32/64 and 4/8 bits, the
# bytes per image of `latent compress` (whole .ltc file / 10,000) and the PSNR after
# `latent decompress`, beside PCA at the same byte budget (bench/reference/pca_compression.py:
# best components × bits within the budget, same quantiser and zstd) and PNG (lossless).
# Then the same for the deep 784-1000-500-250-30 autoencoder that bench/deep_autoencoder.sh
# trains (100 epochs; out/bench/deep.model), at 4, 5, 6 and 8 bits, when that file exists.
# Usage: bench/compression.sh [EPOCHS=20] [LAYERS=1000,500,250] [SIZES="8 16 32 64"]
#        (SIZES="": only the deep model's rows)
# Last line: one JSON object.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
epochs=${1:-20}
layers=${2:-1000,500,250}
sizes=${3-8 16 32 64}
build="$root/build"
[ -x "$build/latent" ] || "$root/scripts/build.sh" >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

rows=() names=()
for size in $sizes; do
  echo "training 784-$layers-$size, $epochs epochs" >&2
  "$build/latent" train --data mnist --layers "$layers" --latent "$size" --epochs "$epochs" --batch 256 --lr 1e-3 \
    --out "$tmp/m$size.model" --seed 1 2>/dev/null
  for bits in 4 8; do
    rows+=("$("$build/latent" compress --model "$tmp/m$size.model" --data mnist --split test --bits "$bits" \
      --out "$tmp/c.ltc" --report --json)")
    names+=("784-$layers-$size, $epochs ep")
    echo "  $bits bits: ${rows[-1]}" >&2
  done
done
deep="$root/out/bench/deep.model"
if [ -f "$deep" ]; then
  for bits in 4 5 6 8; do
    rows+=("$("$build/latent" compress --model "$deep" --data mnist --split test --bits "$bits" --out "$tmp/c.ltc" --report --json)")
    names+=("deep AE (deep_autoencoder.sh)")
    echo "  deep model, $bits bits: ${rows[-1]}" >&2
  done
fi
[ ${#rows[@]} -gt 0 ] || { echo "nothing to measure: no SIZES and no $deep" >&2; exit 2; }
budgets=$(for r in "${rows[@]}"; do echo "$r"; done | /usr/bin/python3 -c 'import json,sys; print(" ".join(str(json.loads(l)["bytes_per_item"]) for l in sys.stdin))')
/usr/bin/python3 "$root/bench/reference/pca_compression.py" $budgets >"$tmp/pca.jsonl"
printf '%s\n' "${names[@]}" >"$tmp/names.txt"
/usr/bin/python3 - "$tmp/pca.jsonl" "$tmp/names.txt" "$layers" "$epochs" "${rows[@]}" <<'PY'
import json, sys
pca = [json.loads(l) for l in open(sys.argv[1])]
names = open(sys.argv[2]).read().splitlines()
layers, epochs, rows = sys.argv[3], sys.argv[4], [json.loads(r) for r in sys.argv[5:]]
print("PCA: best components x bits within the same bytes")
print(f"{'model':>32}{'code':>5}{'bits':>5}{'bytes/img':>11}{'x raw':>7}{'x PNG':>7}{'PSNR dB':>9}{'PCA k x bits':>14}{'PCA dB':>8}{'gain dB':>9}")
out = []
for name, r, p in zip(names, rows, pca):
    gain = r["psnr_db"] - p["psnr_db"]
    print(f"{name:>32}{r['code_size']:>5}{r['bits']:>5}{r['bytes_per_item']:>11.2f}{r['ratio_vs_raw']:>7.1f}{r['ratio_vs_png']:>7.1f}"
          f"{r['psnr_db']:>9.2f}{str(p['components']) + ' x ' + str(p['bits']):>14}{p['psnr_db']:>8.2f}{gain:>9.2f}")
    out.append({"model": name, "code": r["code_size"], "bits": r["bits"], "bytes_per_image": round(r["bytes_per_item"], 2),
                "psnr_db": round(r["psnr_db"], 2), "pca_components": p["components"], "pca_bits": p["bits"],
                "pca_psnr_db": p["psnr_db"], "gain_db": round(gain, 2)})
print(f"PNG (lossless): {rows[0]['png_bytes_per_item']:.1f} bytes/image; raw: 784 bytes/image")
print(json.dumps({"layers": layers, "epochs": int(epochs), "png_bytes_per_image": round(rows[0]["png_bytes_per_item"], 1), "rows": out}))
PY
