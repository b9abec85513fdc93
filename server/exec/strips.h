// StripOrder: the order in which a reduction's chunks read its rows.
//
// A reduction (union_all, ...) reduces each chunk to a partial result, then
// the partial results to one. Chunks of rows that lie apart give partial
// results that barely overlap, which the final, serial step combines
// cheaply; chunks of rows in request order overlap everywhere (a union of
// two such halves can cost more than the halves did). So rows are first
// ordered by the x of their envelope's centre and each chunk takes a
// vertical strip.
//
// A grouped reduction (group_keys) reads its rows grouped by key, in
// ascending key order, and in strips within a group; groups are numbered
// 0, 1, ... in that order.
//
// Keys come from validating each row (batch::InspectRow): WKB rows are only
// walked, never built as GEOS geometries. Rows without a key (empty or
// undecodable) sort last; their chunk reports their errors when it decodes
// them.
//
// Thread-safety: ComputeKeys may run concurrently for disjoint row ranges.
// Sort() must happen after every ComputeKeys has returned (and be ordered
// after them, e.g. by the pool's completion callback); the const methods
// may then be called from any thread.
#ifndef GEOSRPC_SERVER_EXEC_STRIPS_H_
#define GEOSRPC_SERVER_EXEC_STRIPS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "server/batch/decode.h"
#include "server/batch/wkb.h"
#include "server/geos/context.h"

namespace geosrpc::exec {

class StripOrder {
 public:
  // For the rows of `view` and their `group_keys` (one per row, or empty
  // for one group), which must outlive this.
  StripOrder(const batch::BatchView& view, const batch::GeometryLimits& limits,
             absl::Span<const int64_t> group_keys = {});

  // The keys of rows [begin, end).
  void ComputeKeys(geos::Context& context, size_t begin, size_t end);
  // Orders the rows by group, then key (stable), and drops the keys.
  void Sort();

  // The input row read i-th.
  size_t row(size_t i) const { return order_[i]; }

  // Groups (1 when ungrouped) and the positions [group_begin(g),
  // group_end(g)) of group g's rows in the order.
  size_t num_groups() const { return group_begins_.size() - 1; }
  size_t group_begin(size_t g) const { return group_begins_[g]; }
  size_t group_end(size_t g) const { return group_begins_[g + 1]; }
  // The group of the row read i-th.
  size_t group_at(size_t i) const;
  // Group g's key (0 when ungrouped).
  int64_t group_key(size_t g) const;
  // Rows [begin, end) of the order, copied together as a batch of their
  // own into `data` and `offsets` (which the view refers to).
  batch::BatchView Gather(size_t begin, size_t end, std::string* data,
                          std::vector<uint64_t>* offsets) const;
  // "rows 3, 17, 42, ... (120 rows)": the input rows of the strip [begin,
  // end), smallest first, for messages.
  std::string Describe(size_t begin, size_t end) const;

 private:
  const batch::BatchView view_;
  const batch::GeometryLimits limits_;
  const absl::Span<const int64_t> group_keys_;
  std::vector<double> keys_;
  std::vector<size_t> order_;
  std::vector<size_t> group_begins_;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_STRIPS_H_
