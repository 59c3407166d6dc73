#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/, clang, ASan + UBSan, into build-fuzz/) and runs each one
# for SECONDS, one after the other (niced: the machine is shared). Seeds are cut from real files
# that the release build writes on a small MNIST slice (fuzz/make_seeds.py). Crashing inputs land
# in build-fuzz/crashes/<harness>/; copy them to tests/regressions/<harness>/ once fixed.
# The inputs in tests/regressions/<harness>/ run first. Exits 1 when any harness has a finding.
# Usage: scripts/fuzz.sh SECONDS [harness... | io]   (default: all harnesses; io: the torch-free
# ones, whose build is quick: CI runs those)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:?usage: scripts/fuzz.sh SECONDS [harness...]}
shift
io=(idx csv matrix image container codec index request head)
all=("${io[@]}" model checkpoint detector classifier decompress)
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")
[ "${harnesses[*]}" != io ] || harnesses=("${io[@]}")
fuzz=$root/build-fuzz

# Tests on: scripts/test.sh builds test_io in this instrumented tree too.
cmake -S "$root" -B "$fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DLATENT_FUZZ=ON \
  -DLATENT_BUILD_TESTS=ON -DLATENT_BUILD_BENCH=OFF >/dev/null
cmake --build "$fuzz" -j 2 --target "${harnesses[@]/#/fuzz_}"

# Real files to seed from: a tiny model and everything made with it.
real=$fuzz/real
if [ ! -s "$real/detector.ltd" ] || [ ! -s "$real/index_multihash128.lti" ] || [ ! -s "$real/classifier.model" ] || [ ! -s "$real/detector_code.ltd" ]; then
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$root/build" -j 2 --target latent_cli
  latent=$root/build/latent
  mkdir -p "$real"
  small=(--data mnist --limit 300)
  "$latent" train "${small[@]}" --epochs 2 --latent 4 --out "$real/model.lt" --seed 1 2>/dev/null
  "$latent" train "${small[@]}" --epochs 1 --arch conv --channels 2,2 --latent 4 --out "$real/model_conv.lt" 2>/dev/null
  "$latent" index build --model "$real/model.lt" --data mnist --limit 40 --out "$real/index.lti"
  "$latent" index build --model "$real/model.lt" --data mnist --limit 40 --hnsw --out "$real/index_hnsw.lti"
  # Binary codes: a hash table keyed by the whole code (16 bits) and a multi-hash one (128 bits).
  for bits in 16 128; do
    "$latent" train "${small[@]}" --epochs 1 --type binary --bits $bits --out "$real/binary$bits.lt" --seed 1 2>/dev/null
  done
  "$latent" index build --model "$real/binary16.lt" --data mnist --limit 40 --out "$real/index_hash16.lti"
  "$latent" index build --model "$real/binary128.lt" --data mnist --limit 40 --out "$real/index_multihash128.lti"
  "$latent" compress --model "$real/model.lt" --data mnist --limit 40 --out "$real/codes.ltc"
  "$latent" compress --model "$real/model.lt" --data mnist --limit 40 --bits 12 --out "$real/codes16.ltc"
  "$latent" reconstruct --model "$real/model.lt" --count 4 --out "$real/grid.png"
  "$latent" encode --model "$real/model.lt" --limit 10 --out "$real/codes.csv"
  "$latent" encode --model "$real/model.lt" --limit 10 --out "$real/codes.npy"
  "$latent" anomaly fit --model "$real/model.lt" --data mnist --limit 100 --out "$real/detector.ltd"
  "$latent" anomaly fit --model "$real/model.lt" --data mnist --limit 100 --score sse+code --out "$real/detector_code.ltd"
  "$latent" classify train --init "$real/model.lt" --data mnist --limit 300 --epochs 1 --val 0 \
    --out "$real/classifier.model" >/dev/null
fi
python3 "$root/fuzz/make_seeds.py" "$root/data/mnist" "$real" "$fuzz/seeds"

mkdir -p "$fuzz/logs" "$fuzz/scratch"
printf "%-11s %8s %12s %8s\n" harness seconds executions findings
for h in "${harnesses[@]}"; do
  mkdir -p "$fuzz/corpus/$h" "$fuzz/crashes/$h" "$fuzz/seeds/$h"
  start=$(date +%s)
  # The harnesses write their scratch file into TMPDIR; a crash stops the run (status 1 or 77).
  TMPDIR=$fuzz/scratch LSAN_OPTIONS=suppressions=$root/fuzz/lsan.supp nice -n 10 "$fuzz/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
    -artifact_prefix="$fuzz/crashes/$h/" -print_final_stats=1 "$fuzz/corpus/$h" "$fuzz/seeds/$h" \
    $([ -d "$root/tests/regressions/$h" ] && echo "$root/tests/regressions/$h") \
    >"$fuzz/logs/$h.log" 2>&1 || true
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$fuzz/logs/$h.log" | grep -o '[0-9]*$' || echo "?")
  # crash-, leak-, oom- and timeout- files are findings; slow-unit- files only say an input took
  # over 10 s once (on this shared machine, usually the load).
  found=$(find "$fuzz/crashes/$h" -newermt "@$start" \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' \) | wc -l)
  printf "%-11s %8d %12s %8d\n" "$h" $(($(date +%s) - start)) "$execs" "$found"
  findings=$((${findings:-0} + found))
done
[ "${findings:-0}" -eq 0 ] || { echo "fuzz: $findings findings in $fuzz/crashes (logs: $fuzz/logs)"; exit 1; }
