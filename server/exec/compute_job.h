// ComputeJob: one batch's life on the worker pool.
//
// Start() checks the request (ComputePlan, on the caller's thread: cheap
// checks only, no GEOS) and runs its stages (StagedJob), the sequence written
// out in Start():
//
//   operand  a broadcast `b` is read by every worker: it is decoded once on
//            a worker (or found in the OperandCache), envelopes primed, and
//            frozen as shared_ptr<const FrozenBatch>, immutable from then on.
//   keys     reductions only: rows are ordered into spatial strips first
//            (StripOrder), keys read in parallel; a grouped reduction's
//            rows are ordered by group key first.
//   chunks   the row path: workers take chunks; each decodes and validates
//            its own rows of `a` (and row-wise `b`), runs the operation's
//            kernel on each, and frees them. Rows are never shared between
//            workers, so they need no freeze, and the batch is never
//            resident as GEOS objects all at once. Each chunk's results go
//            to on_chunk as soon as they are ready (so out of order).
//            The reduce path instead reduces each chunk (a strip) to a
//            partial result, sending only its row errors;
//            A grouped reduction reduces each group in its chunk and sends
//            the values of the groups that lie wholly in it;
//   reduce   reductions only: one task combines the partial results and
//            sends the single value (through the operation's kernel, for
//            a reduction that has one: polygonize_all polygonizes the
//            collected rows); grouped, one task per chunk reduces the
//            group that crosses its end, if any, and every group's value
//            goes through that kernel too.
//
// A slow reader holds the job back: while max_unsent_chunks of its chunks
// are computed but unsent (see Window), its next chunk tasks wait in the
// pool, and workers serve other calls.
//
// on_done gets the summary exactly once, after the last on_chunk. Cancel()
// (client cancellation, shutdown) and the deadline stop the chunks not yet
// started and interrupt GEOS calls in flight (see interrupt.h); the frozen
// operand stays alive until every worker holding it is done.
//
// Thread-safety: Start and Cancel may be called from any thread. on_chunk is
// called from worker threads, possibly concurrently; on_done once.
#ifndef GEOSRPC_SERVER_EXEC_COMPUTE_JOB_H_
#define GEOSRPC_SERVER_EXEC_COMPUTE_JOB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/batch/frozen_batch.h"
#include "server/exec/chunk_builder.h"
#include "server/exec/compute_plan.h"
#include "server/exec/operand_cache.h"
#include "server/exec/staged_job.h"
#include "server/exec/strips.h"
#include "server/exec/worker_pool.h"
#include "server/geos/handles.h"

namespace geosrpc::exec {

class ComputeJob final : public StagedJob {
 public:
  struct Callbacks {
    // A result chunk. Hold `sent` until the chunk has been written (or
    // dropped): the job computes at most ComputeLimits::max_unsent_chunks
    // ahead of the client.
    std::function<void(std::unique_ptr<v1::ResultChunk>,
                       std::shared_ptr<void> sent)>
        on_chunk;
    std::function<void(const v1::ComputeSummary&)> on_done;
  };

  // Checks `request` and schedules it. `request` must stay alive and
  // unchanged until on_done. On error (INVALID_ARGUMENT for a malformed
  // request, RESOURCE_EXHAUSTED when over a limit or the pool is full) no
  // callback is ever called. `operands`, if given, supplies and remembers
  // frozen broadcast operands across requests; `memory`, if given, holds the
  // request and its unsent chunks against the server's limit.
  static absl::StatusOr<std::shared_ptr<ComputeJob>> Start(
      WorkerPool* pool, const v1::ComputeRequest* request,
      const ComputeLimits& limits, absl::Time deadline, Callbacks callbacks,
      OperandCache* operands = nullptr, MemoryBudget* memory = nullptr);

 private:
  ComputeJob(WorkerPool* pool, ComputePlan plan, const ComputeLimits& limits,
             absl::Time deadline, Callbacks callbacks, OperandCache* operands,
             MemoryBudget* memory);

  // The operand stage.
  void DecodeOperand(Worker& worker);
  absl::Status FreezeOperand();
  // The row path: one chunk's rows through the kernel.
  void ComputeRows(Worker& worker, size_t chunk);
  // Rows [begin, end) as one run of the operation's coordinate kernel, or,
  // where it cannot take them, row by row.
  void ComputeCoordinates(Worker& worker, size_t begin, size_t end);
  // The rows of `run` through the operation's coordinate kernel, as a
  // column; none when the kernel cannot map them all.
  std::optional<batch::CoordinateColumnBuilder::Column> MapCoordinates(
      Worker& worker, const batch::CoordinateSlice& run);
  // Rows [begin, end), whose encoded rows `a_view` holds, row by row.
  void ComputeRowsOf(Worker& worker, size_t begin, size_t end,
                     const batch::BatchView& a_view);
  // The reduce path: one chunk (a strip) to its partial result, then the
  // partial results to the one value.
  void ReduceChunk(Worker& worker, size_t chunk);
  void ReducePartials(Worker& worker);
  // Grouped: the groups in a chunk's rows, then each group that spans
  // chunks from its pieces.
  void ReduceGroups(Worker& worker, size_t chunk,
                    std::vector<geos::GeometryPtr> inputs);
  void ReduceSpanningGroup(Worker& worker, size_t chunk);
  // A reduction's final value: `reduced`, or what the operation's kernel
  // makes of it where it has one (polygonize_all).
  absl::StatusOr<geos::GeometryPtr> FinishReduced(
      geos::Context& context, absl::StatusOr<geos::GeometryPtr> reduced);

  // This worker's prepared form of the broadcast operand, or null where the
  // operation or the operand has none (see ops::Preparable).
  const GEOSPreparedGeometry* PreparedOperand(Worker& worker);
  void Send(std::unique_ptr<v1::ResultChunk> chunk);

  std::string Progress() const override;
  void Finished(const absl::Status& status) override;

  const ComputePlan plan_;
  const ComputeLimits limits_;
  const absl::Time started_;
  const Callbacks callbacks_;
  OperandCache* const operands_;

  // The broadcast operand: its builder exists only until it is frozen.
  std::optional<batch::FrozenBatch::Builder> b_builder_;
  std::shared_ptr<const batch::FrozenBatch> b_;
  // Reductions in strips or groups: the row order, fixed before the chunks
  // start.
  std::optional<StripOrder> strips_;
  // Reductions: chunk i's partial result, written only by chunk i's task
  // and read by ReducePartials after every chunk task has returned.
  std::vector<geos::GeometryPtr> partials_;
  // Grouped reductions: chunk i's partial results for the groups that cross
  // its ends (at most two), with the same discipline as partials_.
  struct GroupPartial {
    size_t group;
    absl::StatusOr<geos::GeometryPtr> result;
  };
  std::vector<std::vector<GroupPartial>> group_partials_;

  // The chunk stages' bound on unsent chunks.
  const std::shared_ptr<Window> window_;
  BatchCounters counters_;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_COMPUTE_JOB_H_
