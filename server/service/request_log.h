// One structured log line per request (JSON on stderr): method, operation,
// rows, row errors, duration, status code, the stream batch id, and a join's
// pairs.
// Thread-safe: each line is written with one fwrite.
#ifndef GEOSRPC_SERVER_SERVICE_REQUEST_LOG_H_
#define GEOSRPC_SERVER_SERVICE_REQUEST_LOG_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace geosrpc::service {

struct RequestRecord {
  const char* method;
  // The operation ("distance"), a join's predicate ("intersects") or
  // "nearest".
  std::string op;
  int64_t batch_id = -1;  // ComputeStream only.
  int64_t pairs = -1;     // Join and Nearest only.
  uint64_t rows = 0;
  uint64_t error_rows = 0;
  absl::Duration duration;
  int code = 0;
  std::string message;
};

void LogRequest(const RequestRecord& record);

}  // namespace geosrpc::service

#endif  // GEOSRPC_SERVER_SERVICE_REQUEST_LOG_H_
