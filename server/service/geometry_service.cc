#include "server/service/geometry_service.h"

#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"
#include "server/exec/join_job.h"
#include "server/ops/describe.h"
#include "server/service/internal/job_reactor.h"
#include "server/service/internal/records.h"
#include "server/service/internal/stream_reactor.h"

namespace geosrpc::service {
namespace {

// "intersects" for JOIN_PREDICATE_INTERSECTS: what the log calls a join.
std::string PredicateName(v1::JoinPredicate p) {
  absl::string_view name = v1::JoinPredicate_Name(p);
  absl::ConsumePrefix(&name, "JOIN_PREDICATE_");
  return absl::AsciiStrToLower(name);
}

}  // namespace

GeometryService::GeometryService(exec::WorkerPool* pool, const Options& options,
                                 metrics::Metrics& metrics,
                                 layers::SetCatalog* sets,
                                 exec::MemoryBudget* memory)
    : pool_(pool),
      options_(options),
      metrics_(metrics),
      sets_(sets),
      memory_(memory),
      operations_(ops::DescribeAll()) {}

grpc::ServerWriteReactor<v1::ComputeResponse>* GeometryService::Compute(
    grpc::CallbackServerContext* context, const v1::ComputeRequest* request) {
  using Reactor = internal::JobReactor<v1::ComputeResponse, exec::ComputeJob>;
  metrics_.RpcStarted("Compute");
  const absl::Time started = absl::Now();
  return new Reactor(
      [&](exec::ComputeJob::Callbacks callbacks)
          -> absl::StatusOr<std::shared_ptr<exec::ComputeJob>> {
        if (draining()) return absl::UnavailableError(internal::kDraining);
        return exec::ComputeJob::Start(pool_, request, options_.limits,
                                       internal::DeadlineOf(context, options_),
                                       std::move(callbacks), &operands_,
                                       memory_);
      },
      [this, request, started](const v1::ComputeSummary& summary, bool ran) {
        internal::RecordBatch(options_, metrics_,
                              {.method = "Compute",
                               .request = *request,
                               .batch_id = -1,
                               .started = started,
                               .summary = summary,
                               .ran = ran});
        metrics_.RpcHandled("Compute", summary.status().code(),
                            absl::Now() - started);
      });
}

grpc::ServerBidiReactor<v1::ComputeStreamRequest, v1::ComputeStreamResponse>*
GeometryService::ComputeStream(grpc::CallbackServerContext* context) {
  if (draining()) {
    class Refused final
        : public grpc::ServerBidiReactor<v1::ComputeStreamRequest,
                                         v1::ComputeStreamResponse> {
     public:
      Refused() {
        Finish(
            grpc::Status(grpc::StatusCode::UNAVAILABLE, internal::kDraining));
      }
      void OnDone() override { delete this; }
    };
    return new Refused();
  }
  return internal::NewStreamReactor(pool_, &operands_, memory_, metrics_,
                                    options_, context);
}

grpc::ServerUnaryReactor* GeometryService::ListOperations(
    grpc::CallbackServerContext* context, const v1::ListOperationsRequest*,
    v1::ListOperationsResponse* response) {
  metrics_.RpcStarted("ListOperations");
  metrics_.RpcHandled("ListOperations", 0, absl::ZeroDuration());
  *response = operations_;
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<v1::JoinResponse>* GeometryService::Join(
    grpc::CallbackServerContext* context, const v1::JoinRequest* request) {
  using Reactor = internal::JobReactor<v1::JoinResponse, exec::JoinJob>;
  metrics_.RpcStarted("Join");
  const absl::Time started = absl::Now();
  return new Reactor(
      [&](exec::JoinJob::Callbacks callbacks)
          -> absl::StatusOr<std::shared_ptr<exec::JoinJob>> {
        if (draining()) return absl::UnavailableError(internal::kDraining);
        absl::StatusOr<exec::JoinPlan> plan = exec::JoinPlan::ForJoin(
            *request, options_.limits, pool_->num_workers());
        if (!plan.ok()) return plan.status();
        return exec::JoinJob::Start(pool_, *std::move(plan), options_.limits,
                                    internal::DeadlineOf(context, options_),
                                    std::move(callbacks), sets_, memory_);
      },
      [this, op = PredicateName(request->predicate()), started](
          const v1::JoinSummary& summary, bool ran) {
        internal::RecordJoin(options_, metrics_, "Join", op, started, summary,
                             ran);
      });
}

grpc::ServerWriteReactor<v1::NearestResponse>* GeometryService::Nearest(
    grpc::CallbackServerContext* context, const v1::NearestRequest* request) {
  using Reactor = internal::JobReactor<v1::NearestResponse, exec::JoinJob>;
  metrics_.RpcStarted("Nearest");
  const absl::Time started = absl::Now();
  return new Reactor(
      [&](exec::JoinJob::Callbacks callbacks)
          -> absl::StatusOr<std::shared_ptr<exec::JoinJob>> {
        if (draining()) return absl::UnavailableError(internal::kDraining);
        absl::StatusOr<exec::JoinPlan> plan = exec::JoinPlan::ForNearest(
            *request, options_.limits, pool_->num_workers());
        if (!plan.ok()) return plan.status();
        return exec::JoinJob::Start(pool_, *std::move(plan), options_.limits,
                                    internal::DeadlineOf(context, options_),
                                    std::move(callbacks), sets_, memory_);
      },
      [this, started](const v1::JoinSummary& summary, bool ran) {
        internal::RecordJoin(options_, metrics_, "Nearest", "nearest", started,
                             summary, ran);
      });
}

grpc::ServerUnaryReactor* GeometryService::ListLayers(
    grpc::CallbackServerContext* context, const v1::ListLayersRequest*,
    v1::ListLayersResponse* response) {
  metrics_.RpcStarted("ListLayers");
  for (v1::IndexedSetInfo& info : sets_->Layers()) {
    *response->add_layers() = std::move(info);
  }
  metrics_.RpcHandled("ListLayers", 0, absl::ZeroDuration());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace geosrpc::service
