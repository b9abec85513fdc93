# geosrpc server image.
#   build:   Debian 12, the same install script as the README's quick start.
#   runtime: Debian 12 slim with only the shared libraries the binaries load
#            (deploy/check verifies the list against the binary's ldd), run as
#            a non-root user.
FROM debian:12 AS build
WORKDIR /src
RUN apt-get update \
    && apt-get install -y --no-install-recommends make \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN bash scripts/install-deps.sh \
    && cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \
         -DGEOSRPC_BUILD_TESTS=OFF -DGEOSRPC_BUILD_BENCH=OFF \
    && cmake --build build/release --target geosrpc_server geosrpc

FROM debian:12-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
         libgeos-c1v5 libgeos3.11.1 libproj25 proj-data libgrpc++1.51 libprotobuf32 libabsl20220623 \
         libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libcivetweb1 \
         libjemalloc2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin geosrpc
COPY --from=build /src/build/release/server/geosrpc_server /usr/local/bin/geosrpc_server
COPY --from=build /src/build/release/client/cli/geosrpc /usr/local/bin/geosrpc
# jemalloc, returning freed pages after a second: under glibc's malloc a busy
# server's RSS kept growing in the soak run; jemalloc was as fast or faster
# on every workload and gave back 99% of a burst's growth (bench/RESULTS.md,
# bench/allocators.sh).
ENV LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 \
    MALLOC_CONF=background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0
USER 10001
# gRPC, Prometheus /metrics.
EXPOSE 50051 9464
ENTRYPOINT ["/usr/local/bin/geosrpc_server", "--listen=0.0.0.0:50051", "--metrics_listen=0.0.0.0:9464"]
