#!/usr/bin/env bash
# 1,000,000 codes: radius-2 Hamming hash lookups (32-bit learned codes) against brute-force float
# search over 32-number codes, HNSW, and a brute-force Hamming scan; µs per query, one query at
# a time, 1,000 test queries. The database: the 60,000 real MNIST train codes plus 940,000 noisy
# replicas of them (float: + Gaussian noise of 0.05 × each dimension's std; binary: each bit
# flipped with probability 0.02). Checks that every hash lookup returns exactly the scan's set.
# Needs out/bench/binary32.model (bench/hashing.sh) and a 32-number float model
# (out/bench/simple.model from bench/retrieval.sh, trained here if missing).
set -euo pipefail
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
json=$(OMP_NUM_THREADS=1 "$root/build/bench/search_scale" "$out/scale_float_train.npy" "$out/scale_float_test.npy" \
  "$out/scale_bits_train.npy" "$out/scale_bits_test.npy" --size 1000000 --queries 1000)
echo "$json" | /usr/bin/python3 -c "
import json, sys; r = json.load(sys.stdin)
print(f\"{r['database']:,} codes ({r['real_codes']:,} real), {r['queries']} queries, one at a time (shared machine: times are noisy)\")
print(f\"brute-force float L2, {r['float_dims']} numbers: {r['flat_us']:9.1f} us/query  ({r['flat_bytes']/2**20:.0f} MiB, build {r['flat_build_s']:.2f} s)\")
print(f\"HNSW M=32 (approximate):        {r['hnsw_us']:9.1f} us/query  ({r['hnsw_bytes']/2**20:.0f} MiB, build {r['hnsw_build_s']:.1f} s)\")
print(f\"brute-force Hamming, radius 2:  {r['hamming_scan_us']:9.1f} us/query\")
print(f\"hash table ({r['hash_kind']}), radius 2: {r['hash_us']:9.1f} us/query  (build {r['hash_build_s']:.2f} s)\")
print(f\"found within radius 2: {r['mean_found_radius2']:.1f} per query, {100*r['empty_radius2']:.1f}% empty; sets exact: {r['hash_sets_exact']}\")
print(f\"hash lookup vs brute-force float: {r['speedup_hash_vs_flat']:.0f}x faster per query\")
print(json.dumps(r))"
