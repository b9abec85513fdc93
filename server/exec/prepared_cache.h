// PreparedCache: one worker's prepared geometries for broadcast operands.
//
// GEOS prepared geometries mutate internal indexes on every query, so they are
// never shared: each worker prepares its own, once per operand, and reuses it
// for every chunk of that request it runs (and for later requests that send
// the same frozen operand). Each entry holds a reference to the FrozenBatch
// that owns the base geometry, so the base outlives its prepared form.
//
// Thread-safety: none; owned and used by a single worker thread.
#ifndef GEOSRPC_SERVER_EXEC_PREPARED_CACHE_H_
#define GEOSRPC_SERVER_EXEC_PREPARED_CACHE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "server/batch/frozen_batch.h"
#include "server/geos/context.h"
#include "server/geos/handles.h"

namespace geosrpc::exec {

class PreparedCache {
 public:
  // Entries are created and destroyed with `context`, which must outlive
  // the cache.
  explicit PreparedCache(geos::Context* context, size_t capacity = 8)
      : context_(context), capacity_(capacity) {}
  PreparedCache(const PreparedCache&) = delete;
  PreparedCache& operator=(const PreparedCache&) = delete;

  // The prepared form of `owner->geometry(row)`, built on first use. The
  // least recently used entry is evicted beyond capacity.
  absl::StatusOr<const GEOSPreparedGeometry*> Get(
      const std::shared_ptr<const batch::FrozenBatch>& owner, size_t row);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::shared_ptr<const batch::FrozenBatch> owner;  // Keeps the base alive.
    size_t row;
    uint64_t last_use;
    geos::PreparedPtr prepared;  // Destroyed before `owner`.
  };

  geos::Context* const context_;
  const size_t capacity_;
  uint64_t clock_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_PREPARED_CACHE_H_
