// What the service records of each call: its deadline, and at its end one
// request log line and its Prometheus series. Shared by the reactors.
//
// Thread-safety: pure functions over thread-safe metrics and a log that
// writes each line with one fwrite.
#ifndef GEOSRPC_SERVER_SERVICE_INTERNAL_RECORDS_H_
#define GEOSRPC_SERVER_SERVICE_INTERNAL_RECORDS_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>

#include "absl/time/time.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/metrics/metrics.h"
#include "server/service/geometry_service.h"

namespace geosrpc::service::internal {

// The client's deadline, or the default when it set none, capped by the
// server's maximum.
absl::Time DeadlineOf(const grpc::CallbackServerContext* context,
                      const GeometryService::Options& options);

// A batch that has ended: a Compute call's, or one batch of a ComputeStream.
struct EndedBatch {
  const char* method;
  const v1::ComputeRequest& request;
  int64_t batch_id;  // -1 for Compute.
  absl::Time started;
  const v1::ComputeSummary& summary;
  // False for a batch refused before it started (malformed, over a limit,
  // server busy or draining): it is logged, but adds nothing to the batch
  // metrics, since nothing ran.
  bool ran;
};

// The one place a batch's end is recorded: its request log line (when
// enabled) and, if it ran, its batch metrics.
void RecordBatch(const GeometryService::Options& options,
                 metrics::Metrics& metrics, const EndedBatch& batch);

// A Join or Nearest call's end: its log line ("op" is the predicate, or
// "nearest"), its join metrics if it ran, and the RPC's.
void RecordJoin(const GeometryService::Options& options,
                metrics::Metrics& metrics, const char* method,
                const std::string& op, absl::Time started,
                const v1::JoinSummary& summary, bool ran);

// The message of a call refused while the server drains.
inline constexpr char kDraining[] =
    "server is shutting down; nothing was computed, retry elsewhere";

}  // namespace geosrpc::service::internal

#endif  // GEOSRPC_SERVER_SERVICE_INTERNAL_RECORDS_H_
