#!/usr/bin/env bash
# Runs geosrpc's benchmarks side by side and prints figures and ratios.
#
#   bench/run.sh [BUILD_DIR]     (default build/release; run `make build` first)
#
# 1. The seed workload (120,000 random points, distance to a 20-point
#    multipoint buffered 0.2 with quadsegs 20) through the service for 1..N
#    workers, and the same work in-process with GEOS on the same number of
#    threads: time, speed-up, and service/in-process throughput ratio.
# 2. Small-batch latency (1 and 100 rows) at low load.
# 3. A mixed workload (predicates, buffer, intersection).
# 3b. A reduction: union_all of 20,000 overlapping polygons, for 1..N
#    workers, against one in-process GEOSUnaryUnion_r of the same polygons.
# 3c. A slow reader of a large result (150,000 and 1,000,000 buffers): the
#    server's RSS growth, bounded by flow control whatever the result's size.
# 4. Server peak RSS over its idle RSS, against the batch payload.
# 5. The countries join: 1,000,000 random points joined (intersects) with
#    the Natural Earth 1:10m countries through Join — the countries a layer
#    loaded at start-up, or sent with the request (first call indexes them,
#    later calls name them by digest) — against the same join in-process
#    with GEOS (STRtree + prepared intersects), for 1..N workers.
# 6. Nearest: 1,000,000 random points against 10,000, k=1, against
#    GEOSSTRtree_nearest_r in-process; with and without all_matches.
# 7. PostGIS: the same join as a GiST-indexed SQL join in a throwaway
#    PostgreSQL cluster (skipped, saying why, where PostGIS is unavailable).
# 8. Server memory for the countries layer, and after joins against it.
# 9. Google Benchmark: raw GEOS loop vs the worker pool, no network.
# 10. transform: 1,000,000 random points EPSG:4326 -> 3857, and the Natural
#    Earth 1:10m countries -> LAEA Europe (3035), through the service
#    against proj_trans_generic in-process on the same threads; the points
#    also as coordinate arrays both ways, against one proj_trans_generic a
#    chunk over an in-process x, y array.
#
# SECTIONS="join nearest" (any of seed latency mixed union deadline
# slowreader memory join nearest postgis layer kernels transform) runs only
# those sections; ROUNDS sets
# the interleaved rounds. The join sections write their data (never
# committed) under DATA (default /tmp/geosrpc-bench-data) with
# tests/data/countries.js.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
SERVER=$BUILD/server/geosrpc_server
LOAD=$BUILD/client/load/geosrpc-load
INPROC=$BUILD/bench/seed_inprocess
UNION_INPROC=$BUILD/bench/union_inprocess
KERNELS=$BUILD/bench/kernels_bench
JOIN_INPROC=$BUILD/bench/join_inprocess
NEAREST_INPROC=$BUILD/bench/nearest_inprocess
JOIN_RPC=$BUILD/bench/join_rpc
TRANSFORM_INPROC=$BUILD/bench/transform_inprocess
TRANSFORM_RPC=$BUILD/bench/transform_rpc
PORT=${PORT:-50071}
ROWS=120000
MAX_WORKERS=${MAX_WORKERS:-$(nproc)}
PY=/usr/bin/python3
DATA=${DATA:-/tmp/geosrpc-bench-data}
JOIN_ROWS=${JOIN_ROWS:-1000000}
TRANSFORM_ROWS=${TRANSFORM_ROWS:-1000000}

json() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
want() { [ -z "${SECTIONS:-}" ] || [[ " $SECTIONS " == *" $1 "* ]]; }
min() { $PY -c "print(min($1, $2))"; }

# The cores this script may use. An isolated run confines the server (every
# thread of it, and so the kernel's work on its behalf) and the in-process
# loop to the first W of them, and the client to the others, as when the
# server has a host of its own; it needs more cores than workers.
CORES=($($PY -c "import os; print(*sorted(os.sched_getaffinity(0)))"))
# cores FIRST COUNT: those cores as a taskset list.
cores() { local IFS=,; echo "${CORES[*]:$1:$2}"; }
# isolated W: whether a run of W workers can have cores apart from the client.
isolated() { [ "$1" -lt "${#CORES[@]}" ]; }
server_only() { taskset -c "$(cores 0 "$1")" "${@:2}"; }
client_only() { taskset -c "$(cores "$1" $((${#CORES[@]} - $1)))" "${@:2}"; }

server_pid=""
server_log=$(mktemp)
# start_server WORKERS [server flags...]; with PIN=1 the server runs on the
# first WORKERS cores only (see isolated).
start_server() {
  local workers=$1
  shift
  local pin=()
  # taskset itself, not server_only: a function run in the background is a
  # subshell, and $! would name it rather than the server.
  [ "${PIN:-0}" = 1 ] && pin=(taskset -c "$(cores 0 "$workers")")
  "${pin[@]}" $SERVER --listen=127.0.0.1:$PORT --metrics_listen=127.0.0.1:0 \
    --log_requests=false --workers="$workers" "$@" 2>"$server_log" &
  server_pid=$!
  for _ in $(seq 50); do
    $LOAD --target=127.0.0.1:$PORT --requests=1 --warmup=0s --batch_rows=1 \
      --progress=false >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start" >&2; exit 1
}
stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
rss_kb() { awk "/$1/ {print \$2}" /proc/$server_pid/status; }
pg_cleanup=""
cleanup() {
  [ -n "$server_pid" ] && kill $server_pid 2>/dev/null || true
  [ -n "$pg_cleanup" ] && eval "$pg_cleanup" || true
  rm -f "$server_log"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "geos $(geos-config --version 2>/dev/null || echo '?'), grpc 1.51, $(date -u +%Y-%m-%d)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on these cores adds noise)"
echo
ROUNDS=${ROUNDS:-3}

# seed_best W: the best service and in-process seconds (svc, inp) of ROUNDS
# rounds at W workers. This VM's vCPUs are noisy: service and in-process
# rounds alternate, so both see the same conditions. With PIN=1 the run is
# isolated (the load client on the cores the server does not have).
seed_best() {
  local w=$1 s i client=() inproc=()
  if [ "${PIN:-0}" = 1 ]; then client=(client_only "$w"); inproc=(server_only "$w"); fi
  svc=999; inp=999
  for _ in $(seq "$ROUNDS"); do
    start_server "$w"
    s=$("${client[@]}" $LOAD --target=127.0.0.1:$PORT --dataset=seed \
          --batch_rows=$ROWS --concurrency=1 --requests=6 --warmup=1s \
          --duration=60s --json --progress=false \
          | json 'd["latency_ms"]["min"] / 1000 if d["requests"] else 999')
    stop_server
    i=$("${inproc[@]}" $INPROC --threads="$w" --rows=$ROWS --repeat=6 \
          | json 'd["decode_and_compute_s"]')
    svc=$(min "$svc" "$s"); inp=$(min "$inp" "$i")
  done
}

if want seed; then
  echo "== Seed workload: $ROWS points, distance to the buffered multipoint =="
  printf "%-8s %12s %9s %14s %14s\n" workers service_s speedup inprocess_s service/inproc
  base=""
  for w in $(seq 1 "$MAX_WORKERS"); do
    seed_best "$w"
    [ -z "$base" ] && base=$svc
    $PY -c "print('%-8d %12.4f %8.2fx %14.4f %13.2fx' % ($w, $svc, $base/$svc, $inp, $inp/$svc))"
  done
  echo "(service_s: one 120k-row request end to end from the load client, best"
  echo " of 6; inprocess_s: best of 6, WKB decode + prepared distance on the same"
  echo " threads; each the best of $ROUNDS interleaved rounds, as this VM's vCPUs"
  echo " are noisy; service/inproc > 1 means the service is faster)"
  if isolated 1; then
    echo "isolated: the server and the in-process loop on the first W cores, the load client on the rest"
    printf "%-8s %12s %14s %14s\n" workers service_s inprocess_s service/inproc
    for w in $(seq 1 "$MAX_WORKERS"); do
      isolated "$w" || continue
      PIN=1 seed_best "$w"
      $PY -c "print('%-8d %12.4f %14.4f %13.2fx' % ($w, $svc, $inp, $inp/$svc))"
    done
  fi
  echo
fi

if want latency; then
  echo "== Small batches at low load (one caller, open loop 100 req/s, $MAX_WORKERS workers) =="
  start_server "$MAX_WORKERS"
  lat() {
    $LOAD --target=127.0.0.1:$PORT --dataset=seed --concurrency=1 --rate=100 \
      --duration=10s --json --progress=false "$@" |
      json "'p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms' % (d['latency_ms']['p50'], d['latency_ms']['p90'], d['latency_ms']['p99'], d['latency_ms']['max'])"
  }
  echo "   1 row:      $(lat --batch_rows=1)"
  echo " 100 rows:     $(lat --batch_rows=100)"
  echo " gRPC floor:   $(lat --batch_rows=1 --grpc_floor)   (ListOperations: no work)"
  stop_server
  echo
fi

if want mixed; then
  echo "== Mixed workload: intersects, buffer, intersection on 32-gons =="
  start_server "$MAX_WORKERS"
  $LOAD --target=127.0.0.1:$PORT --dataset=polygons --batch_rows=500 \
    --op=intersects,buffer,intersection --concurrency=4 --duration=5s --json \
    --progress=false |
    json "'%.1f req/s, %.0f rows/s, p50 %.1f ms, p99 %.1f ms, codes %s' % (d['requests_per_second'], d['rows_per_second'], d['latency_ms']['p50'], d['latency_ms']['p99'], d['codes'])"
  stop_server
  echo
fi

if want union; then
  UNION_ROWS=20000
  echo "== Reduction: union_all of $UNION_ROWS overlapping 32-gons (the polygons dataset) =="
  printf "%-8s %12s %14s %14s\n" workers service_s inprocess_s service/inproc
  inp=$($UNION_INPROC --rows=$UNION_ROWS --repeat=3 | json 'd["union_s"]')
  for w in $(seq 1 "$MAX_WORKERS"); do
    start_server "$w"
    s=$($LOAD --target=127.0.0.1:$PORT --dataset=polygons --op=union_all \
          --batch_rows=$UNION_ROWS --concurrency=1 --requests=3 --warmup=0s \
          --json --progress=false | json 'd["latency_ms"]["min"] / 1000')
    stop_server
    $PY -c "print('%-8d %12.4f %14.4f %13.2fx' % ($w, $s, $inp, $inp/$s))"
  done
  echo "(service_s: the request end to end, WKT decode included, best of 3;"
  echo " inprocess_s: one GEOSUnaryUnion_r over the decoded collection, best of 3)"
  echo
fi

if want deadline; then
  echo "== A pathological row (buffer of a 20,000-vertex random walk; minutes uncut) with a 200 ms deadline =="
  start_server "$MAX_WORKERS"
  walk=$(mktemp --suffix=.wkt)
  $PY -c "
import random
random.seed(1); x = y = 0; pts = []
for i in range(20000):
    x += random.uniform(-1, 1); y += random.uniform(-1, 1); pts.append('%.4f %.4f' % (x, y))
print('LINESTRING (' + ', '.join(pts) + ')')" > "$walk"
  $PY -c "
import subprocess, time
for attempt in range(3):
    t = time.monotonic()
    out = subprocess.run(['$BUILD/client/cli/geosrpc', 'compute', '--server=127.0.0.1:$PORT',
                          '--op=buffer', '--a=$walk', '--param=radius=5,quadsegs=32',
                          '--timeout=200ms'], capture_output=True, text=True)
    ms = (time.monotonic() - t) * 1000
    code = 'DEADLINE_EXCEEDED' if 'DEADLINE_EXCEEDED' in out.stderr else out.stderr.strip()[:60]
    print('  attempt %d: %s after %.0f ms (bound 400 ms, includes CLI start-up)' % (attempt + 1, code, ms))"
  rm -f "$walk"
  stop_server
  echo
fi

if want slowreader; then
  echo "== A slow reader: buffer (radius 1, quadsegs 16) of N points, the client pausing 0.25 s every 5 chunks =="
  for rows in 150000 1000000; do
    line=$(GEOSRPC_SLOW_READER_ROWS=$rows GEOSRPC_SERVER=$SERVER \
      PYTHONPATH=$BUILD/python:tests/testing $PY tests/process/slow_reader_test.py 2>&1 |
      grep -oE "result [0-9]+ MB.*growth [0-9]+ MB" || echo "failed")
    echo "$rows points: $line"
  done
  echo "(the server's RSS sampled every 20 ms from /proc; growth = peak - idle before"
  echo " the call; --max_unsent_chunks=8 chunks of ~1 MB may wait unsent per call)"
  echo
fi

if want memory; then
  echo "== Server memory on the seed batch =="
  start_server "$MAX_WORKERS"
  idle=$(awk '/VmRSS/ {print $2}' /proc/$server_pid/status)
  $LOAD --target=127.0.0.1:$PORT --dataset=seed --batch_rows=$ROWS \
    --concurrency=1 --requests=3 --warmup=0s --progress=false >/dev/null
  peak=$(awk '/VmHWM/ {print $2}' /proc/$server_pid/status)
  stop_server
  $PY -c "
payload = $ROWS * 21
grown = ($peak - $idle) * 1024
print('payload %.2f MB; idle RSS %.1f MB; peak RSS %.1f MB; growth %.2f MB = %.2fx payload'
      % (payload/1e6, $idle/1024, $peak/1024, grown/1e6, grown/payload))"
  echo
fi

# The join sections' data: the countries (tests/data/countries.js) and,
# for PostGIS, the points as COPY lines; written under $DATA, not committed.
COUNTRIES=$DATA/countries.hexwkb
countries_info=""
prepare_data() {
  [ -n "$countries_info" ] && return 0
  if [ ! -d tests/data/node_modules ]; then
    echo "(tests/data/node_modules is missing: npm ci, as make build does)"
    (cd tests/data && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  countries_info=$(node tests/data/countries.js "$DATA")
  BOUNDS=$(echo "$countries_info" | json '",".join(repr(v) for v in d["bounds"])')
  WKB_BYTES=$(echo "$countries_info" | json 'd["wkb_bytes"]')
  COUNTRY_ROWS=$(echo "$countries_info" | json 'd["rows"]')
  COUNTRY_VERTICES=$(echo "$countries_info" | json 'd["vertices"]')
}
if want join || want postgis || want layer || want transform; then prepare_data; fi
# Each measurement's JSON, tagged, for the summaries below.
results=$(mktemp)
record() { echo "{\"section\": \"$1\", \"w\": $2, \"kind\": \"$3\", \"r\": $4}" >>"$results"; }
# summarize SECTION: one table of the best of every round (bench/summary.py).
summarize() { $PY bench/summary.py "$1" "$results"; }

if want join; then
  echo "== Countries join: $JOIN_ROWS random points, intersects, against the $COUNTRY_ROWS Natural Earth 1:10m countries ($COUNTRY_VERTICES vertices, $(($WKB_BYTES / 1000)) kB of WKB) =="
  for w in $(seq 1 "$MAX_WORKERS"); do
    # Interleaved rounds, the best of each kind (the seed section's reason).
    for _ in $(seq "$ROUNDS"); do
      start_server "$w" --layer=countries=$COUNTRIES
      record join "$w" layer "$($JOIN_RPC --target=127.0.0.1:$PORT --server_pid=$server_pid \
        --set=layer:countries --rows=$JOIN_ROWS --bounds=$BOUNDS --repeat=3)"
      record join "$w" sent "$($JOIN_RPC --target=127.0.0.1:$PORT --server_pid=$server_pid \
        --set=hexwkb:$COUNTRIES --rows=$JOIN_ROWS --bounds=$BOUNDS \
        --cold=2 --repeat=3 --resend=1)"
      stop_server
      record join "$w" inprocess "$($JOIN_INPROC --countries=$COUNTRIES \
        --threads=$w --rows=$JOIN_ROWS --bounds=$BOUNDS --repeat=3)"
    done
  done
  summarize join
  echo "(each figure the best of 3 calls in each of $ROUNDS interleaved rounds; seconds"
  echo " end to end, points sent as WKB, every pair received; inprocess: GEOS STRtree"
  echo " of the countries + GEOSPreparedIntersects_r, countries decode, index build and"
  echo " point decode included; layer: loaded at start-up (first: the first call after"
  echo " start-up, which prepares the countries on each worker); sent: the countries"
  echo " as WKB with the request (first: the server digests, decodes and indexes"
  echo " them; digest: later calls name them by digest; resent: the geometries sent"
  echo " again, found by digest); x: in-process time / service time, >1 = service faster)"
  echo
fi

if want nearest; then
  NEAREST_SET=10000
  echo "== Nearest: $JOIN_ROWS random points, k=1, against $NEAREST_SET random points (the unit square) =="
  for w in $(seq 1 "$MAX_WORKERS"); do
    for _ in $(seq "$ROUNDS"); do
      start_server "$w"
      record nearest "$w" ties "$($JOIN_RPC --target=127.0.0.1:$PORT --server_pid=$server_pid \
        --mode=nearest --set=random:$NEAREST_SET --bounds=0,0,1,1 \
        --rows=$JOIN_ROWS --cold=1 --repeat=3)"
      record nearest "$w" noties "$($JOIN_RPC --target=127.0.0.1:$PORT --server_pid=$server_pid \
        --mode=nearest --set=random:$NEAREST_SET --bounds=0,0,1,1 \
        --rows=$JOIN_ROWS --cold=1 --repeat=3 --all_matches=false)"
      stop_server
      record nearest "$w" inprocess "$($NEAREST_INPROC --threads=$w \
        --rows=$JOIN_ROWS --set_rows=$NEAREST_SET --repeat=2 --api=geometry)"
    done
  done
  summarize nearest
  echo "(seconds end to end, best of every call in $ROUNDS interleaved rounds;"
  echo " inprocess: GEOSSTRtree_nearest_r on a shared tree, set decode and tree"
  echo " build included; ties: all_matches (the default), by digest after a first"
  echo " call that sends the set; no ties: all_matches=false; x: in-process time /"
  echo " service time)"
  echo
fi

if want transform; then
  echo "== transform: $TRANSFORM_ROWS random points EPSG:4326 -> EPSG:3857, and the $COUNTRY_ROWS countries ($COUNTRY_VERTICES vertices) -> EPSG:3035 (LAEA Europe) =="
  PTS="--input=random:$TRANSFORM_ROWS --bounds=-180,-85,180,85 --from_crs=EPSG:4326"
  CTRY="--input=hexwkb:$COUNTRIES --from_crs=EPSG:4326 --to_crs=EPSG:3035"
  for w in $(seq 1 "$MAX_WORKERS"); do
    for _ in $(seq "$ROUNDS"); do
      start_server "$w"
      record transform "$w" points_svc "$($TRANSFORM_RPC --target=127.0.0.1:$PORT \
        --server_pid=$server_pid $PTS --to_crs=EPSG:3857 --repeat=3)"
      record transform "$w" points_svc_coords "$($TRANSFORM_RPC --target=127.0.0.1:$PORT \
        --server_pid=$server_pid $PTS --to_crs=EPSG:3857 --coordinates --repeat=3)"
      record transform "$w" points_svc_coords_sliced "$($TRANSFORM_RPC --target=127.0.0.1:$PORT \
        --server_pid=$server_pid $PTS --to_crs=EPSG:3857 --coordinates --slices=4 --repeat=3)"
      record transform "$w" countries_svc "$($TRANSFORM_RPC --target=127.0.0.1:$PORT \
        --server_pid=$server_pid $CTRY --repeat=3)"
      record transform "$w" countries_svc_sliced "$($TRANSFORM_RPC --target=127.0.0.1:$PORT \
        --server_pid=$server_pid $CTRY --slices=8 --repeat=3)"
      stop_server
      record transform "$w" points_inproc "$($TRANSFORM_INPROC --threads=$w $PTS \
        --to_crs=EPSG:3857 --srid=3857 --repeat=3)"
      record transform "$w" points_inproc_wkb "$($TRANSFORM_INPROC --threads=$w $PTS \
        --to_crs=EPSG:3857 --srid=3857 --wkb --repeat=3)"
      record transform "$w" points_inproc_coords "$($TRANSFORM_INPROC --threads=$w $PTS \
        --to_crs=EPSG:3857 --coordinates --repeat=3)"
      # 8 rows a take, so that threads share the 255 countries (the
      # server's chunks are cut by vertices).
      record transform "$w" countries_inproc "$($TRANSFORM_INPROC --threads=$w $CTRY \
        --srid=3035 --chunk_rows=8 --repeat=3)"
      record transform "$w" countries_inproc_wkb "$($TRANSFORM_INPROC --threads=$w $CTRY \
        --srid=3035 --chunk_rows=8 --wkb --repeat=3)"
      isolated "$w" || continue
      PIN=1 start_server "$w"
      record transform "$w" points_iso_svc_coords "$(client_only "$w" $TRANSFORM_RPC \
        --target=127.0.0.1:$PORT $PTS --to_crs=EPSG:3857 --coordinates --repeat=3)"
      record transform "$w" countries_iso_svc "$(client_only "$w" $TRANSFORM_RPC \
        --target=127.0.0.1:$PORT $CTRY --repeat=3)"
      record transform "$w" countries_iso_svc_sliced "$(client_only "$w" $TRANSFORM_RPC \
        --target=127.0.0.1:$PORT $CTRY --slices=8 --repeat=3)"
      stop_server
      record transform "$w" points_iso_inproc_coords "$(server_only "$w" $TRANSFORM_INPROC \
        --threads=$w $PTS --to_crs=EPSG:3857 --coordinates --repeat=3)"
      record transform "$w" countries_iso_inproc_wkb "$(server_only "$w" $TRANSFORM_INPROC \
        --threads=$w $CTRY --srid=3035 --chunk_rows=8 --wkb --repeat=3)"
    done
  done
  summarize transform
  echo "(seconds, best of 3 calls in each of $ROUNDS interleaved rounds; service: one"
  echo " Compute call end to end, WKB in and out, after a first call (first_s) that"
  echo " makes each worker's transformation; in-process: T threads, each with its own"
  echo " PROJ context and transformation made beforehand, WKB decode (GEOS), one"
  echo " proj_trans_generic per coordinate sequence, geometry rebuilt and written as"
  echo " WKB (wkb: rows read and written as WKB without GEOS, as the service does);"
  echo " coordinates: the points sent and answered as coordinate arrays (kind POINT),"
  echo " against the points as one x, y array in-process, the output array allocated"
  echo " and each chunk of rows copied into it and transformed there with one"
  echo " proj_trans_generic call (svc wkb/coords: the service's WKB time / its"
  echo " coordinates time); x: in-process time / service time, >1 = service faster;"
  echo " goal >= 0.85x; 1st_chunk: the time to the first result chunk; sliced: the"
  echo " points as 4 batches (the countries as 8, cut by bytes) pipelined on one"
  echo " ComputeStream call, as the clients' compute_stream sends; xy digest: the sum"
  echo " of round(1000 (x + y)) over the output coordinates, computed apart from"
  echo " the timed calls; isolated, where there are more cores than workers: the"
  echo " server and the in-process loop confined to W cores, the client to the"
  echo " others, as when the server has a host of its own)"
  echo
fi

# PostGIS: a throwaway cluster under /tmp, run as the postgres user, on a
# unix socket only (no TCP).
PGBIN=/usr/lib/postgresql/15/bin
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
postgis_ready() {
  if [ -f /usr/share/postgresql/15/extension/postgis.control ] && [ -x $PGBIN/initdb ]; then
    return 0
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  echo "PostGIS is not installed: installing postgresql-15-postgis-3 with apt-get (Debian's package)"
  if ! { DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
           postgresql-15-postgis-3 >/dev/null 2>&1 ||
         { $sudo apt-get update -qq >/dev/null 2>&1 &&
           DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
             postgresql-15-postgis-3 >/dev/null 2>&1; }; }; then
    echo "SKIPPED: apt-get could not install postgresql-15-postgis-3 (no root, no network or no such package)"
    return 1
  fi
  [ -f /usr/share/postgresql/15/extension/postgis.control ]
}

if want postgis; then
  echo "== PostGIS peer: the countries join in SQL (PostgreSQL 15, GiST indexes) =="
  if ! postgis_ready; then
    echo "SKIPPED: no PostGIS on this machine"
  elif [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "SKIPPED: no postgres user to run the cluster as"
  else
    pgdir=$(mktemp -d /tmp/geosrpc-bench-pg.XXXXXX)
    [ "$(id -u)" -eq 0 ] && chown postgres: "$pgdir"
    pg_cleanup="as_pg $PGBIN/pg_ctl -D $pgdir/data -m immediate stop >/dev/null 2>&1; rm -rf $pgdir"
    as_pg $PGBIN/initdb -D "$pgdir/data" -A trust -U postgres --no-locale -E UTF8 >/dev/null
    # Durability off for the load; query settings are PostgreSQL's defaults
    # (2 parallel workers per gather) but for shared_buffers and work_mem,
    # large enough to hold the tables and indexes.
    as_pg $PGBIN/pg_ctl -D "$pgdir/data" -l "$pgdir/log" -w -s \
      -o "-c listen_addresses='' -c unix_socket_directories='$pgdir' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=1GB -c work_mem=256MB" start
    psql_() { as_pg $PGBIN/psql -X -q -v ON_ERROR_STOP=1 -h "$pgdir" -U postgres "$@"; }
    psql_ -d postgres -c "CREATE DATABASE bench" >/dev/null
    points_copy=$DATA/points.copy
    $JOIN_INPROC --rows=$JOIN_ROWS --bounds=$BOUNDS --write_points=$points_copy
    t0=$(date +%s.%N)
    psql_ -d bench >/dev/null <<SQL
CREATE EXTENSION postgis;
CREATE TABLE countries (id integer PRIMARY KEY, geom geometry NOT NULL);
CREATE TABLE points (id integer PRIMARY KEY, geom geometry(Point) NOT NULL);
SQL
    awk '{print NR - 1 "\t" $0}' "$COUNTRIES" | psql_ -d bench -c "COPY countries FROM STDIN"
    psql_ -d bench -c "COPY points FROM STDIN" <"$points_copy"
    psql_ -d bench >/dev/null <<SQL
CREATE INDEX ON countries USING gist (geom);
CREATE INDEX ON points USING gist (geom);
VACUUM ANALYZE;
SQL
    t1=$(date +%s.%N)
    echo "PostgreSQL $(psql_ -d bench -At -c 'SHOW server_version'), PostGIS $(psql_ -d bench -At -c 'SELECT postgis_lib_version()') (GEOS $(psql_ -d bench -At -c 'SELECT postgis_geos_version()')); load, GiST indexes and ANALYZE: $($PY -c "print('%.1f s' % ($t1 - $t0))")"
    query="SELECT p.id, c.id FROM points p JOIN countries c ON ST_Intersects(c.geom, p.geom)"
    echo "query: $query"
    # The answer, untimed, to compare with the service's pairs.
    check=$(psql_ -d bench -At -F' ' -c "SELECT count(*), sum(p.id::numeric * 1000003 + c.id) % 18446744073709551616 FROM points p JOIN countries c ON ST_Intersects(c.geom, p.geom)")
    invalid=$(psql_ -d bench -At -c "SET client_min_messages = warning" \
      -c "SELECT count(*) FROM countries WHERE NOT ST_IsValid(geom)")
    record postgis 0 answer "{\"pairs\": ${check% *}, \"pair_hash\": ${check#* }, \"invalid\": $invalid}"
    if [ "$invalid" -gt 0 ]; then
      # Where the two disagree on invalid polygons: both again on the
      # countries made valid (PostGIS's ST_MakeValid, polygons kept).
      psql_ -d bench >/dev/null <<SQL
SET client_min_messages = warning;
CREATE TABLE valid_countries AS
  SELECT id, ST_CollectionExtract(ST_MakeValid(geom), 3) AS geom FROM countries;
CREATE INDEX ON valid_countries USING gist (geom);
ANALYZE valid_countries;
SQL
      psql_ -d bench -At -c "SELECT encode(ST_AsBinary(geom, 'NDR'), 'hex') FROM valid_countries ORDER BY id" \
        >"$DATA/countries-valid.hexwkb"
      check=$(psql_ -d bench -At -F' ' -c "SELECT count(*), sum(p.id::numeric * 1000003 + c.id) % 18446744073709551616 FROM points p JOIN valid_countries c ON ST_Intersects(c.geom, p.geom)")
      record postgis 0 valid_answer "{\"pairs\": ${check% *}, \"pair_hash\": ${check#* }}"
      record postgis 0 valid_inprocess "$($JOIN_INPROC --countries="$DATA/countries-valid.hexwkb" \
        --threads="$MAX_WORKERS" --rows=$JOIN_ROWS --bounds=$BOUNDS --repeat=1)"
    fi
    for round in $(seq "$ROUNDS"); do
      plan=$(psql_ -d bench -At -c "EXPLAIN (ANALYZE, TIMING OFF) $query")
      [ "$round" -eq 1 ] && echo "$plan" | grep -E -- "->|^[A-Z]|Timing:" | grep -v "Time:" | sed 's/^/  plan: /'
      exec_ms=$(echo "$plan" | sed -n 's/^Execution Time: \([0-9.]*\) ms/\1/p')
      t0=$(date +%s.%N)
      psql_ -d bench -At -c "$query" >/dev/null
      e2e=$($PY -c "print($(date +%s.%N) - $t0)")
      record postgis 0 sql "{\"explain_s\": $($PY -c "print($exec_ms / 1000)"), \"e2e_s\": $e2e}"
      start_server "$MAX_WORKERS" --layer=countries=$COUNTRIES
      record postgis "$MAX_WORKERS" layer "$($JOIN_RPC --target=127.0.0.1:$PORT --server_pid=$server_pid \
        --set=layer:countries --rows=$JOIN_ROWS --bounds=$BOUNDS --repeat=3)"
      stop_server
    done
    eval "$pg_cleanup"
    pg_cleanup=""
    summarize postgis
    echo "(server: EXPLAIN (ANALYZE, TIMING OFF)'s execution time; end to end: psql"
    echo " -At over the unix socket, every pair received; service: Join against the"
    echo " layer, $MAX_WORKERS workers, end to end; best of $ROUNDS interleaved rounds)"
  fi
  echo
fi

if want layer; then
  echo "== Server memory for the countries layer ($MAX_WORKERS workers) =="
  start_server "$MAX_WORKERS"
  sleep 1
  bare=$(rss_kb VmRSS)
  stop_server
  start_server "$MAX_WORKERS" --layer=countries=$COUNTRIES
  sleep 1
  loaded=$(rss_kb VmRSS)
  load_line=$(grep "layer 'countries'" "$server_log" || true)
  small=$($JOIN_RPC --target=127.0.0.1:$PORT --set=layer:countries \
    --rows=20000 --bounds=$BOUNDS --repeat=1)
  after_small=$(rss_kb VmRSS)
  $JOIN_RPC --target=127.0.0.1:$PORT --set=layer:countries \
    --rows=$JOIN_ROWS --bounds=$BOUNDS --repeat=1 >/dev/null
  after_big=$(rss_kb VmRSS)
  peak=$(rss_kb VmHWM)
  stop_server
  # The same two servers with glibc's mmap threshold fixed at its initial
  # 128 KiB (it otherwise rises with the first large free, and the
  # layer file's text, freed after loading, stays in the heap).
  MALLOC_MMAP_THRESHOLD_=131072 start_server "$MAX_WORKERS"
  sleep 1
  bare_fixed=$(rss_kb VmRSS)
  stop_server
  MALLOC_MMAP_THRESHOLD_=131072 start_server "$MAX_WORKERS" --layer=countries=$COUNTRIES
  sleep 1
  loaded_fixed=$(rss_kb VmRSS)
  stop_server
  echo "${load_line#geosrpc_server: }"
  $PY -c "
wkb = $WKB_BYTES; mb = 1e6
layer = ($loaded - $bare) * 1024
small = ($after_small - $loaded) * 1024
big = ($after_big - $loaded) * 1024
print('RSS without the layer %.1f MB, with it %.1f MB: the layer holds %.1f MB = %.2fx its %.1f MB of WKB (server estimate %.1f MB)'
      % ($bare * 1024 / mb, $loaded * 1024 / mb, layer / mb, layer / wkb, wkb / mb, $(echo "$small" | json 'd["set_bytes"]') / mb))
fixed = ($loaded_fixed - $bare_fixed) * 1024
print('with MALLOC_MMAP_THRESHOLD_=131072: the layer holds %.1f MB = %.2fx its WKB (the rest above: freed load buffers glibc keeps)'
      % (fixed / mb, fixed / wkb))
print('after a 20,000-point join: +%.1f MB (+%.1f MB per worker: the countries prepared on each)' % (small / mb, small / mb / $MAX_WORKERS))
print('after a $JOIN_ROWS-point join: +%.1f MB over the loaded server; peak RSS %.1f MB' % (big / mb, $peak * 1024 / mb))"
  echo
fi

rm -f "$results"

if want kernels; then
  echo "== Kernels in-process (Google Benchmark; no network) =="
  $KERNELS --benchmark_min_time=1 2>/dev/null | grep -E "^BM_|^-|Benchmark"
fi
