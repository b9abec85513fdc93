// geosrpc_server: turns flags into Server::Options, serves until SIGINT or
// SIGTERM, then drains for --shutdown_grace before exiting.
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/time.h"
#include "server/service/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "gRPC listen address (host:port; port 0 picks a free port)");
ABSL_FLAG(int, workers, 0, "GEOS worker threads (0 = one per core)");
ABSL_FLAG(int, max_message_bytes, 256 << 20,
          "Largest request/response message in bytes");
ABSL_FLAG(uint64_t, max_rows_per_batch, 10'000'000, "Rows in one batch");
ABSL_FLAG(uint64_t, max_vertices_per_geometry, 10'000'000,
          "Coordinates in one input geometry");
ABSL_FLAG(int, max_nesting_depth, 32, "Collection nesting in one geometry");
ABSL_FLAG(uint64_t, max_queued_tasks, 1 << 16,
          "Chunk tasks queued before new requests get RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_inflight_per_stream, 8,
          "Batches one ComputeStream may have running at once");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, how long calls in flight may run before cancellation");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "geosrpc_server: GEOS geometry operations on batches over gRPC.");
  absl::ParseCommandLine(argc, argv);

  // Block the shutdown signals before any thread starts, so every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  geosrpc::service::Server::Options options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.num_workers = absl::GetFlag(FLAGS_workers);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.max_queued_tasks = absl::GetFlag(FLAGS_max_queued_tasks);
  options.service.max_inflight_per_stream =
      absl::GetFlag(FLAGS_max_inflight_per_stream);
  options.service.limits.max_rows = absl::GetFlag(FLAGS_max_rows_per_batch);
  options.service.limits.geometry.max_vertices =
      absl::GetFlag(FLAGS_max_vertices_per_geometry);
  options.service.limits.geometry.max_depth =
      absl::GetFlag(FLAGS_max_nesting_depth);

  auto server = geosrpc::service::Server::Create(options);
  if (!server.ok()) {
    std::fprintf(stderr, "geosrpc_server: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "geosrpc_server: listening on port %d with %d workers\n",
               (*server)->port(), (*server)->num_workers());

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "geosrpc_server: signal %d, draining\n", received);
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  return 0;
}
