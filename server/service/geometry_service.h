// GeometryService: the gRPC callback implementation of geosrpc.v1.
//
// The only layer that knows gRPC. Reactors hand each call to a job of
// server/exec — ComputeJob for Compute and each ComputeStream batch, JoinJob
// for Join and Nearest — which runs all GEOS work on the worker pool, never
// on gRPC's threads, and stream the job's chunks back with one write in
// flight. Errors cross into gRPC through ToGrpcStatus only.
//
// Thread-safety: one instance serves all calls concurrently; its own state
// is immutable after construction.
#ifndef GEOSRPC_SERVER_SERVICE_GEOMETRY_SERVICE_H_
#define GEOSRPC_SERVER_SERVICE_GEOMETRY_SERVICE_H_

#include <atomic>

#include "absl/time/time.h"
#include "geosrpc/v1/geometry_service.grpc.pb.h"
#include "server/exec/compute_job.h"
#include "server/exec/memory_budget.h"
#include "server/exec/worker_pool.h"
#include "server/layers/set_catalog.h"
#include "server/metrics/metrics.h"

namespace geosrpc::service {

class GeometryService final : public v1::GeometryService::CallbackService {
 public:
  struct Options {
    exec::ComputeLimits limits;
    // Batches a ComputeStream may have in flight before the server stops
    // reading more from it (back-pressure on the client).
    int max_inflight_per_stream = 8;
    // Time a call may take when the client sets no deadline.
    absl::Duration default_timeout = absl::InfiniteDuration();
    // Upper bound on any call's time, whatever deadline the client sets.
    absl::Duration max_timeout = absl::InfiniteDuration();
    // One JSON line per request on stderr.
    bool log_requests = true;
  };

  // `pool`, `metrics`, `sets` and `memory` must outlive the service and
  // every call it serves. (metrics::Metrics::Create with no listen address
  // gives a silent one.) `sets` holds the layers loaded at start-up and keeps
  // the sets clients send; `memory` admits calls by the bytes they hold.
  GeometryService(exec::WorkerPool* pool, const Options& options,
                  metrics::Metrics& metrics, layers::SetCatalog* sets,
                  exec::MemoryBudget* memory);

  // From now on new calls are refused with UNAVAILABLE (retryable: nothing
  // was computed), while calls already running go on. Shutdown's first step.
  void StartDraining() { draining_.store(true); }
  // The operand cache's encoded bytes, for metrics.
  uint64_t operand_cache_bytes() { return operands_.bytes(); }
  bool draining() const { return draining_.load(); }

  grpc::ServerWriteReactor<v1::ComputeResponse>* Compute(
      grpc::CallbackServerContext* context,
      const v1::ComputeRequest* request) override;

  grpc::ServerBidiReactor<v1::ComputeStreamRequest, v1::ComputeStreamResponse>*
  ComputeStream(grpc::CallbackServerContext* context) override;

  grpc::ServerUnaryReactor* ListOperations(
      grpc::CallbackServerContext* context,
      const v1::ListOperationsRequest* request,
      v1::ListOperationsResponse* response) override;

  grpc::ServerWriteReactor<v1::JoinResponse>* Join(
      grpc::CallbackServerContext* context,
      const v1::JoinRequest* request) override;

  grpc::ServerWriteReactor<v1::NearestResponse>* Nearest(
      grpc::CallbackServerContext* context,
      const v1::NearestRequest* request) override;

  grpc::ServerUnaryReactor* ListLayers(
      grpc::CallbackServerContext* context,
      const v1::ListLayersRequest* request,
      v1::ListLayersResponse* response) override;

 private:
  exec::WorkerPool* const pool_;
  const Options options_;
  metrics::Metrics& metrics_;
  layers::SetCatalog* const sets_;
  exec::MemoryBudget* const memory_;
  std::atomic<bool> draining_{false};
  exec::OperandCache operands_;
  const v1::ListOperationsResponse operations_;
};

}  // namespace geosrpc::service

#endif  // GEOSRPC_SERVER_SERVICE_GEOMETRY_SERVICE_H_
