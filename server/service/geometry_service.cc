#include "server/service/geometry_service.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "base/sync.h"
#include "server/ops/describe.h"
#include "server/ops/operations.h"
#include "server/service/internal/write_queue.h"
#include "server/service/request_log.h"
#include "server/service/status.h"

namespace geosrpc::service {
namespace {

// The client's deadline, or the default when it set none, capped by the
// server's maximum.
absl::Time DeadlineOf(const grpc::CallbackServerContext* context,
                      const GeometryService::Options& options) {
  const auto client = context->deadline();
  const absl::Time now = absl::Now();
  absl::Time deadline = client == std::chrono::system_clock::time_point::max()
                            ? now + options.default_timeout
                            : absl::FromChrono(client);
  return std::min(deadline, now + options.max_timeout);
}

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
                 metrics::Metrics& metrics, const EndedBatch& batch) {
  if (batch.ran) {
    metrics.BatchDone(batch.request.operation().op(), batch.summary);
  }
  if (!options.log_requests) return;
  LogRequest({.method = batch.method,
              .op = batch.request.operation().op(),
              .batch_id = batch.batch_id,
              .rows = batch.summary.rows(),
              .error_rows = batch.summary.error_rows(),
              .duration = absl::Now() - batch.started,
              .code = batch.summary.status().code(),
              .message = batch.summary.status().message()});
}

constexpr char kDraining[] =
    "server is shutting down; nothing was computed, retry elsewhere";

v1::ComputeSummary SummaryOf(const absl::Status& status) {
  v1::ComputeSummary summary;
  summary.mutable_status()->set_code(static_cast<int>(status.code()));
  summary.mutable_status()->set_message(std::string(status.message()));
  return summary;
}

absl::Status StatusOf(const v1::ComputeSummary& summary) {
  return absl::Status(static_cast<absl::StatusCode>(summary.status().code()),
                      summary.status().message());
}

// Compute: one batch, a stream of chunks, a summary, then the RPC's status
// (the summary's: OK, or why the batch stopped).
class ComputeReactor final
    : public grpc::ServerWriteReactor<v1::ComputeResponse> {
 public:
  ComputeReactor(exec::WorkerPool* pool, exec::OperandCache* operands,
                 metrics::Metrics& metrics,
                 const GeometryService::Options& options, bool draining,
                 grpc::CallbackServerContext* context,
                 const v1::ComputeRequest* request)
      : options_(options),
        metrics_(metrics),
        request_(*request),
        started_(absl::Now()),
        writes_(this) {
    metrics_.RpcStarted("Compute");
    auto job =
        draining
            ? absl::StatusOr<std::shared_ptr<exec::ComputeJob>>(
                  absl::UnavailableError(kDraining))
            : exec::ComputeJob::Start(
                  pool, request, options.limits, DeadlineOf(context, options),
                  {.on_chunk =
                       [this](std::unique_ptr<v1::ResultChunk> chunk) {
                         auto response =
                             std::make_unique<v1::ComputeResponse>();
                         response->set_allocated_chunk(chunk.release());
                         writes_.Push(std::move(response));
                       },
                   .on_done =
                       [this](const v1::ComputeSummary& summary) {
                         Ended(summary, /*ran=*/true);
                         auto response =
                             std::make_unique<v1::ComputeResponse>();
                         *response->mutable_summary() = summary;
                         writes_.Push(std::move(response));
                         writes_.Close(ToGrpcStatus(StatusOf(summary)));
                       }},
                  operands);
    if (!job.ok()) {
      Ended(SummaryOf(job.status()), /*ran=*/false);
      writes_.Close(ToGrpcStatus(job.status()));
      return;
    }
    job_ = *std::move(job);
  }

  void OnWriteDone(bool ok) override {
    if (!writes_.OnWriteDone(ok) && job_ != nullptr) {
      job_->Cancel(absl::CancelledError("client stopped reading"));
    }
  }

  void OnCancel() override {
    if (job_ != nullptr) job_->Cancel(absl::CancelledError("call cancelled"));
  }

  void OnDone() override { delete this; }

 private:
  // The call's one batch has ended, and the call with it.
  void Ended(const v1::ComputeSummary& summary, bool ran) {
    RecordBatch(options_, metrics_,
                {.method = "Compute",
                 .request = request_,
                 .batch_id = -1,
                 .started = started_,
                 .summary = summary,
                 .ran = ran});
    metrics_.RpcHandled("Compute", summary.status().code(),
                        absl::Now() - started_);
  }

  const GeometryService::Options& options_;
  metrics::Metrics& metrics_;
  const v1::ComputeRequest& request_;
  const absl::Time started_;
  internal::WriteQueue<ComputeReactor, v1::ComputeResponse> writes_;
  // Set once in the constructor, before any reaction can run.
  std::shared_ptr<exec::ComputeJob> job_;
};

// ComputeStream: batches pipelined on one stream, each answered by chunks
// and a summary tagged with its id. At most `max_inflight` batches run at
// once; reading pauses until one finishes.
class StreamReactor final
    : public grpc::ServerBidiReactor<v1::ComputeStreamRequest,
                                     v1::ComputeStreamResponse> {
 public:
  StreamReactor(exec::WorkerPool* pool, exec::OperandCache* operands,
                metrics::Metrics& metrics,
                const GeometryService::Options& options,
                grpc::CallbackServerContext* context)
      : pool_(pool),
        operands_(operands),
        metrics_(metrics),
        started_(absl::Now()),
        options_(options),
        deadline_(DeadlineOf(context, options)),
        writes_(this) {
    metrics_.RpcStarted("ComputeStream");
    MaybeReadNext();
  }

  void OnReadDone(bool ok) override {
    std::shared_ptr<Batch> batch;
    {
      MutexLock lock(&mu_);
      reading_ = false;
      if (!ok) {
        reads_done_ = true;
      } else {
        batch = std::move(incoming_);
        ++inflight_;
      }
    }
    if (batch == nullptr) return MaybeClose();
    StartBatch(std::move(batch));
    MaybeReadNext();
  }

  void OnWriteDone(bool ok) override {
    if (!writes_.OnWriteDone(ok)) {
      CancelAll(absl::CancelledError("client stopped reading"));
    }
  }

  void OnCancel() override {
    CancelAll(absl::CancelledError("call cancelled"));
    MaybeClose();
  }

  void OnDone() override { delete this; }

 private:
  // A batch's request and job live until its summary has been written.
  struct Batch {
    v1::ComputeStreamRequest request;
    std::shared_ptr<exec::ComputeJob> job;
    absl::Time started;
  };

  // Starts the next read unless one is pending, the client has half-closed,
  // the call is cancelled or max_inflight batches run. Checking and claiming
  // the read is one critical section: OnReadDone and batches ending on
  // workers race here, and gRPC allows a single read in flight.
  void MaybeReadNext() {
    v1::ComputeStreamRequest* into;
    {
      MutexLock lock(&mu_);
      if (reading_ || reads_done_ || cancelled_ ||
          inflight_ >= options_.max_inflight_per_stream) {
        return;
      }
      reading_ = true;
      incoming_ = std::make_shared<Batch>();
      into = &incoming_->request;
    }
    StartRead(into);
  }

  std::unique_ptr<v1::ComputeStreamResponse> Tagged(uint64_t id) {
    auto response = std::make_unique<v1::ComputeStreamResponse>();
    response->set_id(id);
    return response;
  }

  void StartBatch(std::shared_ptr<Batch> batch) {
    const uint64_t id = batch->request.id();
    Batch* raw = batch.get();
    raw->started = absl::Now();
    auto job = exec::ComputeJob::Start(
        pool_, &raw->request.request(), options_.limits, deadline_,
        {.on_chunk =
             [this, id](std::unique_ptr<v1::ResultChunk> chunk) {
               auto response = Tagged(id);
               response->mutable_response()->set_allocated_chunk(
                   chunk.release());
               writes_.Push(std::move(response));
             },
         .on_done =
             [this, id, raw](const v1::ComputeSummary& summary) {
               EndBatch(id, raw, summary, /*ran=*/true);
             }},
        operands_);
    if (!job.ok()) {
      const v1::ComputeSummary summary = SummaryOf(job.status());
      {
        MutexLock lock(&mu_);
        running_[raw] = std::move(batch);
      }
      return EndBatch(id, raw, summary, /*ran=*/false);
    }
    MutexLock lock(&mu_);
    batch->job = *std::move(job);
    if (cancelled_) batch->job->Cancel(absl::CancelledError("call cancelled"));
    running_[raw] = std::move(batch);
  }

  void EndBatch(uint64_t id, Batch* raw, const v1::ComputeSummary& summary,
                bool ran) {
    RecordBatch(options_, metrics_,
                {.method = "ComputeStream",
                 .request = raw->request.request(),
                 .batch_id = static_cast<int64_t>(id),
                 .started = raw->started,
                 .summary = summary,
                 .ran = ran});
    std::shared_ptr<Batch> batch;
    {
      MutexLock lock(&mu_);
      auto it = running_.find(raw);
      if (it != running_.end()) {
        batch = std::move(it->second);
        running_.erase(it);
      }
    }
    auto response = Tagged(id);
    *response->mutable_response()->mutable_summary() = summary;
    // The request (which the job read) is released after this write.
    writes_.Push(std::move(response), std::move(batch));
    {
      MutexLock lock(&mu_);
      --inflight_;
    }
    MaybeReadNext();
    MaybeClose();
  }

  void CancelAll(const absl::Status& why) {
    MutexLock lock(&mu_);
    cancelled_ = true;
    for (auto& [raw, batch] : running_) {
      if (batch->job != nullptr) batch->job->Cancel(why);
    }
  }

  // Finishes once the client has half-closed (or the call is cancelled), no
  // read is pending and every batch has ended.
  void MaybeClose() {
    bool cancelled;
    {
      MutexLock lock(&mu_);
      if (closed_ || inflight_ > 0 || reading_ ||
          !(reads_done_ || cancelled_)) {
        return;
      }
      closed_ = true;
      cancelled = cancelled_;
    }
    metrics_.RpcHandled("ComputeStream",
                        static_cast<int>(cancelled ? grpc::StatusCode::CANCELLED
                                                   : grpc::StatusCode::OK),
                        absl::Now() - started_);
    writes_.Close(grpc::Status::OK);  // Last touch.
  }

  exec::WorkerPool* const pool_;
  exec::OperandCache* const operands_;
  metrics::Metrics& metrics_;
  const absl::Time started_;
  const GeometryService::Options options_;
  const absl::Time deadline_;
  internal::WriteQueue<StreamReactor, v1::ComputeStreamResponse> writes_;

  Mutex mu_;
  // The batch the pending read fills.
  std::shared_ptr<Batch> incoming_ ABSL_GUARDED_BY(mu_);
  std::map<Batch*, std::shared_ptr<Batch>> running_ ABSL_GUARDED_BY(mu_);
  int inflight_ ABSL_GUARDED_BY(mu_) = 0;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

GeometryService::GeometryService(exec::WorkerPool* pool, const Options& options,
                                 metrics::Metrics& metrics)
    : pool_(pool),
      options_(options),
      metrics_(metrics),
      operations_(ops::DescribeAll()) {}

grpc::ServerWriteReactor<v1::ComputeResponse>* GeometryService::Compute(
    grpc::CallbackServerContext* context, const v1::ComputeRequest* request) {
  return new ComputeReactor(pool_, &operands_, metrics_, options_, draining(),
                            context, request);
}

grpc::ServerBidiReactor<v1::ComputeStreamRequest, v1::ComputeStreamResponse>*
GeometryService::ComputeStream(grpc::CallbackServerContext* context) {
  if (draining()) {
    class Refused final
        : public grpc::ServerBidiReactor<v1::ComputeStreamRequest,
                                         v1::ComputeStreamResponse> {
     public:
      Refused() {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, kDraining));
      }
      void OnDone() override { delete this; }
    };
    return new Refused();
  }
  return new StreamReactor(pool_, &operands_, metrics_, options_, context);
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

}  // namespace geosrpc::service
