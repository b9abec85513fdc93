// JobReactor: a server-streaming call that runs one job on the worker pool —
// Compute, Join and Nearest alike.
//
// The job's chunks go out one write at a time (WriteQueue), each released to
// the job's window once written; then its summary, then the call's status,
// which is the summary's. A client that stops reading or cancels cancels the
// job. A job refused at start (malformed, not found, over a limit, server
// busy or draining) ends the call with that status and no summary.
//
// `Response` has a `chunk` and a `summary` field; `Job::Callbacks` takes
// on_chunk(unique_ptr<Chunk>, sent) and on_done(const Summary&).
//
// Thread-safety: gRPC calls the reactions; the job's callbacks come from
// worker threads. Everything they share is in the WriteQueue.
#ifndef GEOSRPC_SERVER_SERVICE_INTERNAL_JOB_REACTOR_H_
#define GEOSRPC_SERVER_SERVICE_INTERNAL_JOB_REACTOR_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/service/internal/write_queue.h"
#include "server/service/status.h"

namespace geosrpc::service::internal {

template <typename Response, typename Job>
class JobReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  using Summary = std::decay_t<decltype(std::declval<Response>().summary())>;
  using Chunk = std::decay_t<decltype(std::declval<Response>().chunk())>;
  using Callbacks = typename Job::Callbacks;
  using Start =
      std::function<absl::StatusOr<std::shared_ptr<Job>>(Callbacks callbacks)>;
  // The call has ended: with the job's summary (ran), or refused at start
  // with a summary holding only the status.
  using Ended = std::function<void(const Summary& summary, bool ran)>;

  // Starts the job with `start`; `ended` records the call's end (its log
  // line and metrics) exactly once.
  JobReactor(const Start& start, Ended ended)
      : ended_(std::move(ended)), writes_(this) {
    absl::StatusOr<std::shared_ptr<Job>> job = start(
        {.on_chunk =
             [this](std::unique_ptr<Chunk> chunk, std::shared_ptr<void> sent) {
               auto response = std::make_unique<Response>();
               response->set_allocated_chunk(chunk.release());
               writes_.Push(std::move(response), std::move(sent));
             },
         .on_done =
             [this](const Summary& summary) {
               ended_(summary, /*ran=*/true);
               auto response = std::make_unique<Response>();
               *response->mutable_summary() = summary;
               writes_.Push(std::move(response));
               writes_.Close(ToGrpcStatus(absl::Status(
                   static_cast<absl::StatusCode>(summary.status().code()),
                   summary.status().message())));
             }});
    if (!job.ok()) {
      Summary refused;
      refused.mutable_status()->set_code(static_cast<int>(job.status().code()));
      refused.mutable_status()->set_message(
          std::string(job.status().message()));
      ended_(refused, /*ran=*/false);
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
  const Ended ended_;
  WriteQueue<JobReactor, Response> writes_;
  // Set once in the constructor, before any reaction can run.
  std::shared_ptr<Job> job_;
};

}  // namespace geosrpc::service::internal

#endif  // GEOSRPC_SERVER_SERVICE_INTERNAL_JOB_REACTOR_H_
