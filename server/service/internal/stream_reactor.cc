#include "server/service/internal/stream_reactor.h"

#include <map>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "base/sync.h"
#include "server/service/internal/records.h"
#include "server/service/internal/write_queue.h"

namespace geosrpc::service::internal {
namespace {

v1::ComputeSummary SummaryOf(const absl::Status& status) {
  v1::ComputeSummary summary;
  summary.mutable_status()->set_code(static_cast<int>(status.code()));
  summary.mutable_status()->set_message(std::string(status.message()));
  return summary;
}

// ComputeStream: batches pipelined on one stream, each answered by chunks
// and a summary tagged with its id. At most `max_inflight` batches run at
// once; reading pauses until one finishes.
class StreamReactor final
    : public grpc::ServerBidiReactor<v1::ComputeStreamRequest,
                                     v1::ComputeStreamResponse> {
 public:
  StreamReactor(exec::WorkerPool* pool, exec::OperandCache* operands,
                exec::MemoryBudget* memory, metrics::Metrics& metrics,
                const GeometryService::Options& options,
                grpc::CallbackServerContext* context)
      : pool_(pool),
        operands_(operands),
        memory_(memory),
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
             [this, id](std::unique_ptr<v1::ResultChunk> chunk,
                        std::shared_ptr<void> sent) {
               auto response = Tagged(id);
               response->mutable_response()->set_allocated_chunk(
                   chunk.release());
               writes_.Push(std::move(response), std::move(sent));
             },
         .on_done =
             [this, id, raw](const v1::ComputeSummary& summary) {
               EndBatch(id, raw, summary, /*ran=*/true);
             }},
        operands_, memory_);
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
  exec::MemoryBudget* const memory_;
  metrics::Metrics& metrics_;
  const absl::Time started_;
  const GeometryService::Options options_;
  const absl::Time deadline_;
  WriteQueue<StreamReactor, v1::ComputeStreamResponse> writes_;

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

grpc::ServerBidiReactor<v1::ComputeStreamRequest, v1::ComputeStreamResponse>*
NewStreamReactor(exec::WorkerPool* pool, exec::OperandCache* operands,
                 exec::MemoryBudget* memory, metrics::Metrics& metrics,
                 const GeometryService::Options& options,
                 grpc::CallbackServerContext* context) {
  return new StreamReactor(pool, operands, memory, metrics, options, context);
}

}  // namespace geosrpc::service::internal
