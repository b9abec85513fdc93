// geosrpc_server: turns flags (or their GEOSRPC_* environment variables) into
// Server::Options, serves until SIGINT or SIGTERM, then drains: health
// NOT_SERVING, --drain_delay, no new calls, --shutdown_grace for calls in
// flight, then cancellation; exits 0.
//
// Every flag is bound to one Options field: its type and default are that
// field's, so defaults are stated once, in Server::Options (and the structs
// it holds).
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "base/flags.h"
#include "server/service/server.h"

namespace {

const geosrpc::service::Server::Options kDefaults;

}  // namespace

// A flag with the type and default of Server::Options' `field`.
#define GEOSRPC_OPTION_FLAG(name, field, help) \
  ABSL_FLAG(decltype(kDefaults.field), name, kDefaults.field, help)

GEOSRPC_OPTION_FLAG(listen, listen_address,
                    "gRPC listen address (host:port; port 0 picks a free "
                    "port)");
GEOSRPC_OPTION_FLAG(workers, num_workers,
                    "GEOS worker threads (0 = one per core)");
GEOSRPC_OPTION_FLAG(max_message_bytes, max_message_bytes,
                    "Largest request/response message in bytes");
GEOSRPC_OPTION_FLAG(max_rows_per_batch, service.limits.max_rows,
                    "Rows in one batch");
GEOSRPC_OPTION_FLAG(max_vertices_per_geometry,
                    service.limits.geometry.max_vertices,
                    "Coordinates in one input geometry");
GEOSRPC_OPTION_FLAG(max_nesting_depth, service.limits.geometry.max_depth,
                    "Collection nesting in one geometry");
GEOSRPC_OPTION_FLAG(max_vertices_per_batch, service.limits.max_vertices,
                    "Input coordinates in one batch (a and b together)");
GEOSRPC_OPTION_FLAG(max_queued_tasks, max_queued_tasks,
                    "Chunk tasks queued before new requests get "
                    "RESOURCE_EXHAUSTED");
GEOSRPC_OPTION_FLAG(max_inflight_per_stream, service.max_inflight_per_stream,
                    "Batches one ComputeStream may have running at once");
GEOSRPC_OPTION_FLAG(shutdown_grace, shutdown_grace,
                    "On SIGTERM, how long calls in flight may run before "
                    "cancellation");
GEOSRPC_OPTION_FLAG(drain_delay, drain_delay,
                    "On SIGTERM, how long health reports NOT_SERVING before "
                    "new calls are refused");
GEOSRPC_OPTION_FLAG(default_timeout, service.default_timeout,
                    "Time a call may take when the client sets no deadline");
GEOSRPC_OPTION_FLAG(max_timeout, service.max_timeout,
                    "Upper bound on any call's time");
GEOSRPC_OPTION_FLAG(log_requests, service.log_requests,
                    "One JSON line per request on stderr");
GEOSRPC_OPTION_FLAG(metrics_listen, metrics_listen_address,
                    "Prometheus GET /metrics address (port 0 picks one; "
                    "empty: off)");
GEOSRPC_OPTION_FLAG(tls_cert_file, tls_cert_file,
                    "PEM server certificate (enables TLS)");
GEOSRPC_OPTION_FLAG(tls_key_file, tls_key_file, "PEM server private key");
GEOSRPC_OPTION_FLAG(tls_client_ca_file, tls_client_ca_file,
                    "PEM CA for client certificates (enables mutual TLS)");

namespace {

// One of the flags above: it tells this file's flags from those of the
// libraries linked in (FlagsDefinedWith, ShowFlagsInHelp).
const absl::CommandLineFlag& AnyServerFlag() {
  return absl::GetFlagReflectionHandle(FLAGS_listen);
}

// Every flag above may also come from the environment: --max_timeout from
// GEOSRPC_MAX_TIMEOUT, and so on. The command line wins. The variables are
// derived from the flag registry, so a new flag gets one without a list to
// keep.
bool ApplyEnvironment() {
  for (absl::CommandLineFlag* flag :
       geosrpc::FlagsDefinedWith(AnyServerFlag())) {
    const std::string var = "GEOSRPC_" + absl::AsciiStrToUpper(flag->Name());
    const char* value = std::getenv(var.c_str());
    if (value == nullptr) continue;
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::fprintf(stderr, "geosrpc_server: %s=%s: %s\n", var.c_str(), value,
                   error.c_str());
      return false;
    }
  }
  return true;
}

geosrpc::service::Server::Options OptionsFromFlags() {
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
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.drain_delay = absl::GetFlag(FLAGS_drain_delay);
  options.metrics_listen_address = absl::GetFlag(FLAGS_metrics_listen);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "geosrpc_server: GEOS geometry operations on batches over gRPC.\n"
      "Every flag --name may also be set by the environment variable "
      "GEOSRPC_NAME (e.g. GEOSRPC_WORKERS=4); the command line wins.");
  geosrpc::ShowFlagsInHelp(AnyServerFlag());
  if (!ApplyEnvironment()) return 2;
  absl::ParseCommandLine(argc, argv);

  // Block the shutdown signals before any thread starts, so every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = geosrpc::service::Server::Create(OptionsFromFlags());
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
  (*server)->Shutdown();
  std::fprintf(stderr, "geosrpc_server: drained, exiting\n");
  return 0;
}
