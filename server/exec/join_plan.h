// JoinPlan: a JoinRequest or NearestRequest checked, and cut into the work a
// JoinJob runs.
//
// As ComputePlan: every cheap check happens here, on the caller's thread,
// before anything is admitted (the predicate and its distance, k and
// max_distance, the batch's shape and size, the set's form), and no GEOS or
// pool is touched, so a plan can be tested alone. The plan holds views into
// the request, which must outlive it.
//
// Thread-safety: immutable after creation; any number of threads may read
// it.
#ifndef GEOSRPC_SERVER_EXEC_JOIN_PLAN_H_
#define GEOSRPC_SERVER_EXEC_JOIN_PLAN_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/batch/decode.h"
#include "server/exec/compute_plan.h"
#include "server/ops/operations.h"

namespace geosrpc::exec {

class JoinPlan {
 public:
  enum class Kind {
    kPredicate,  // Join: pairs that satisfy a predicate.
    kNearest,    // Nearest: each row's nearest geometries.
  };
  // Where the indexed set comes from.
  enum class Source { kGeometries, kDigest, kLayer };

  static absl::StatusOr<JoinPlan> ForJoin(const v1::JoinRequest& request,
                                          const ComputeLimits& limits,
                                          int workers);
  static absl::StatusOr<JoinPlan> ForNearest(const v1::NearestRequest& request,
                                             const ComputeLimits& limits,
                                             int workers);

  Kind kind() const { return kind_; }

  const batch::BatchView& a() const { return a_; }
  size_t rows() const { return rows_; }
  // About how many bytes the request holds (its batches).
  uint64_t request_bytes() const;
  size_t num_chunks() const { return num_chunks_; }
  size_t chunk_begin(size_t chunk) const { return chunk * chunk_rows_; }
  size_t chunk_end(size_t chunk) const;

  Source source() const { return source_; }
  // kGeometries: the rows to index, decoded in num_set_tasks() tasks.
  const batch::BatchView& set_rows() const { return set_rows_; }
  size_t num_set_tasks() const;
  size_t set_task_begin(size_t task) const { return task * set_task_rows_; }
  size_t set_task_end(size_t task) const;
  // kDigest, kLayer: the name the set goes by.
  const std::string& set_name() const { return set_name_; }

  // kPredicate: the predicate's operation (null for envelope-only) and its
  // parameters (dwithin's distance); rows are matched against set
  // geometries whose envelope comes within query_margin() of theirs.
  const ops::OpSpec* predicate() const { return predicate_; }
  const ops::Params& params() const { return params_; }
  double query_margin() const { return query_margin_; }

  // kNearest.
  uint32_t k() const { return k_; }
  double max_distance() const { return max_distance_; }  // inf: no bound.
  bool exclusive() const { return exclusive_; }
  bool all_matches() const { return all_matches_; }

  bool return_distance() const { return return_distance_; }
  uint64_t max_pairs() const { return max_pairs_; }

 private:
  JoinPlan() = default;
  // The checks Join and Nearest share: a, the set, the chunks, max_pairs.
  absl::Status Common(const v1::GeometryBatch& a, const v1::IndexedSet& set,
                      uint32_t chunk_rows, uint64_t max_pairs,
                      const ComputeLimits& limits, int workers);

  Kind kind_ = Kind::kPredicate;
  batch::BatchView a_;
  size_t rows_ = 0;
  size_t chunk_rows_ = 1;
  size_t num_chunks_ = 0;
  Source source_ = Source::kGeometries;
  batch::BatchView set_rows_;
  // a's and the set's rows when sent as coordinates (see ViewOf).
  std::shared_ptr<const batch::WkbRows> a_owned_;
  std::shared_ptr<const batch::WkbRows> set_owned_;
  size_t set_task_rows_ = 1;
  std::string set_name_;
  const ops::OpSpec* predicate_ = nullptr;
  ops::Params params_;
  double query_margin_ = 0;
  uint32_t k_ = 1;
  double max_distance_ = 0;
  bool exclusive_ = false;
  bool all_matches_ = true;
  bool return_distance_ = false;
  uint64_t max_pairs_ = 0;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_JOIN_PLAN_H_
