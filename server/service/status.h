// The one conversion from absl::Status to grpc::Status. absl codes match
// gRPC's numerically, so the code and message carry over unchanged.
// Stateless: thread-safe.
#ifndef GEOSRPC_SERVER_SERVICE_STATUS_H_
#define GEOSRPC_SERVER_SERVICE_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace geosrpc::service {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace geosrpc::service

#endif  // GEOSRPC_SERVER_SERVICE_STATUS_H_
