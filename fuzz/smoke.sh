#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 10) on its committed corpus, after building
# them once. Needs cargo-fuzz (`cargo install cargo-fuzz`); the stable toolchain works with
# RUSTC_BOOTSTRAP=1 (libFuzzer needs -Z flags).
#
#   fuzz/smoke.sh [seconds-per-target]
set -euo pipefail
cd "$(dirname "$0")"
SECS="${1:-10}"
export RUSTC_BOOTSTRAP=1
# No sanitizer: the crate forbids unsafe code, and AddressSanitizer would halve throughput;
# cargo-fuzz's default build keeps debug assertions and overflow checks on.

start=$(date +%s)
cargo fuzz build -s none
built=$(date +%s)
echo "build: $((built - start)) s"

for target in $(cargo fuzz list); do
  echo "== $target (${SECS}s)"
  mkdir -p "corpus/$target"
  # A scratch copy, so new inputs found during the smoke run do not grow the committed corpus.
  scratch="$(mktemp -d)"
  cp -r "corpus/$target/." "$scratch/" 2>/dev/null || true
  log="$scratch.log"
  status=0
  cargo fuzz run -s none "$target" "$scratch" -- -max_total_time="$SECS" -max_len=4096 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "stat::number_of_executed_units|panicked|SUMMARY" "$log" || true
  rm -rf "$scratch"
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    echo "FAIL: $target (reproducer in fuzz/artifacts/$target)"
    exit 1
  fi
  rm -f "$log"
done
echo "all targets clean; total $(( $(date +%s) - start )) s"
