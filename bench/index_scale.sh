#!/usr/bin/env bash
# Binary codes at scale: 100,000,000 32-bit codes in latent's HammingTable (sorted buckets + a
# prefix directory; search/hamming_table.h), exact radius-2 search of 1,000 real test codes,
# checked against a brute-force scan of all 100M; FAISS IndexBinaryHash (what `latent index
# build` uses for binary codes today) at 10M beside it for memory per entry and µs per query.
# The codes: a 32-bit binary model (784-512-256-32, noise ramp 0->4, bit balance 0.1, bit
# decorrelation 1, 10 epochs; trained here if out/bench/scale_binary32.model is missing) encodes
# the 70,000 MNIST images; the other 99.93M are sampled from its code distribution as per-bit
# marginals (independent bits, each set with its share among the real codes), so the result
# sets are what a collection spread like the model's codes would give, not 1,400 copies of MNIST.
# Then float codes at 10,000,000: the 784-256-32 model of serve_load.sh encodes the 60,000 MNIST
# training images, and replicas of them with Gaussian noise (0.25 x each dimension's std) fill
# the rest; exact search (CodeIndex flat, one query at a time, one thread) against `index build
# --ivf 4096` (IVF-Flat) and `--ivf 4096 --pq PQ_BYTES` (IVF-PQ, PQ_BYTES bytes a code) at nprobe
# 8/16/32: recall@10 against the exact answer and the speed-up (bench/ivf_scale.cpp).
# Usage: bench/index_scale.sh [SIZE=100000000] [FAISS_SIZE=10000000] [FLOAT_SIZE=10000000] [PQ_BYTES=32]
# (a size of 0 leaves that part out; 16-byte codes cannot tell the 10M float codes' neighbours apart)
# Two JSON lines: the binary run's, then the float run's.
set -euo pipefail
size=${1:-100000000}
faiss_size=${2:-10000000}
float_size=${3:-10000000}
pq_bytes=${4:-32}
[[ $size =~ ^[0-9]+$ && $faiss_size =~ ^[0-9]+$ && $float_size =~ ^[0-9]+$ && $pq_bytes =~ ^[0-9]+$ ]] ||
  { echo "index_scale: sizes and PQ_BYTES are whole numbers" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] && [ -x "$root/build/bench/index_scale" ] && [ -x "$root/build/bench/ivf_scale" ] ||
  "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
model=$out/scale_binary32.model
[ "$size" -eq 0 ] || [ -f "$model" ] || "$latent" train --type binary --bits 32 --layers 512,256 --epochs 10 --batch 256 --lr 2e-3 \
  --noise-schedule linear:0:4 --bit-balance 0.1 --bit-decorrelation 1 --seed 1 --out "$model" 2>/dev/null
binary_part() {  # (its body is not indented: it holds a Python program)
for split in train test; do
  "$latent" encode --model "$model" --data mnist --split $split --out "$out/scale_binary32_$split.npy" 2>/dev/null
done
json=$(/usr/bin/time -f "%M" -o "$tmp" "$root/build/bench/index_scale" "$out/scale_binary32_train.npy" \
  "$out/scale_binary32_test.npy" --size "$size" --faiss-size "$faiss_size")
echo "$json" | /usr/bin/python3 -c "
import json, sys
r = json.load(sys.stdin); f = r['faiss_binary_hash']; peak_kb = int(open(sys.argv[1]).read())
print(f\"{r['entries']:,} codes ({r['real_codes']:,} real), {r['queries']} queries, radius {r['radius']}\")
print(f\"HammingTable: built in {r['build_s']:.1f} s, {r['table_bytes'] / 2**30:.2f} GiB = {r['table_bytes_per_entry']:.2f} bytes/entry; \"
      f\"query p50 {r['query_us_p50']:.0f} us, p99 {r['query_us_p99']:.0f} us, {r['hits_per_query']:.1f} hits/query; \"
      f\"exact: {r['queries'] - r['exact_mismatches']}/{r['queries']} match the scan\")
print(f\"process peak RSS {peak_kb / 2**20:.2f} GiB (the table, the bench's own {r['codes_array_bytes'] / 2**30:.2f} GiB \"
      f\"array of the codes for the scan, and the FAISS run)\")
if f: print(f\"FAISS IndexBinaryHash at {f['entries']:,}: {f['bytes_per_entry']:.0f} bytes/entry \"
            f\"(~{f['bytes_per_entry'] * r['entries'] / 2**30:.0f} GiB at {r['entries']:,}); query p50 {f['query_us_p50']:.0f} us, \"
            f\"p99 {f['query_us_p99']:.0f} us\")
r['process_peak_rss_bytes'] = peak_kb * 1024
print(json.dumps(r))
" "$tmp"
}
[ "$size" -eq 0 ] || binary_part

[ "$float_size" -gt 0 ] || exit 0
float_model=$out/serve.model
[ -f "$float_model" ] ||
  "$latent" train --data mnist --limit 10000 --layers 256 --latent 32 --epochs 3 --seed 1 --out "$float_model" 2>/dev/null
for split in train test; do
  "$latent" encode --model "$float_model" --data mnist --split $split --out "$out/scale_float_$split.npy" 2>/dev/null
done
json=$("$root/build/bench/ivf_scale" "$out/scale_float_train.npy" "$out/scale_float_test.npy" --size "$float_size" --pq "$pq_bytes" 2>/dev/null)
# Every field but kind must be a finite number (as in search_scale.sh): nlohmann writes NaN/inf as null.
echo "$json" | /usr/bin/python3 -c "
import json, math, sys
r = json.load(sys.stdin)
fields = [(k, v) for k, v in r.items() if k != 'inverted_files']
fields += [(f'{f.get(\"kind\")} nprobe {f.get(\"nprobe\")} {k}', v)
           for f in r['inverted_files'] for k, v in f.items() if k != 'kind']
bad = [k for k, v in fields if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)]
if bad: sys.exit(f'index_scale: not a finite number: {bad}')
print(f\"{r['entries']:,} float codes of {r['dims']} ({r['real_codes']:,} real), {r['queries']} queries; exact search \"
      f\"{r['exact_query_us_p50'] / 1000:.1f} ms a query (p50, one thread)\")
for f in r['inverted_files']:
    print(f\"  {f['kind']:6} {f['pq_bytes'] or '':>3} lists {f['lists']} nprobe {f['nprobe']:3}: recall@10 {f['recall_at_10']:.4f}, \"
          f\"p50 {f['query_us_p50']:.0f} us, p99 {f['query_us_p99']:.0f} us, {f['speedup_vs_exact']:.0f}x exact (built in {f['build_s']:.0f} s)\")
print(json.dumps(r))
"
