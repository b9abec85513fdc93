// The ComputeStream reactor: batches pipelined on one bidirectional stream,
// each run as its own ComputeJob and answered by chunks and a summary tagged
// with the batch's id. At most max_inflight_per_stream batches run at once;
// reading pauses until one ends (back-pressure on the client).
//
// Thread-safety: gRPC calls the reactions; jobs' callbacks come from worker
// threads; the reactor's own state is guarded by its mutex.
#ifndef GEOSRPC_SERVER_SERVICE_INTERNAL_STREAM_REACTOR_H_
#define GEOSRPC_SERVER_SERVICE_INTERNAL_STREAM_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include "geosrpc/v1/geometry_service.grpc.pb.h"
#include "server/exec/memory_budget.h"
#include "server/exec/operand_cache.h"
#include "server/exec/worker_pool.h"
#include "server/metrics/metrics.h"
#include "server/service/geometry_service.h"

namespace geosrpc::service::internal {

// A reactor for one ComputeStream call; gRPC deletes it when done.
grpc::ServerBidiReactor<v1::ComputeStreamRequest, v1::ComputeStreamResponse>*
NewStreamReactor(exec::WorkerPool* pool, exec::OperandCache* operands,
                 exec::MemoryBudget* memory, metrics::Metrics& metrics,
                 const GeometryService::Options& options,
                 grpc::CallbackServerContext* context);

}  // namespace geosrpc::service::internal

#endif  // GEOSRPC_SERVER_SERVICE_INTERNAL_STREAM_REACTOR_H_
