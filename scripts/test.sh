#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, training on MNIST slices, CLI end to end).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
cd "$root/build"
ctest --output-on-failure -j 2 --timeout 1200

# The torch-free fuzz harnesses (the readers of files and of the server's requests), 15 s each
# under ASan + UBSan after replaying tests/regressions; a finding fails the run.
"$root/scripts/fuzz.sh" 15 io

# The reader and file tests again under AddressSanitizer + UndefinedBehaviorSanitizer, any report
# failing the run: test_io is where outside bytes are parsed. Built in the harnesses' instrumented
# tree (build-fuzz, which fuzz.sh configured), whose library objects are already built: only the
# tests compile. The torch tests are not rebuilt instrumented (scripts/fuzz.sh runs the model
# readers under ASan by hand).
cmake --build "$root/build-fuzz" -j "$(nproc)" --target test_io
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$root/build-fuzz/tests/test_io" --gtest_brief=1

# The torch readers (model, checkpoint, detector, classifier, decompress): mutations of the seeds
# fuzz.sh cut from real files, 10 s each in the normal build (their sanitised clang build would
# not fit in CI's time; scripts/fuzz.sh runs them under libFuzzer by hand).
(cd "$root/build" && ./tests/replay_fuzz --mutate 50 "$root/build-fuzz/seeds" model checkpoint detector classifier decompress)
