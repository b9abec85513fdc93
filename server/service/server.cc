#include "server/service/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "grpc/health/v1/health.pb.h"
#include "server/exec/load_layer.h"

namespace geosrpc::service {

namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view what) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", what, " file '", path, "'"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const Server::Options& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "tls_client_ca_file needs tls_cert_file and tls_key_file");
    }
    return grpc::InsecureServerCredentials();
  }
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both tls_cert_file and tls_key_file");
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(options.tls_cert_file, "TLS cert"));
  ASSIGN_OR_RETURN(pair.private_key, ReadPem(options.tls_key_file, "TLS key"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadPem(options.tls_client_ca_file, "client CA"));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Create(const Options& options) {
  if (options.listen_address.empty()) {
    return absl::InvalidArgumentError("listen_address is empty");
  }
  if (options.max_message_bytes < (1 << 20)) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_message_bytes must be at least 1 MiB, got ",
                     options.max_message_bytes));
  }
  if (options.service.max_inflight_per_stream < 1) {
    return absl::InvalidArgumentError("max_inflight_per_stream must be >= 1");
  }
  const exec::ComputeLimits& limits = options.service.limits;
  if (limits.max_rows == 0 || limits.geometry.max_depth < 1 ||
      limits.geometry.max_vertices == 0 || limits.max_vertices == 0 ||
      limits.max_chunk_bytes == 0) {
    return absl::InvalidArgumentError(
        "limits (max_rows, max_depth, max_vertices per geometry and per "
        "batch, max_chunk_bytes) must be positive");
  }

  if (options.drain_delay < absl::ZeroDuration() ||
      options.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "drain_delay and shutdown_grace must not be negative");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                   Credentials(options));

  std::unique_ptr<Server> server(new Server());
  server->drain_delay_ = options.drain_delay;
  server->shutdown_grace_ = options.shutdown_grace;
  ASSIGN_OR_RETURN(server->metrics_,
                   metrics::Metrics::Create(
                       {.listen_address = options.metrics_listen_address}));
  ASSIGN_OR_RETURN(
      server->pool_,
      exec::WorkerPool::Create(
          {.num_workers = options.num_workers,
           .max_queued_tasks = options.max_queued_tasks,
           .prepared_cache_vertices = options.prepared_cache_vertices,
           .express_threads = options.express_threads,
           .worker_nice = options.worker_nice,
           .observer = server->metrics_.get()}));
  server->metrics_->SetWorkers(server->pool_->num_workers());
  server->sets_ =
      std::make_unique<layers::SetCatalog>(options.max_cached_set_bytes);
  RETURN_IF_ERROR(server->LoadLayers(options));
  server->memory_ = std::make_unique<exec::MemoryBudget>(
      options.max_inflight_bytes != 0 ? options.max_inflight_bytes
                                      : exec::CgroupMemoryLimit() / 2,
      options.release_memory_when_idle);
  server->service_ = std::make_unique<GeometryService>(
      server->pool_.get(), options.service, *server->metrics_,
      server->sets_.get(), server->memory_.get());
  server->AddGauges();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  // Reflection serves the files of the generated descriptor pool; gRPC's own
  // health service registers none, so health.proto comes from
  // geosrpc_health_proto, kept in the binary by this use.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address, credentials, &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.RegisterService(server->service_.get());
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("could not listen on ", options.listen_address));
  }
  grpc::HealthCheckServiceInterface* health =
      server->grpc_server_->GetHealthCheckService();
  health->SetServingStatus(v1::GeometryService::service_full_name(), true);
  health->SetServingStatus(true);
  return server;
}

absl::Status Server::LoadLayers(const Options& options) {
  for (const std::string& spec : options.layers) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "layer '", spec, "' is not NAME=PATH (e.g. countries=/data/c.json)"));
    }
    const absl::Time started = absl::Now();
    ASSIGN_OR_RETURN(
        std::shared_ptr<const layers::IndexedSet> layer,
        exec::LoadLayer(pool_.get(), spec.substr(0, eq), spec.substr(eq + 1),
                        options.service.limits.geometry));
    const v1::IndexedSetInfo& info = layer->info();
    std::fprintf(
        stderr,
        "geosrpc_server: layer '%s': %llu rows, %llu vertices, "
        "%.1f MB, loaded in %.2f s\n",
        info.layer().c_str(), static_cast<unsigned long long>(info.rows()),
        static_cast<unsigned long long>(info.vertices()), info.bytes() / 1e6,
        absl::ToDoubleSeconds(absl::Now() - started));
    metrics_->SetLayerBytes(info.layer(), info.bytes());
    RETURN_IF_ERROR(sets_->AddLayer(std::move(layer)));
  }
  return absl::OkStatus();
}

void Server::AddGauges() {
  exec::MemoryBudget* memory = memory_.get();
  layers::SetCatalog* sets = sets_.get();
  GeometryService* service = service_.get();
  metrics_->AddGauge("geosrpc_inflight_bytes",
                     "Bytes held for calls in flight: requests and unsent "
                     "results (admission: --max_inflight_bytes).",
                     [memory] { return static_cast<double>(memory->held()); });
  metrics_->AddGauge("geosrpc_inflight_bytes_limit",
                     "--max_inflight_bytes (0: none).",
                     [memory] { return static_cast<double>(memory->limit()); });
  metrics_->AddGauge(
      "geosrpc_operand_cache_bytes",
      "Encoded bytes of the broadcast operands kept frozen.", [service] {
        return static_cast<double>(service->operand_cache_bytes());
      });
  metrics_->AddGauge(
      "geosrpc_cached_sets",
      "Sets clients sent to Join and Nearest, kept by digest.",
      [sets] { return static_cast<double>(sets->cached_sets()); });
  metrics_->AddGauge(
      "geosrpc_cached_set_bytes", "Memory those sets hold (estimated).",
      [sets] { return static_cast<double>(sets->cached_bytes()); });
}

Server::~Server() {
  Shutdown(absl::ZeroDuration());
  // The gauges read members destroyed below.
  if (metrics_ != nullptr) metrics_->ClearGauges();
}

void Server::Wait() {
  if (grpc_server_ != nullptr) grpc_server_->Wait();
}

void Server::Shutdown(absl::Duration grace) {
  if (grpc_server_ != nullptr) {
    grpc_server_->GetHealthCheckService()->SetServingStatus(false);
    // New calls are refused by the service itself (UNAVAILABLE, retryable)
    // rather than cancelled by gRPC mid-handoff once it stops accepting.
    service_->StartDraining();
    absl::SleepFor(drain_delay_);
    grpc_server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  }
}

}  // namespace geosrpc::service
