#!/usr/bin/env bash
# A soak run (bench/soak.py): one server under a bounded mixed workload on
# loopback — normal batches, slow readers, cancellations, deadlines, hostile
# rows, ComputeStream — with its RSS, threads and fds sampled throughout.
#
#   bench/soak.sh [MINUTES] [BUILD_DIR] [SAMPLES_CSV]
#       (default 30 minutes, build/release, no CSV)
#   SOAK_FLAGS=--rate=2 bench/soak.sh 3 build/asan   (a sanitizer build: its
#       server exits non-zero if LeakSanitizer finds a leak)
#
# Not part of make test. The figures go in bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-30}
BUILD=${2:-build/release}
SAMPLES=${3:-}
PYTHONPATH=$BUILD/python /usr/bin/python3 bench/soak.py \
  --server="$BUILD/server/geosrpc_server" \
  --load="$BUILD/client/load/geosrpc-load" --minutes="$MINUTES" --samples_csv="$SAMPLES" ${SOAK_FLAGS:-}
