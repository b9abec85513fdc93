// Server: the geosrpc process's core — worker pool, GeometryService and the
// gRPC server that exposes it, with grpc.health.v1 (overall and per service:
// SERVING until Shutdown) and server reflection, configured by one validated
// Options struct. main.cc only turns flags into Options.
//
// Thread-safety: Wait() may block one thread while Shutdown() is called from
// another. Destruction shuts down first.
#ifndef GEOSRPC_SERVER_SERVICE_SERVER_H_
#define GEOSRPC_SERVER_SERVICE_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/exec/worker_pool.h"
#include "server/metrics/metrics.h"
#include "server/service/geometry_service.h"

namespace geosrpc::service {

class Server {
 public:
  struct Options {
    // host:port to listen on; port 0 picks a free one (see port()).
    std::string listen_address = "127.0.0.1:50051";
    // Worker threads running GEOS; 0 = one per core.
    int num_workers = 0;
    // Threads beyond the workers that run only requests of a few rows, and
    // only while every worker is busy (exec::WorkerPool::Options); 0: none.
    int express_threads = 1;
    // Nice value of the worker threads (exec::WorkerPool::Options): at
    // 10, while the cores are saturated, gRPC's threads and the express
    // thread (small requests) are scheduled ahead of the workers; alone,
    // the workers still take every core (bench/RESULTS.md).
    int worker_nice = 10;
    // Chunk tasks admitted but not started, across all requests, before new
    // requests get RESOURCE_EXHAUSTED.
    size_t max_queued_tasks = 1 << 16;
    // Largest request or response message, in bytes (gRPC's default is
    // 4 MiB; batches are larger).
    int max_message_bytes = 256 << 20;
    // TLS: PEM files. With cert and key the server speaks TLS only; adding a
    // client CA requires and verifies client certificates (mutual TLS).
    // Empty: plaintext (the default, for localhost).
    std::string tls_cert_file;
    std::string tls_key_file;
    std::string tls_client_ca_file;
    // On Shutdown, how long health reports NOT_SERVING before the server
    // stops accepting calls, so that balancers can stop routing to it.
    absl::Duration drain_delay = absl::ZeroDuration();
    // On Shutdown(), how long calls in flight may run before they are
    // cancelled.
    absl::Duration shutdown_grace = absl::Seconds(10);
    // Prometheus GET /metrics address (port 0 picks one); empty disables it.
    std::string metrics_listen_address = "127.0.0.1:9464";
    // Layers to load at start-up for Join and Nearest, each "NAME=PATH": a
    // GeoJSON FeatureCollection, WKT lines or hex-WKB lines. A file that
    // does not load whole stops the server at start.
    std::vector<std::string> layers;
    // Sets that clients send with Join and Nearest are kept, by digest, up
    // to this many bytes in all (estimated; least recently used first out).
    uint64_t max_cached_set_bytes = uint64_t{1} << 30;
    // Each worker's prepared geometries (broadcast operands, set geometries)
    // are bounded by the vertices of their base geometries.
    uint64_t prepared_cache_vertices = 2'000'000;
    // Bytes held for calls in flight (their requests and unsent results);
    // a new call that would pass it gets RESOURCE_EXHAUSTED. 0: half the
    // container's memory limit (its cgroup's), or none where there is none.
    uint64_t max_inflight_bytes = 0;
    // Give freed memory back to the system (malloc_trim) once no call has
    // been in flight for a moment, so an idle server does not keep the RSS
    // of its last burst.
    bool release_memory_when_idle = false;
    GeometryService::Options service;
  };

  static absl::StatusOr<std::unique_ptr<Server>> Create(const Options& options);
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port actually bound.
  int port() const { return port_; }
  int num_workers() const { return pool_->num_workers(); }
  // The metrics port actually bound (0 when disabled).
  int metrics_port() const { return metrics_->port(); }
  metrics::Metrics& metrics() { return *metrics_; }

  // Blocks until Shutdown() completes.
  void Wait();
  // Drains: grpc.health.v1 reports NOT_SERVING and new calls are refused
  // with UNAVAILABLE (nothing computed: clients retry elsewhere) for
  // Options::drain_delay, then gRPC stops accepting; calls in flight finish
  // for up to `grace`, and the rest are cancelled. Idempotent.
  void Shutdown(absl::Duration grace);
  // Shutdown(Options::shutdown_grace).
  void Shutdown() { Shutdown(shutdown_grace_); }

 private:
  Server() = default;
  // Options::layers, each built on the pool and added to sets_.
  absl::Status LoadLayers(const Options& options);
  // The gauges read at each scrape (ClearGauges in the destructor).
  void AddGauges();

  // Declared in dependency order: the gRPC server goes first, then the
  // service, then the pool its calls were using, then the metrics the pool
  // reports to.
  std::unique_ptr<metrics::Metrics> metrics_;
  std::unique_ptr<exec::WorkerPool> pool_;
  std::unique_ptr<layers::SetCatalog> sets_;
  std::unique_ptr<exec::MemoryBudget> memory_;
  std::unique_ptr<GeometryService> service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  int port_ = 0;
  absl::Duration drain_delay_;
  absl::Duration shutdown_grace_;
};

}  // namespace geosrpc::service

#endif  // GEOSRPC_SERVER_SERVICE_SERVER_H_
