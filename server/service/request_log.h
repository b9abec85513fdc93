// One structured log line per request (JSON on stderr): method, operation,
// rows, row errors, duration, status code, and the stream batch id.
// Thread-safe: each line is written with one fwrite.
#ifndef GEOSRPC_SERVER_SERVICE_REQUEST_LOG_H_
#define GEOSRPC_SERVER_SERVICE_REQUEST_LOG_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "geosrpc/v1/geometry_service.pb.h"

namespace geosrpc::service {

struct RequestRecord {
  const char* method;
  v1::OpCode op = v1::OP_CODE_UNSPECIFIED;
  int64_t batch_id = -1;  // ComputeStream only.
  uint64_t rows = 0;
  uint64_t error_rows = 0;
  absl::Duration duration;
  int code = 0;
  std::string message;
};

void LogRequest(const RequestRecord& record);

}  // namespace geosrpc::service

#endif  // GEOSRPC_SERVER_SERVICE_REQUEST_LOG_H_
