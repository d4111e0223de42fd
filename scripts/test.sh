#!/usr/bin/env bash
# One command: install dependencies, build everything and run every test; then
# build again with AddressSanitizer + UndefinedBehaviorSanitizer (and libFuzzer
# coverage, clang) and run the tests there too; then run each fuzz target for a
# bounded time. Prints how long each stage took.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"

stage_start=$SECONDS
stage() {
  echo "== $1 took $((SECONDS - stage_start)) s"
  stage_start=$SECONDS
}

cmake -S "$root" -B "$root/build-tests" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARCHSCOPE_BUILD_TESTS=ON
cmake --build "$root/build-tests"
(cd "$root/build-tests" && ctest --output-on-failure -j"$(nproc)")
stage "main build and tests"

# The window and Vulkan are not needed to check the engine and the command line.
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$root/build-sanitize" -G Ninja \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
  -DARCHSCOPE_WITH_GUI=OFF -DARCHSCOPE_WITH_VULKAN=OFF -DARCHSCOPE_BUILD_BENCHMARKS=OFF \
  -DARCHSCOPE_SANITIZE=ON -DARCHSCOPE_FUZZ=ON
cmake --build "$root/build-sanitize"
stage "sanitizer and fuzzing build"
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
(cd "$root/build-sanitize" && ctest --output-on-failure -j"$(nproc)")
stage "tests under ASan + UBSan"

"$root/scripts/fuzz.sh" "$root/build-sanitize" "${ARCHSCOPE_FUZZ_SECONDS:-20}"
stage "fuzzing"
