// geosrpc_server: turns flags (or their GEOSRPC_* environment variables) into
// Server::Options, serves until SIGINT or SIGTERM, then drains: health
// NOT_SERVING, --drain_delay, no new calls, --shutdown_grace for calls in
// flight, then cancellation; exits 0.
#include <signal.h>

#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "base/flags.h"
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
ABSL_FLAG(uint64_t, max_vertices_per_batch, 100'000'000,
          "Input coordinates in one batch (a and b together)");
ABSL_FLAG(uint64_t, max_queued_tasks, 1 << 16,
          "Chunk tasks queued before new requests get RESOURCE_EXHAUSTED");
ABSL_FLAG(int, max_inflight_per_stream, 8,
          "Batches one ComputeStream may have running at once");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "On SIGTERM, how long calls in flight may run before cancellation");
ABSL_FLAG(absl::Duration, drain_delay, absl::ZeroDuration(),
          "On SIGTERM, how long health reports NOT_SERVING before new calls "
          "are refused");
ABSL_FLAG(absl::Duration, default_timeout, absl::InfiniteDuration(),
          "Time a call may take when the client sets no deadline");
ABSL_FLAG(absl::Duration, max_timeout, absl::InfiniteDuration(),
          "Upper bound on any call's time");
ABSL_FLAG(bool, log_requests, true, "One JSON line per request on stderr");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464",
          "Prometheus GET /metrics address (port 0 picks one; empty: off)");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM server certificate (enables TLS)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM server private key");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA for client certificates (enables mutual TLS)");

namespace {

// Every flag above may also come from the environment: --max_timeout from
// GEOSRPC_MAX_TIMEOUT, and so on. The command line wins.
constexpr const char* kEnvFlags[] = {
    "listen", "workers", "max_message_bytes", "max_rows_per_batch",
    "max_vertices_per_geometry", "max_vertices_per_batch",
    "max_nesting_depth", "max_queued_tasks",
    "max_inflight_per_stream", "shutdown_grace", "drain_delay",
    "default_timeout", "max_timeout", "log_requests", "tls_cert_file",
    "tls_key_file", "tls_client_ca_file", "metrics_listen"};

bool ApplyEnvironment() {
  for (const char* name : kEnvFlags) {
    const std::string var = "GEOSRPC_" + absl::AsciiStrToUpper(name);
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string error;
    if (flag == nullptr || !flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "geosrpc_server: %s=%s: %s\n", var.c_str(), value,
                   error.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "geosrpc_server: GEOS geometry operations on batches over gRPC.\n"
      "Every flag --name may also be set by the environment variable "
      "GEOSRPC_NAME (e.g. GEOSRPC_WORKERS=4); the command line wins.");
  geosrpc::ShowFlagsInHelp(absl::GetFlagReflectionHandle(FLAGS_listen));
  if (!ApplyEnvironment()) return 2;
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
  options.service.limits.max_vertices =
      absl::GetFlag(FLAGS_max_vertices_per_batch);
  options.service.default_timeout = absl::GetFlag(FLAGS_default_timeout);
  options.service.max_timeout = absl::GetFlag(FLAGS_max_timeout);
  options.service.log_requests = absl::GetFlag(FLAGS_log_requests);
  options.drain_delay = absl::GetFlag(FLAGS_drain_delay);
  options.metrics_listen_address = absl::GetFlag(FLAGS_metrics_listen);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);

  auto server = geosrpc::service::Server::Create(options);
  if (!server.ok()) {
    std::fprintf(stderr, "geosrpc_server: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr,
               "geosrpc_server: listening on port %d with %d workers; "
               "metrics on port %d\n",
               (*server)->port(), (*server)->num_workers(),
               (*server)->metrics_port());

  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "geosrpc_server: signal %d, draining\n", received);
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  std::fprintf(stderr, "geosrpc_server: drained, exiting\n");
  return 0;
}
