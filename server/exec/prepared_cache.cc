#include "server/exec/prepared_cache.h"

namespace geosrpc::exec {

absl::StatusOr<const GEOSPreparedGeometry*> PreparedCache::Get(
    const std::shared_ptr<const batch::FrozenBatch>& owner, size_t row) {
  const Key key{owner.get(), row};
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->prepared.get();
  }
  const GEOSContextHandle_t h = context_->handle();
  const GEOSGeometry* base = owner->geometry(row);
  const GEOSPreparedGeometry* p = GEOSPrepare_r(h, base);
  if (p == nullptr) {
    return context_->Error(absl::StatusCode::kFailedPrecondition, "prepare");
  }
  const int n = GEOSGetNumCoordinates_r(h, base);
  const uint64_t vertices = n > 0 ? n : 0;
  entries_.push_front(Entry{owner, row, vertices, geos::PreparedPtr(p, {h})});
  by_key_[key] = entries_.begin();
  vertices_ += vertices;
  while (entries_.size() > 1 &&
         (entries_.size() > capacity_ || vertices_ > max_vertices_)) {
    Entry& oldest = entries_.back();
    vertices_ -= oldest.vertices;
    by_key_.erase(Key{oldest.owner.get(), oldest.row});
    entries_.pop_back();
    ++evictions_;
  }
  return p;
}

}  // namespace geosrpc::exec
