#!/usr/bin/env bash
# Fuzzes every harness in DIR (or those named) in turn, SECONDS in all,
# split evenly, and prints executions and findings per harness and in
# total. Exits non-zero if any harness found something; the others still
# run.
#
#   scripts/fuzz.sh DIR SECONDS [HARNESS...]
set -uo pipefail
dir="$1"
seconds="$2"
shift 2
here="$(cd "$(dirname "$0")/.." && pwd)"
if (($#)); then
  names=("$@")
else
  names=(wkb_fuzzer hex_wkb_fuzzer wkt_fuzzer geojson_fuzzer compute_fuzzer
         join_fuzzer)
fi
each=$((seconds / ${#names[@]}))
((each < 1)) && each=1
echo "fuzz: ${#names[@]} harnesses, ${each}s each, ${FUZZ_JOBS:-1} job(s)"
total=0
found=0
failed=()
for name in "${names[@]}"; do
  line="$(bash "$here/fuzz/run.sh" "$(cd "$dir" && pwd)/$name" "$each")"
  rc=$?
  echo "$line"
  first="$(head -n 1 <<<"$line")"
  execs="$(sed -E 's/^[^:]*: ([0-9]+) executions.*/\1/' <<<"$first")"
  n="$(sed -E 's/.* ([0-9]+) findings.*/\1/' <<<"$first")"
  total=$((total + execs))
  found=$((found + n))
  ((rc != 0)) && failed+=("$name")
done
echo "fuzz: $total executions in total, $found findings"
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (inputs under $dir/artifacts/)"
  exit 1
fi
