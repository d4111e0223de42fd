#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzzing build for a bounded time, starting
# from the seed corpora (written from the test data) and the committed
# regression inputs. Fails on the first crash, leak, timeout or sanitizer
# report; the reproducer is left in BUILD_DIR/fuzz-findings/.
# Usage: scripts/fuzz.sh BUILD_DIR [SECONDS_PER_TARGET] [extra libFuzzer flags...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "$1" && pwd)"
seconds="${2:-20}"
shift $(( $# >= 2 ? 2 : 1 ))
fixtures="${ARCHSCOPE_FIXTURES:-$root/../shared/fixtures/hf}"
seeds="$build/fuzz-seeds"
"$build/tests/fuzz/fuzz_seeds" "$seeds" "$fixtures" "$root/assets" >/dev/null
mkdir -p "$build/fuzz-findings"
for target in config safetensors run flags; do
  work="$build/fuzz-corpus/$target"
  mkdir -p "$work"
  echo "fuzz_$target: ${seconds}s"
  # -rss_limit_mb bounds memory per input; -timeout catches hangs; the work
  # corpus (first directory) collects what the run discovers.
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-findings/$target-" "$@" \
    "$work" "$seeds/$target" "$root/tests/fuzz/corpus/$target" 2>&1 |
    grep -E "^(stat::|INFO: (seed|Loaded)|==|SUMMARY|Test unit|artifact|.*ERROR)" || true
  status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then
    echo "fuzz_$target failed (status $status); reproducer in $build/fuzz-findings/"
    exit 1
  fi
done
