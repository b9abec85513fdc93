#include "server/service/server.h"

#include "absl/strings/str_cat.h"
#include "server/common/status_macros.h"

namespace geosrpc::service {

absl::StatusOr<std::unique_ptr<Server>> Server::Create(const Options& options) {
  if (options.listen_address.empty()) {
    return absl::InvalidArgumentError("listen_address is empty");
  }
  if (options.max_message_bytes < (1 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_message_bytes must be at least 1 MiB, got ",
        options.max_message_bytes));
  }
  if (options.service.max_inflight_per_stream < 1) {
    return absl::InvalidArgumentError("max_inflight_per_stream must be >= 1");
  }
  const exec::ComputeLimits& limits = options.service.limits;
  if (limits.max_rows == 0 || limits.geometry.max_depth < 1 ||
      limits.geometry.max_vertices == 0 || limits.max_chunk_bytes == 0) {
    return absl::InvalidArgumentError(
        "limits (max_rows, max_depth, max_vertices, max_chunk_bytes) must be "
        "positive");
  }

  std::unique_ptr<Server> server(new Server());
  ASSIGN_OR_RETURN(server->pool_,
                   exec::WorkerPool::Create(
                       {.num_workers = options.num_workers,
                        .max_queued_tasks = options.max_queued_tasks}));
  server->service_ =
      std::make_unique<GeometryService>(server->pool_.get(), options.service);

  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.listen_address,
                           grpc::InsecureServerCredentials(), &server->port_);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.RegisterService(server->service_.get());
  server->grpc_server_ = builder.BuildAndStart();
  if (server->grpc_server_ == nullptr || server->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("could not listen on ", options.listen_address));
  }
  return server;
}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

void Server::Wait() {
  if (grpc_server_ != nullptr) grpc_server_->Wait();
}

void Server::Shutdown(absl::Duration grace) {
  if (grpc_server_ != nullptr) {
    grpc_server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  }
}

}  // namespace geosrpc::service
