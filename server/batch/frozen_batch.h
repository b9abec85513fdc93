// FrozenBatch: a batch of decoded GEOS geometries that several threads read,
// immutable once frozen.
//
// Decoding runs in parallel: each worker decodes a disjoint row range through
// its own geos::Context with Builder::Decode, validating the bytes first (see
// decode.h). Every geometry's envelope is primed (GEOS 3.11 computes
// envelopes lazily, which would be a write under concurrent readers).
// Freeze() then publishes the batch as shared_ptr<const FrozenBatch>. Rows
// that only one thread reads need none of this: see DecodeRows.
//
// Thread-safety: a FrozenBatch is immutable; any number of threads may read it
// concurrently with their own contexts. It lives until the last holder (worker
// task, prepared-geometry cache, or stream) lets go, and destroys its
// geometries through a context of its own, so it may be released on any
// thread.
#ifndef GEOSRPC_SERVER_BATCH_FROZEN_BATCH_H_
#define GEOSRPC_SERVER_BATCH_FROZEN_BATCH_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/batch/decode.h"
#include "server/batch/wkb.h"
#include "server/geos/context.h"
#include "server/geos/handles.h"

namespace geosrpc::batch {

// Puts `g` (and every part of it) in the state concurrent readers need: its
// envelope computed and cached.
void PrimeForSharing(GEOSContextHandle_t context, const GEOSGeometry* g);

class FrozenBatch {
 public:
  class Builder;

  FrozenBatch(const FrozenBatch&) = delete;
  FrozenBatch& operator=(const FrozenBatch&) = delete;

  size_t size() const { return geometries_.size(); }
  // The decoded geometry of row i, or nullptr when the row failed to decode.
  const GEOSGeometry* geometry(size_t i) const { return geometries_[i].get(); }
  // Why row i failed to decode; OK for decoded rows.
  const absl::Status& status(size_t i) const { return statuses_[i]; }

 private:
  explicit FrozenBatch(size_t n);

  // Destroys the geometries, so declared first (destroyed last).
  geos::Context context_;
  std::vector<geos::GeometryPtr> geometries_;
  std::vector<absl::Status> statuses_;
};

class FrozenBatch::Builder {
 public:
  // `view` must pass ValidateShape and outlive the Builder.
  Builder(const BatchView& view, const GeometryLimits& limits);

  size_t size() const { return view_.size(); }

  // Decodes rows [begin, end) using `context`. Threads may decode disjoint
  // ranges concurrently; each row is written by exactly one of them.
  // Returns the vertices decoded.
  uint64_t Decode(geos::Context& context, size_t begin, size_t end);

  // Row i as the thread that decoded it left it: its geometry (null when it
  // failed) and status. Only that thread may look before Freeze().
  const GEOSGeometry* geometry(size_t i) const {
    return batch_->geometries_[i].get();
  }
  const absl::Status& status(size_t i) const { return batch_->statuses_[i]; }

  // Publishes the batch. Every Decode must have returned, and the caller must
  // have synchronized with the decoding threads (e.g. through a mutex or the
  // worker pool's completion callback).
  std::shared_ptr<const FrozenBatch> Freeze() &&;

 private:
  BatchView view_;
  GeometryLimits limits_;
  std::unique_ptr<FrozenBatch> batch_;
};

}  // namespace geosrpc::batch

#endif  // GEOSRPC_SERVER_BATCH_FROZEN_BATCH_H_
