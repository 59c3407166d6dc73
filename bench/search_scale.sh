#!/usr/bin/env bash
# 1,000,000 codes: radius-2 Hamming hash lookups (32-bit learned codes) against the float search
# latent ships (`CodeIndex`, the class behind `latent index`/`search`: exact flat search on BLAS
# distances, and HNSW), and a brute-force Hamming scan. µs per query over 1,000 test queries, one
# at a time and all in one call (where the search has a batched path), best of ROUNDS
# interleaved rounds, everything on one thread (OMP_NUM_THREADS=1: OpenBLAS and FAISS).
# Same result sets: the float searches return, per query, the k nearest codes with k = the number
# the hash finds within radius 2 (a kNN answer of the hash's size; no float radius means the same
# thing as Hamming radius 2). One batched call takes one k: the queries are sorted by their k and
# searched in chunks of 50, each asking for its chunk's largest k (the excess is printed).
# The database: the 60,000 real MNIST train codes plus 940,000 noisy replicas of them (float:
# + Gaussian noise of 0.05 × each dimension's std; binary: each bit flipped with probability
# 0.02). Checks that every hash lookup returns exactly the scan's set.
# Usage: [HNSW=0] bench/search_scale.sh [ROUNDS=3]   (HNSW=0 leaves out the HNSW rows: building
# HNSW over 1M codes takes 1.5 min of CPU on a quiet machine)
# Needs out/bench/binary32.model (bench/hashing.sh) and a 32-number float model
# (out/bench/simple.model from bench/retrieval.sh, trained here if missing). Last line: one JSON
# object; a field that is not a number (but hash_kind) fails the script.
set -euo pipefail
rounds=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$root/build/latent" ] && [ -x "$root/build/bench/search_scale" ] || "$root/scripts/build.sh" >/dev/null
latent="$root/build/latent"
out="$root/out/bench"
mkdir -p "$out"
[ -f "$out/binary32.model" ] || "$root/bench/hashing.sh" >/dev/null
[ -f "$out/simple.model" ] || "$latent" train --data mnist --latent 32 --epochs 20 --out "$out/simple.model" 2>/dev/null
for split in train test; do
  "$latent" encode --model "$out/simple.model" --data mnist --split $split --out "$out/scale_float_$split.npy" 2>/dev/null
  "$latent" encode --model "$out/binary32.model" --data mnist --split $split --out "$out/scale_bits_$split.npy" 2>/dev/null
done
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg), $rounds rounds"
json=$(OMP_NUM_THREADS=1 "$root/build/bench/search_scale" "$out/scale_float_train.npy" "$out/scale_float_test.npy" \
  "$out/scale_bits_train.npy" "$out/scale_bits_test.npy" --size 1000000 --queries 1000 --rounds "$rounds" --hnsw "${HNSW:-1}")
echo "$json" | /usr/bin/python3 -c "
import json, math, sys
r = json.load(sys.stdin)
bad = [k for k, v in r.items() if k != 'hash_kind' and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v))]
if bad: sys.exit(f'search_scale: not a finite number: {bad}')
print(f\"{r['database']:,} codes ({r['real_codes']:,} real), {r['queries']} queries, best of {r['rounds']} rounds, 1 thread\")
print(f\"{'us/query':33}{'one at a time':>14}{'all in 1 call':>14}\")
print(f\"{'exact float L2 (CodeIndex flat)':33}{r['flat_us']:14.1f}{r['flat_batched_us']:14.1f}  ({r['flat_bytes']/2**20:.0f} MiB, build {r['flat_build_s']:.2f} s)\")
if 'hnsw_us' in r:
    print(f\"{'HNSW M=32 (approximate)':33}{r['hnsw_us']:14.1f}{r['hnsw_batched_us']:14.1f}  (recall {r['hnsw_recall']:.3f}, build {r['hnsw_build_s']:.1f} s)\")
print(f\"{'Hamming scan, radius 2':33}{r['hamming_scan_us']:14.1f}{'-':>14}\")
print(f\"{'hash table (' + r['hash_kind'] + '), radius 2':33}{r['hash_us']:14.1f}{r['hash_batched_us']:14.1f}  (build {r['hash_build_s']:.2f} s)\")
print(f\"batched float calls: {r['chunk']} queries each, sorted by k; k asked for / k needed = {r['batched_k_excess']:.3f}\")
print(f\"found within radius 2 (= float k): {r['mean_found_radius2']:.1f} per query (max {r['max_found_radius2']}), {100*r['empty_radius2']:.1f}% empty; hash sets differing from the scan: {r['hash_mismatched_queries']}\")
print(f\"batched flat search: {r['flat_batched_gflops']:.1f} GFLOP/s of distance work\")
print(f\"hash lookup vs exact float search: {r['speedup_hash_vs_flat']:.1f}x one at a time, {r['speedup_hash_vs_flat_batched']:.1f}x batched\")
print(json.dumps(r))"
