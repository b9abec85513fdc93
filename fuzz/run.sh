#!/usr/bin/env bash
# Runs one libFuzzer harness for a while from its seed corpus.
#
#   fuzz/run.sh BINARY SECONDS [libFuzzer flags...]
#
# The committed seeds (fuzz/corpus/<harness>/) are only read; what the run
# finds goes to a working corpus beside the binary (corpus/<harness>/),
# which later runs start from too, and anything that fails (crash, leak,
# timeout, sanitizer report) to artifacts/<harness>/. fuzz/<harness>.dict is
# used when present. Prints one line, "<harness>: <executions> executions,
# <findings> findings", and exits non-zero on a finding. FUZZ_JOBS (default
# 1) runs that many fuzzing processes at once.
set -uo pipefail

bin="$1"
seconds="$2"
shift 2
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
name="$(basename "$bin")"
out="$(dirname "$bin")"
work="$out/corpus/$name"
artifacts="$out/artifacts/$name"
log="$out/logs/$name.log"
jobdir="$out/jobs/$name"  # -jobs writes fuzz-<n>.log here.
mkdir -p "$work" "$artifacts" "$(dirname "$log")" "$jobdir"
rm -f "$jobdir"/fuzz-*.log

flags=(
  -max_total_time="$seconds"
  -timeout=30
  -rss_limit_mb=4096
  -max_len=8192
  -print_final_stats=1
  -artifact_prefix="$artifacts/"
)
[ -f "$here/$name.dict" ] && flags+=(-dict="$here/$name.dict")
jobs="${FUZZ_JOBS:-1}"
if [ "$jobs" -gt 1 ]; then
  flags+=(-jobs="$jobs" -workers="$jobs")
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

before=$(find "$artifacts" -type f | wc -l)
(cd "$jobdir" && "$bin" "${flags[@]}" "$@" "$work" "$here/corpus/$name") \
  >"$log" 2>&1
rc=$?
[ "$jobs" -gt 1 ] && cat "$jobdir"/fuzz-*.log >>"$log" 2>/dev/null
after=$(find "$artifacts" -type f | wc -l)
execs=$(grep -h '^stat::number_of_executed_units' "$log" |
  awk '{s += $2} END {print s + 0}')
findings=$((after - before))
if [ "$rc" -ne 0 ] && [ "$findings" -eq 0 ]; then findings=1; fi
echo "$name: $execs executions, $findings findings (log: $log)"
if [ "$rc" -ne 0 ] || [ "$findings" -ne 0 ]; then
  grep -h -m 20 -E 'ERROR|SUMMARY|fuzz check failed|runtime error|Test unit written' "$log"
  ls -t "$artifacts" | head -5 | sed "s|^|  $artifacts/|"
  exit 1
fi
