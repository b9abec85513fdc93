// SetCatalog: the indexed sets a server holds for joins and nearest
// searches — layers loaded at start-up, by name and by digest, and sets
// clients sent, by digest.
//
// Layers stay for the server's life. Sent sets are kept so a client (or
// another client) may name them by digest in later calls instead of sending
// them again; they are bounded in bytes (IndexedSetInfo.bytes), the least
// recently used going first. A set in use by a call stays alive through its
// shared_ptr even after the catalog lets go of it.
//
// Thread-safety: all methods may be called concurrently.
#ifndef GEOSRPC_SERVER_LAYERS_SET_CATALOG_H_
#define GEOSRPC_SERVER_LAYERS_SET_CATALOG_H_

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "base/sync.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/layers/indexed_set.h"

namespace geosrpc::layers {

class SetCatalog {
 public:
  // Sent sets are kept up to `max_cached_bytes` in all.
  explicit SetCatalog(uint64_t max_cached_bytes = uint64_t{1} << 30)
      : max_cached_bytes_(max_cached_bytes) {}
  SetCatalog(const SetCatalog&) = delete;
  SetCatalog& operator=(const SetCatalog&) = delete;

  // Adds a layer under its info().layer(); ALREADY_EXISTS when the name is
  // taken.
  absl::Status AddLayer(std::shared_ptr<const IndexedSet> layer);
  // The layer of that name, or null.
  std::shared_ptr<const IndexedSet> FindLayer(absl::string_view name) const;
  // The set (a sent one, or a layer) with that digest, or null.
  std::shared_ptr<const IndexedSet> FindDigest(absl::string_view digest);
  // Keeps a set a client sent; one larger than the whole budget is not
  // kept.
  void Remember(std::shared_ptr<const IndexedSet> set);

  // Every layer, by name.
  std::vector<v1::IndexedSetInfo> Layers() const;
  // Bytes of the sent sets held.
  uint64_t cached_bytes() const;
  // Sent sets held.
  size_t cached_sets() const;

 private:
  using Lru = std::list<std::shared_ptr<const IndexedSet>>;

  const uint64_t max_cached_bytes_;
  mutable Mutex mu_;
  std::map<std::string, std::shared_ptr<const IndexedSet>> layers_
      ABSL_GUARDED_BY(mu_);
  // Sent sets, most recently used first, and by digest.
  Lru cached_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Lru::iterator> by_digest_
      ABSL_GUARDED_BY(mu_);
  uint64_t cached_bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace geosrpc::layers

#endif  // GEOSRPC_SERVER_LAYERS_SET_CATALOG_H_
