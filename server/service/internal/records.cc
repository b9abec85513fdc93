#include "server/service/internal/records.h"

#include <algorithm>
#include <chrono>

#include "absl/time/clock.h"
#include "server/ops/operations.h"
#include "server/service/request_log.h"

namespace geosrpc::service::internal {

absl::Time DeadlineOf(const grpc::CallbackServerContext* context,
                      const GeometryService::Options& options) {
  const auto client = context->deadline();
  const absl::Time now = absl::Now();
  absl::Time deadline = client == std::chrono::system_clock::time_point::max()
                            ? now + options.default_timeout
                            : absl::FromChrono(client);
  return std::min(deadline, now + options.max_timeout);
}

void RecordBatch(const GeometryService::Options& options,
                 metrics::Metrics& metrics, const EndedBatch& batch) {
  if (batch.ran) {
    metrics.BatchDone(batch.request.operation().op(), batch.summary);
  }
  if (!options.log_requests) return;
  LogRequest({.method = batch.method,
              .op = ops::OperationName(batch.request.operation().op()),
              .batch_id = batch.batch_id,
              .rows = batch.summary.rows(),
              .error_rows = batch.summary.error_rows(),
              .duration = absl::Now() - batch.started,
              .code = batch.summary.status().code(),
              .message = batch.summary.status().message()});
}

void RecordJoin(const GeometryService::Options& options,
                metrics::Metrics& metrics, const char* method,
                const std::string& op, absl::Time started,
                const v1::JoinSummary& summary, bool ran) {
  if (ran) metrics.JoinDone(method, summary);
  metrics.RpcHandled(method, summary.status().code(), absl::Now() - started);
  if (!options.log_requests) return;
  LogRequest({.method = method,
              .op = op,
              .pairs = static_cast<int64_t>(summary.pairs()),
              .rows = summary.rows(),
              .error_rows = summary.error_rows(),
              .duration = absl::Now() - started,
              .code = summary.status().code(),
              .message = summary.status().message()});
}

}  // namespace geosrpc::service::internal
