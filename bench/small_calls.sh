#!/usr/bin/env bash
# Small calls during big ones: the latency of 1-row requests (open loop, 100
# per second) while 8 large batches run at once on the same server, against
# the same 1-row requests on an idle server.
#
#   bench/small_calls.sh [BUILD_DIR]    (default build/release)
#   SERVER_FLAGS="--express_threads=0" bench/small_calls.sh   (compare)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/release}
SERVER=$BUILD/server/geosrpc_server
LOAD=$BUILD/client/load/geosrpc-load
PORT=${PORT:-50077}
WORKERS=${WORKERS:-$(nproc)}
PY=/usr/bin/python3
json() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
pct="'p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms  (%d calls, codes %s)' % (d['latency_ms']['p50'], d['latency_ms']['p90'], d['latency_ms']['p99'], d['latency_ms']['max'], d['requests'], d['codes'])"

$SERVER --listen=127.0.0.1:$PORT --metrics_listen= --log_requests=false \
  --workers="$WORKERS" ${SERVER_FLAGS:-} 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  $LOAD --target=127.0.0.1:$PORT --requests=1 --warmup=0s --batch_rows=1 \
    --progress=false >/dev/null 2>&1 && break
  sleep 0.1
done
small() {
  $LOAD --target=127.0.0.1:$PORT --dataset=seed --batch_rows=1 --rate=100 \
    --concurrency=4 --duration="$1" --warmup=1s --json --progress=false |
    json "$pct"
}
echo "== 1-row requests, $WORKERS workers =="
echo "  idle server:            $(small 10s)"
# Eight large batches in flight all the time (the seed workload's distance,
# 100,000 rows each), on their own connection.
$LOAD --target=127.0.0.1:$PORT --dataset=seed --batch_rows=100000 \
  --concurrency=8 --duration=25s --warmup=0s --json --progress=false \
  >/tmp/small_calls_big.json &
big=$!
sleep 3
echo "  during 8 large batches: $(small 15s)"
wait $big
echo "  (the large batches: $(json "'%.0f rows/s, codes %s' % (d['rows_per_second'], d['codes'])" </tmp/small_calls_big.json))"
