// ComputeJob: one batch's life on the worker pool.
//
//   Start()  validates the request (shape, operation, parameters, limits) on
//            the caller's thread: cheap checks only, no GEOS.
//   operand  a broadcast `b` is shared by every worker: it is decoded once
//            on a worker (or found in the OperandCache), envelopes primed,
//            and frozen as shared_ptr<const FrozenBatch>, immutable from
//            then on.
//   compute  workers take chunks; each decodes and validates its own rows
//            of `a` (and row-wise `b`) into a chunk-local FrozenBatch, runs
//            the operation, and frees them. Rows are never shared between
//            workers, so they need no global freeze, and the batch is never
//            resident as GEOS objects all at once. Each chunk's results go
//            to on_chunk as soon as they are ready (so out of order).
//   reduce   reductions (union_all, ...) reduce each chunk's rows on its
//            worker, then one more task reduces those partial results and
//            sends the single value. Unless the caller sets chunk_rows,
//            there is one chunk per worker, and a parallel key pass first
//            orders the rows by position so each chunk is a spatial strip
//            (partial results that barely overlap combine cheaply).
//   done     on_done gets the summary exactly once, after the last on_chunk.
//
// Cancel() (client cancellation, shutdown) and the deadline stop the chunks
// not yet started and interrupt GEOS calls in flight (see interrupt.h); the
// frozen operand stays alive until every worker holding it is done.
//
// Thread-safety: Start and Cancel may be called from any thread. on_chunk is
// called from worker threads, possibly concurrently; on_done once.
#ifndef GEOSRPC_SERVER_EXEC_COMPUTE_JOB_H_
#define GEOSRPC_SERVER_EXEC_COMPUTE_JOB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/batch/frozen_batch.h"
#include "base/sync.h"
#include "server/exec/operand_cache.h"
#include "server/exec/worker_pool.h"
#include "server/ops/operations.h"

namespace geosrpc::exec {

struct ComputeLimits {
  // Rows in one batch.
  size_t max_rows = 10'000'000;
  // Per geometry.
  batch::GeometryLimits geometry;
  // Input vertices in one batch (a and b together). Counted as chunks
  // decode; crossing it stops the batch with RESOURCE_EXHAUSTED.
  uint64_t max_vertices = 100'000'000;
  // A result chunk is sent once its column holds this many bytes, even if
  // rows of its task remain, keeping messages well under gRPC's limits.
  size_t max_chunk_bytes = 1 << 20;
};

class ComputeJob : public std::enable_shared_from_this<ComputeJob> {
 public:
  struct Callbacks {
    std::function<void(std::unique_ptr<v1::ResultChunk>)> on_chunk;
    std::function<void(const v1::ComputeSummary&)> on_done;
  };

  // Validates `request` and schedules it. `request` must stay alive and
  // unchanged until on_done. On error (INVALID_ARGUMENT for a malformed
  // request, RESOURCE_EXHAUSTED when over a limit or the pool is full) no
  // callback is ever called. `operands`, if given, supplies and remembers
  // frozen broadcast operands across requests.
  static absl::StatusOr<std::shared_ptr<ComputeJob>> Start(
      WorkerPool* pool, const v1::ComputeRequest* request,
      const ComputeLimits& limits, absl::Time deadline, Callbacks callbacks,
      OperandCache* operands = nullptr);

  // Stops the chunks not yet started; the summary reports `reason` unless
  // the job already finished. Idempotent.
  void Cancel(absl::Status reason);

  ComputeJob(const ComputeJob&) = delete;
  ComputeJob& operator=(const ComputeJob&) = delete;

 private:
  ComputeJob() = default;
  absl::Status Init(WorkerPool* pool, const v1::ComputeRequest* request,
                    const ComputeLimits& limits, absl::Time deadline,
                    Callbacks callbacks, OperandCache* operands);
  absl::Status Submit(std::shared_ptr<TaskGroup> group, bool admit,
                      size_t then = 0);
  absl::Status SubmitCompute(bool admit);
  // A stage's task group has completed: forgets it, and says whether the
  // job goes on (false: it was stopped, and has now finished).
  bool NextStage();
  void StartCompute();
  void Compute(Worker& worker, size_t task);
  // Reductions: the sort keys of rows [begin, end), then the order they
  // give, then the chunks' partial results combined into the one value.
  void ComputeKeys(Worker& worker, size_t begin, size_t end);
  void StartPartitioned();
  void Reduce(Worker& worker);
  bool CheckDeadline();
  void Finish();

  WorkerPool* pool_ = nullptr;
  OperandCache* operands_ = nullptr;
  const v1::ComputeRequest* request_ = nullptr;
  const ops::OpSpec* spec_ = nullptr;
  ops::Params params_;
  ComputeLimits limits_;
  absl::Time deadline_;
  absl::Time started_;
  Callbacks callbacks_;

  size_t rows_ = 0;
  size_t chunk_rows_ = 1;
  size_t num_chunks_ = 0;
  bool broadcast_ = false;

  // Row-local inputs, decoded chunk by chunk; views into the request.
  batch::BatchView a_view_;
  std::optional<batch::BatchView> b_rows_view_;
  // The broadcast operand: its builder exists only until it is frozen.
  uint64_t broadcast_offsets_[2] = {0, 0};
  std::optional<batch::FrozenBatch::Builder> b_builder_;
  std::shared_ptr<const batch::FrozenBatch> b_;

  // Set by Cancel: GEOS calls in flight for this job are interrupted.
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> vertices_{0};
  std::atomic<uint64_t> error_rows_{0};
  std::atomic<int64_t> worker_nanos_{0};
  static constexpr int kCodes = 17;  // gRPC status codes 0..16.
  std::atomic<uint64_t> errors_by_code_[kCodes] = {};
  std::atomic<uint32_t> chunks_sent_{0};
  std::atomic<uint64_t> result_rows_{0};
  // Reductions: chunk i's partial result, written only by chunk i's task
  // and read by Reduce after every chunk task has returned.
  std::vector<geos::GeometryPtr> partials_;
  // Partitioned reductions: row i's key, written by the key task covering
  // it; then the rows in key order, fixed before the chunks start.
  std::vector<double> keys_;
  std::vector<size_t> order_;

  Mutex mu_;
  absl::Status stop_reason_ ABSL_GUARDED_BY(mu_);
  // The group in flight, for Cancel. Cleared when it completes, which
  // breaks the job <-> group reference cycle.
  std::shared_ptr<TaskGroup> current_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_COMPUTE_JOB_H_
