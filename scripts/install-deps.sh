#!/usr/bin/env bash
# Installs every Debian 12 package geosrpc needs to build, test and run.
# Idempotent: packages already present are skipped, so it is cheap to re-run.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config ninja-build clang-format
  clang-14 libfuzzer-14-dev
  libgeos-dev libgeos++-dev
  libproj-dev proj-data proj-bin python3-pyproj
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libcivetweb-dev prometheus-cpp-dev
  grpc-proto
  python3-grpcio python3-protobuf python3-numpy python3-shapely
  python3-geopandas python3-setuptools python3-pip python3-venv
  # PostGIS, the peer of the PostGIS operations' tests (which start a
  # throwaway cluster of their own, and skip without it).
  postgresql-15-postgis-3
  prometheus
  openssl
  # The allocator the image runs the server with (see the Dockerfile); the
  # metrics test and the soak run preload it.
  libjemalloc2
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all packages present"
fi

# Node.js for the Node client (the machine image may already carry a newer
# one than Debian's; either works), then the npm dependencies: the client's,
# the manifest and proto checks', and tests/data's (the reference outlines
# that tests and bench/run.sh write out with tests/data/countries.js).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "install-deps: installing nodejs npm"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
here="$(cd "$(dirname "$0")/.." && pwd)"
for dir in client/node deploy/check proto/check tests/data; do
  if [ ! -d "$here/$dir/node_modules" ] || \
     [ "$here/$dir/package-lock.json" -nt "$here/$dir/node_modules" ]; then
    echo "install-deps: npm ci ($dir)"
    (cd "$here/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
