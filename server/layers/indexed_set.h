// IndexedSet: the indexed side of a join or nearest search — geometries
// decoded and validated once, their envelopes primed (frozen, see
// FrozenBatch), and an R-tree over their envelopes, shared read-only by every
// worker for as long as any call or cache holds it.
//
// A set is built in parallel: workers decode disjoint row ranges with
// Builder::Decode, then one thread builds the tree with Build(). Rows that
// fail to decode are left out of the index and reported (errors()); empty
// rows are left out silently, as Shapely's STRtree leaves them out.
//
// Sets are known by a digest of their encoded rows (Digest), so a client
// that sent one can name it again by digest, and by a layer name when loaded
// at start-up.
//
// Thread-safety: an IndexedSet is immutable; any number of threads may read
// it. Builder::Decode may run concurrently on disjoint ranges; Build() must
// be ordered after every Decode.
#ifndef GEOSRPC_SERVER_LAYERS_INDEXED_SET_H_
#define GEOSRPC_SERVER_LAYERS_INDEXED_SET_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/batch/decode.h"
#include "server/batch/frozen_batch.h"
#include "server/geos/context.h"
#include "server/index/packed_rtree.h"

namespace geosrpc::layers {

// The digest clients and servers agree on for a batch (IndexedSet.digest in
// the proto): "sha256:" and the hex SHA-256 of the encoding as one byte,
// the row count as 8 little-endian bytes, then each row as its length in 8
// little-endian bytes followed by its bytes.
std::string Digest(const batch::BatchView& view);

// A test of one row's geometry made once, when the set is built (e.g.
// whether prepared predicates may serve it).
using RowTest = bool (*)(GEOSContextHandle_t context, const GEOSGeometry* g);

class IndexedSet {
 public:
  class Builder;

  IndexedSet(const IndexedSet&) = delete;
  IndexedSet& operator=(const IndexedSet&) = delete;

  size_t size() const { return geometries_->size(); }
  // Row i's geometry: null when it failed to decode.
  const GEOSGeometry* geometry(size_t i) const {
    return geometries_->geometry(i);
  }
  // The frozen geometries, e.g. as the owner of prepared forms.
  const std::shared_ptr<const batch::FrozenBatch>& geometries() const {
    return geometries_;
  }
  const index::PackedRTree& tree() const { return tree_; }
  // Row i's envelope (empty when the row is not indexed).
  const index::Box& box(size_t i) const { return boxes_[i]; }
  // What the builder's RowTest said of row i (false for failed rows).
  bool passes(size_t i) const { return passes_[i] != 0; }
  // Digest, layer name, rows, indexed rows, vertices, bounds, and bytes: an
  // estimate of the memory the set holds (coordinates at 24 bytes, 200
  // bytes of GEOS objects per row, the envelopes and the tree).
  const v1::IndexedSetInfo& info() const { return info_; }
  // The first rows that failed to decode, with why.
  const std::vector<v1::RowError>& errors() const { return errors_; }
  // Rows that failed to decode, all of them.
  uint64_t failed_rows() const { return failed_rows_; }

 private:
  friend class Builder;
  IndexedSet(std::shared_ptr<const batch::FrozenBatch> geometries,
             std::vector<index::Box> boxes, std::vector<uint8_t> passes);

  const std::shared_ptr<const batch::FrozenBatch> geometries_;
  const std::vector<index::Box> boxes_;
  const std::vector<uint8_t> passes_;
  const index::PackedRTree tree_;
  v1::IndexedSetInfo info_;
  std::vector<v1::RowError> errors_;
  uint64_t failed_rows_ = 0;
};

class IndexedSet::Builder {
 public:
  // Rows reported in errors(), at most.
  static constexpr size_t kMaxErrors = 100;

  // `view` must pass ValidateShape and outlive the builder. `layer` names a
  // layer loaded at start-up (empty otherwise). `test`, if given, is made of
  // every decoded row (IndexedSet::passes).
  Builder(const batch::BatchView& view, const batch::GeometryLimits& limits,
          std::string digest, std::string layer = "", RowTest test = nullptr);

  size_t size() const { return boxes_.size(); }

  // Decodes rows [begin, end) with `context`; threads may decode disjoint
  // ranges at once.
  void Decode(geos::Context& context, size_t begin, size_t end);

  // The set, once every Decode has returned (and is ordered before this).
  std::shared_ptr<const IndexedSet> Build() &&;

 private:
  batch::FrozenBatch::Builder batch_;
  std::string digest_;
  std::string layer_;
  const RowTest test_;
  std::vector<index::Box> boxes_;
  std::vector<uint8_t> passes_;
  std::atomic<uint64_t> vertices_{0};
};

}  // namespace geosrpc::layers

#endif  // GEOSRPC_SERVER_LAYERS_INDEXED_SET_H_
