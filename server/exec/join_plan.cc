#include "server/exec/join_plan.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace geosrpc::exec {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The operation that evaluates a join predicate; OP_CODE_UNSPECIFIED for
// envelope-only.
absl::StatusOr<v1::OpCode> PredicateOp(v1::JoinPredicate p) {
  switch (p) {
    case v1::JOIN_PREDICATE_INTERSECTS:
      return v1::OP_CODE_INTERSECTS;
    case v1::JOIN_PREDICATE_WITHIN:
      return v1::OP_CODE_WITHIN;
    case v1::JOIN_PREDICATE_CONTAINS:
      return v1::OP_CODE_CONTAINS;
    case v1::JOIN_PREDICATE_OVERLAPS:
      return v1::OP_CODE_OVERLAPS;
    case v1::JOIN_PREDICATE_CROSSES:
      return v1::OP_CODE_CROSSES;
    case v1::JOIN_PREDICATE_TOUCHES:
      return v1::OP_CODE_TOUCHES;
    case v1::JOIN_PREDICATE_COVERS:
      return v1::OP_CODE_COVERS;
    case v1::JOIN_PREDICATE_COVERED_BY:
      return v1::OP_CODE_COVERED_BY;
    case v1::JOIN_PREDICATE_CONTAINS_PROPERLY:
      return v1::OP_CODE_CONTAINS_PROPERLY;
    case v1::JOIN_PREDICATE_DWITHIN:
      return v1::OP_CODE_DWITHIN;
    case v1::JOIN_PREDICATE_ENVELOPE:
      return v1::OP_CODE_UNSPECIFIED;
    default:
      return absl::InvalidArgumentError(
          p == v1::JOIN_PREDICATE_UNSPECIFIED
              ? std::string("predicate is not set")
              : absl::StrCat("unknown predicate ", static_cast<int>(p)));
  }
}

size_t CeilDiv(size_t n, size_t d) { return (n + d - 1) / d; }

}  // namespace

absl::Status JoinPlan::Common(const v1::GeometryBatch& a,
                              const v1::IndexedSet& set, uint32_t chunk_rows,
                              uint64_t max_pairs, const ComputeLimits& limits,
                              int workers) {
  ASSIGN_OR_RETURN(a_, ViewOf(a, "a", &a_owned_));
  rows_ = a_.size();
  if (rows_ > limits.max_rows) {
    return absl::ResourceExhaustedError(
        absl::StrCat("batch has ", rows_, " rows; the limit is ",
                     limits.max_rows, " (max_rows_per_batch)"));
  }
  chunk_rows_ = ChunkRowsFor(rows_, chunk_rows, workers);
  num_chunks_ = CeilDiv(rows_, chunk_rows_);

  switch (set.source_case()) {
    case v1::IndexedSet::kGeometries: {
      source_ = Source::kGeometries;
      ASSIGN_OR_RETURN(set_rows_,
                       ViewOf(set.geometries(), "set.geometries", &set_owned_));
      if (set_rows_.size() > limits.max_rows) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "set.geometries has ", set_rows_.size(), " rows; the limit is ",
            limits.max_rows, " (max_rows_per_batch)"));
      }
      set_task_rows_ = ChunkRowsFor(set_rows_.size(), 0, workers);
      break;
    }
    case v1::IndexedSet::kDigest:
      source_ = Source::kDigest;
      set_name_ = set.digest();
      if (set_name_.empty()) {
        return absl::InvalidArgumentError("set.digest is empty");
      }
      break;
    case v1::IndexedSet::kLayer:
      source_ = Source::kLayer;
      set_name_ = set.layer();
      if (set_name_.empty()) {
        return absl::InvalidArgumentError("set.layer is empty");
      }
      break;
    case v1::IndexedSet::SOURCE_NOT_SET:
      return absl::InvalidArgumentError(
          "set is not given: send set.geometries, a set.digest or a "
          "set.layer");
  }
  max_pairs_ = max_pairs == 0 ? limits.max_pairs
                              : std::min<uint64_t>(max_pairs, limits.max_pairs);
  return absl::OkStatus();
}

absl::StatusOr<JoinPlan> JoinPlan::ForJoin(const v1::JoinRequest& request,
                                           const ComputeLimits& limits,
                                           int workers) {
  JoinPlan plan;
  plan.kind_ = Kind::kPredicate;
  ASSIGN_OR_RETURN(const v1::OpCode op, PredicateOp(request.predicate()));
  if (op != v1::OP_CODE_UNSPECIFIED) {
    ASSIGN_OR_RETURN(plan.predicate_, ops::FindOperation(op));
  }
  const double distance = request.distance();
  if (request.predicate() == v1::JOIN_PREDICATE_DWITHIN) {
    if (!std::isfinite(distance) || distance < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "distance must be finite and >= 0 for JOIN_PREDICATE_DWITHIN, got ",
          distance));
    }
    v1::Operation dwithin;
    dwithin.set_op(op);
    dwithin.mutable_distance()->set_distance(distance);
    ASSIGN_OR_RETURN(plan.params_,
                     ops::ResolveParams(*plan.predicate_, dwithin));
    plan.query_margin_ = distance;
  } else if (distance != 0) {
    return absl::InvalidArgumentError(
        "distance is for JOIN_PREDICATE_DWITHIN only");
  }
  plan.return_distance_ = request.return_distance();
  RETURN_IF_ERROR(plan.Common(request.a(), request.set(), request.chunk_rows(),
                              request.max_pairs(), limits, workers));
  return plan;
}

absl::StatusOr<JoinPlan> JoinPlan::ForNearest(const v1::NearestRequest& request,
                                              const ComputeLimits& limits,
                                              int workers) {
  JoinPlan plan;
  plan.kind_ = Kind::kNearest;
  plan.k_ = std::max<uint32_t>(request.k(), 1);
  plan.max_distance_ = kInf;
  if (request.has_max_distance()) {
    const double d = request.max_distance();
    if (!(d > 0) || std::isnan(d)) {
      return absl::InvalidArgumentError(
          absl::StrCat("max_distance must be > 0, got ", d));
    }
    plan.max_distance_ = d;
  }
  plan.exclusive_ = request.exclusive();
  plan.all_matches_ = !request.has_all_matches() || request.all_matches();
  plan.return_distance_ = request.return_distance();
  RETURN_IF_ERROR(plan.Common(request.a(), request.set(), request.chunk_rows(),
                              request.max_pairs(), limits, workers));
  return plan;
}

uint64_t JoinPlan::request_bytes() const {
  return a_.data.size() + a_.offsets.size() * sizeof(uint64_t) +
         set_rows_.data.size() + set_rows_.offsets.size() * sizeof(uint64_t);
}

size_t JoinPlan::chunk_end(size_t chunk) const {
  return std::min(rows_, (chunk + 1) * chunk_rows_);
}

size_t JoinPlan::num_set_tasks() const {
  return source_ == Source::kGeometries
             ? CeilDiv(set_rows_.size(), set_task_rows_)
             : 0;
}

size_t JoinPlan::set_task_end(size_t task) const {
  return std::min(set_rows_.size(), (task + 1) * set_task_rows_);
}

}  // namespace geosrpc::exec
