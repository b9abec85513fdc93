// JoinJob: one Join or Nearest call's life on the worker pool.
//
// Start() checks the request (JoinPlan, on the caller's thread), finds the
// indexed set by layer or digest (NOT_FOUND naming it when the server does
// not hold it), and runs its stages (StagedJob), written out in Start():
//
//   digest   a set sent with the request: one task digests its rows and
//            looks for the set in the SetCatalog (a set sent before is not
//            decoded again);
//   set      otherwise workers decode its rows in parallel; then one step
//            builds the R-tree over their envelopes, freezes the set for
//            every worker to read, and remembers it in the catalog;
//   probe    workers take chunks of `a`: each decodes its own rows (as the
//            compute row path does), queries the tree and refines the
//            candidates: a predicate evaluated with the set geometry
//            prepared (per worker, PreparedCache) where GEOS has a prepared
//            form, or exact distances for the k nearest. Pairs go to
//            on_chunk as each chunk is done, at most max_unsent_chunks ahead
//            of the client (see Window).
//
// A bad row of `a` is a row error, as in Compute; a set row that cannot be
// decoded is left out of the index and reported in the summary. The call
// stops with RESOURCE_EXHAUSTED once it would pass max_pairs; deadlines and
// cancellation stop it as any job.
//
// Thread-safety: Start and Cancel may be called from any thread. on_chunk is
// called from worker threads, possibly concurrently; on_done once.
#ifndef GEOSRPC_SERVER_EXEC_JOIN_JOB_H_
#define GEOSRPC_SERVER_EXEC_JOIN_JOB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/exec/chunk_builder.h"
#include "server/exec/join_plan.h"
#include "server/exec/staged_job.h"
#include "server/exec/worker_pool.h"
#include "server/layers/indexed_set.h"
#include "server/layers/set_catalog.h"

namespace geosrpc::exec {

class JoinJob final : public StagedJob {
 public:
  struct Callbacks {
    // A chunk of pairs; hold `sent` until it has been written (or dropped).
    std::function<void(std::unique_ptr<v1::PairChunk>,
                       std::shared_ptr<void> sent)>
        on_chunk;
    std::function<void(const v1::JoinSummary&)> on_done;
  };

  // Schedules `plan`'s work; the request it views must stay alive and
  // unchanged until on_done. On error (NOT_FOUND for a layer or digest the
  // server does not hold, RESOURCE_EXHAUSTED when memory or the pool is
  // full) no callback is ever called. `memory`, if given, holds the request
  // and its unsent chunks against the server's limit.
  static absl::StatusOr<std::shared_ptr<JoinJob>> Start(
      WorkerPool* pool, JoinPlan plan, const ComputeLimits& limits,
      absl::Time deadline, Callbacks callbacks, layers::SetCatalog* catalog,
      MemoryBudget* memory = nullptr);

 private:
  JoinJob(WorkerPool* pool, JoinPlan plan, const ComputeLimits& limits,
          absl::Time deadline, Callbacks callbacks, layers::SetCatalog* catalog,
          MemoryBudget* memory);

  // The set stages.
  void DigestSet();
  void DecodeSet(Worker& worker, size_t task);
  absl::Status BuildSet();
  // The probe stage: one chunk of `a`.
  void Probe(Worker& worker, size_t chunk);

  class Prober;
  std::string Progress() const override;
  void Finished(const absl::Status& status) override;

  const JoinPlan plan_;
  const ComputeLimits limits_;
  const absl::Time started_;
  const Callbacks callbacks_;
  layers::SetCatalog* const catalog_;
  const std::shared_ptr<Window> window_;

  // The set: found at Start or by DigestSet, else built by the set stages;
  // fixed before the probe stage starts.
  std::shared_ptr<const layers::IndexedSet> set_;
  std::string digest_;
  std::optional<layers::IndexedSet::Builder> builder_;
  absl::Time set_started_;
  absl::Duration index_time_;

  std::atomic<uint64_t> pairs_{0};
  BatchCounters counters_;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_JOIN_JOB_H_
