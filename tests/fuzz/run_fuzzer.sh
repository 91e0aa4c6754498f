#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on its seed corpus.
# Usage: run_fuzzer.sh FUZZER SEED_DIR SECONDS WORK_DIR
# New inputs go to WORK_DIR/corpus (the seed corpus in the repository is
# never written); a crash is saved as WORK_DIR/crash-* and fails the run.
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3 work=$4
mkdir -p "$work/corpus"
rm -f "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
set +e
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds" >"$work/log" 2>&1
status=$?
set -e
# The progress lines are many; keep the summary and any report.
grep -v -E '^#[0-9]+' "$work/log" | tail -n 60
grep -E '^#[0-9]+.*DONE' "$work/log" || true
if ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* >/dev/null 2>&1; then
  echo "run_fuzzer: $(basename "$fuzzer") found a failing input:" >&2
  ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null >&2
  exit 1
fi
exit "$status"
