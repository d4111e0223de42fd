#!/usr/bin/env bash
# One command: install dependencies, build everything, and run every test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build-tests" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DARCHSCOPE_BUILD_TESTS=ON
cmake --build "$root/build-tests"
cd "$root/build-tests"
ctest --output-on-failure -j"$(nproc)"
