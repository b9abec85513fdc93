// PreparedCache: one worker's prepared geometries, for the shared geometries
// it queries over and over: broadcast operands, and the geometries of the
// indexed sets that joins and nearest searches run against.
//
// GEOS prepared geometries mutate internal indexes on every query, so they are
// never shared: each worker prepares its own, on first use, and reuses it for
// every later row of that request it runs (and for later requests that send
// the same frozen operand or use the same set). Each entry holds a reference
// to the FrozenBatch that owns the base geometry, so the base outlives its
// prepared form. The cache is bounded in entries and in the vertices of the
// geometries it holds (a prepared geometry's indexes grow with its
// vertices); the least recently used entries go first.
//
// Thread-safety: none; owned and used by a single worker thread.
#ifndef GEOSRPC_SERVER_EXEC_PREPARED_CACHE_H_
#define GEOSRPC_SERVER_EXEC_PREPARED_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "server/batch/frozen_batch.h"
#include "server/geos/context.h"
#include "server/geos/handles.h"

namespace geosrpc::exec {

class PreparedCache {
 public:
  // Entries are created and destroyed with `context`, which must outlive
  // the cache. At most `capacity` entries and about `max_vertices` vertices
  // (a single geometry larger than that is still prepared, alone).
  explicit PreparedCache(geos::Context* context, size_t capacity = 4096,
                         uint64_t max_vertices = 2'000'000)
      : context_(context), capacity_(capacity), max_vertices_(max_vertices) {}
  PreparedCache(const PreparedCache&) = delete;
  PreparedCache& operator=(const PreparedCache&) = delete;

  // The prepared form of `owner->geometry(row)`, built on first use.
  absl::StatusOr<const GEOSPreparedGeometry*> Get(
      const std::shared_ptr<const batch::FrozenBatch>& owner, size_t row);

  size_t size() const { return entries_.size(); }
  uint64_t vertices() const { return vertices_; }
  // Entries evicted so far. A caller that keeps pointers Get returned (to
  // skip Get for repeated rows) may keep them while this is unchanged.
  uint64_t evictions() const { return evictions_; }

 private:
  using Key = std::pair<const batch::FrozenBatch*, size_t>;
  struct Entry {
    std::shared_ptr<const batch::FrozenBatch> owner;  // Keeps the base alive.
    size_t row;
    uint64_t vertices;
    geos::PreparedPtr prepared;  // Destroyed before `owner`.
  };

  geos::Context* const context_;
  const size_t capacity_;
  const uint64_t max_vertices_;
  uint64_t vertices_ = 0;
  uint64_t evictions_ = 0;
  // Most recently used first.
  std::list<Entry> entries_;
  absl::flat_hash_map<Key, std::list<Entry>::iterator> by_key_;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_PREPARED_CACHE_H_
