#!/usr/bin/env bash
# Which allocator gives memory back without costing throughput: the server
# under glibc malloc (as is, with two arenas, and trimming when idle), jemalloc
# and mimalloc (Debian's, preloaded), each on the same workloads, in turns.
#
#   bench/allocators.sh [BUILD_DIR] [ROUNDS]    (default build/release, 3)
#
# Per allocator: the seed workload's time on 1 and 2 workers (best of the
# rounds), a buffer workload (50,000 points, radius 1, quadsegs 8: geometry
# results), union_all of 20,000 polygons, the server's RSS idle, at its peak
# under a burst of buffer calls, and idle again 3 s after the burst.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
ROUNDS=${2:-3}
SERVER=$BUILD/server/geosrpc_server
LOAD=$BUILD/client/load/geosrpc-load
PORT=${PORT:-50079}
PY=/usr/bin/python3
LIB=/usr/lib/x86_64-linux-gnu
json() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# name | environment for the server
CONFIGS=(
  "glibc|"
  "glibc-2-arenas|MALLOC_ARENA_MAX=2"
  "glibc-trim-idle|GEOSRPC_RELEASE_MEMORY_WHEN_IDLE=true"
  "jemalloc|LD_PRELOAD=$LIB/libjemalloc.so.2 MALLOC_CONF=background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0"
  "mimalloc|LD_PRELOAD=$LIB/libmimalloc.so.2"
)

server_pid=""
start() {  # start WORKERS ENV...
  local workers=$1; shift
  env "$@" $SERVER --listen=127.0.0.1:$PORT --metrics_listen= \
    --log_requests=false --workers="$workers" 2>/dev/null &
  server_pid=$!
  for _ in $(seq 50); do
    $LOAD --target=127.0.0.1:$PORT --requests=1 --warmup=0s --batch_rows=1 \
      --progress=false >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start" >&2; exit 1
}
stop() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; }
trap '[ -n "$server_pid" ] && kill $server_pid 2>/dev/null || true' EXIT
rss() { awk '/VmRSS/ {print $2 / 1024}' /proc/$server_pid/status; }
hwm() { awk '/VmHWM/ {print $2 / 1024}' /proc/$server_pid/status; }
best() { $PY -c "import sys; print(min(float(x) for x in sys.argv[1:]))" "$@"; }
seconds() {  # seconds OP DATASET ROWS PARAM
  $LOAD --target=127.0.0.1:$PORT --op="$1" --dataset="$2" --batch_rows="$3" \
    ${4:+--param=$4} --concurrency=1 --requests=3 --warmup=0s --json \
    --progress=false | json 'd["latency_ms"]["min"] / 1000'
}

declare -A seed1 seed2 buf uni idle peak after
for round in $(seq "$ROUNDS"); do
  for config in "${CONFIGS[@]}"; do
    name=${config%%|*}; env_vars=${config#*|}
    # shellcheck disable=SC2086
    start 1 $env_vars
    s1=$(seconds distance seed 120000)
    stop
    # shellcheck disable=SC2086
    start 2 $env_vars
    s2=$(seconds distance seed 120000)
    b=$(seconds buffer seed 50000 "radius=1,quadsegs=8")
    u=$(seconds union_all polygons 20000)
    stop
    # Memory on a fresh server: idle, the burst's peak, idle again.
    # shellcheck disable=SC2086
    start 2 $env_vars
    i0=$(rss)
    $LOAD --target=127.0.0.1:$PORT --op=buffer --dataset=seed \
      --batch_rows=200000 --param=radius=1,quadsegs=8 --concurrency=4 \
      --requests=8 --warmup=0s --progress=false >/dev/null
    p=$(hwm)
    sleep 3
    i1=$(rss)
    stop
    seed1[$name]="${seed1[$name]:-} $s1"; seed2[$name]="${seed2[$name]:-} $s2"
    buf[$name]="${buf[$name]:-} $b"; uni[$name]="${uni[$name]:-} $u"
    idle[$name]=$i0; peak[$name]=$p; after[$name]=$i1
  done
done

echo "== Allocators: best of $ROUNDS interleaved rounds; lower is better =="
printf "%-16s %9s %9s %8s %9s %9s %9s %9s %10s %9s\n" allocator seed_1w_s \
  seed_2w_s 1to2 buffer_s union_s idle_MB peak_MB after_3s_MB given_back
for config in "${CONFIGS[@]}"; do
  name=${config%%|*}
  # shellcheck disable=SC2086
  s1=$(best ${seed1[$name]}); s2=$(best ${seed2[$name]})
  # shellcheck disable=SC2086
  b=$(best ${buf[$name]}); u=$(best ${uni[$name]})
  $PY -c "
i0, p, i1 = ${idle[$name]}, ${peak[$name]}, ${after[$name]}
print('%-16s %9.4f %9.4f %7.2fx %9.4f %9.4f %9.1f %9.1f %10.1f %8.0f%%' % (
    '$name', $s1, $s2, $s1 / $s2, $b, $u, i0, p, i1,
    100 * (p - i1) / max(p - i0, 1e-9)))"
done
echo "(seed: 120k-point distance request; buffer: 50k points; union: union_all"
echo " of 20k 32-gons; RSS in MB: idle before, peak under 4 concurrent 200k-point"
echo " buffer calls, idle 3 s after; given_back: share of the growth returned)"
