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
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "base/flags.h"
#include "server/service/server.h"

namespace {

using Options = geosrpc::service::Server::Options;
const Options kDefaults;

// Each flag's binding to its Options field, registered where the flag is
// defined; OptionsFromFlags applies them all.
std::vector<void (*)(Options&)>& Bindings() {
  static auto* bindings = new std::vector<void (*)(Options&)>;
  return *bindings;
}
struct Binding {
  explicit Binding(void (*bind)(Options&)) { Bindings().push_back(bind); }
};

}  // namespace

// A flag with the type and default of Server::Options' `field`, bound to it:
// the field, its default and its flag are named once, here.
#define GEOSRPC_OPTION_FLAG(name, field, help)                       \
  ABSL_FLAG(decltype(kDefaults.field), name, kDefaults.field, help); \
  namespace {                                                        \
  const Binding kBind_##name([](Options& o) {                        \
    o.field = absl::GetFlag(FLAGS_##name);                           \
  });                                                                \
  }

GEOSRPC_OPTION_FLAG(listen, listen_address,
                    "gRPC listen address (host:port; port 0 picks a free "
                    "port)");
GEOSRPC_OPTION_FLAG(workers, num_workers,
                    "GEOS worker threads (0 = one per core)");
GEOSRPC_OPTION_FLAG(express_threads, express_threads,
                    "Threads beyond the workers for requests of a few rows "
                    "while every worker is busy (0 = none)");
GEOSRPC_OPTION_FLAG(worker_nice, worker_nice,
                    "Nice value of the worker threads, 0-19: above 0, small "
                    "requests' work is scheduled ahead of large ones'");
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
GEOSRPC_OPTION_FLAG(layer, layers,
                    "Layers to load at start-up for Join and Nearest: "
                    "NAME=PATH[,NAME=PATH...]; each file a GeoJSON "
                    "FeatureCollection, WKT lines or hex-WKB lines");
GEOSRPC_OPTION_FLAG(max_cached_set_bytes, max_cached_set_bytes,
                    "Memory (estimated) for the sets clients send to Join "
                    "and Nearest, kept by digest for later calls");
GEOSRPC_OPTION_FLAG(prepared_cache_vertices, prepared_cache_vertices,
                    "Vertices of the geometries each worker keeps prepared");
GEOSRPC_OPTION_FLAG(max_inflight_bytes, max_inflight_bytes,
                    "Bytes held for calls in flight (requests and unsent "
                    "results) before new calls get RESOURCE_EXHAUSTED; 0: "
                    "half the container's memory limit, none outside one");
GEOSRPC_OPTION_FLAG(release_memory_when_idle, release_memory_when_idle,
                    "Give freed memory back to the system once no call has "
                    "been in flight for a moment");
GEOSRPC_OPTION_FLAG(max_pairs, service.limits.max_pairs,
                    "Pairs one Join or Nearest call may return");
GEOSRPC_OPTION_FLAG(max_unsent_chunks, service.limits.max_unsent_chunks,
                    "Result chunks a call may hold computed but not yet "
                    "written to a slow client");

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

Options OptionsFromFlags() {
  Options options;
  for (void (*bind)(Options&) : Bindings()) bind(options);
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
