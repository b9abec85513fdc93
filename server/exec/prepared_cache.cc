#include "server/exec/prepared_cache.h"

#include <algorithm>

namespace geosrpc::exec {

absl::StatusOr<const GEOSPreparedGeometry*> PreparedCache::Get(
    const std::shared_ptr<const batch::FrozenBatch>& owner, size_t row) {
  ++clock_;
  for (Entry& e : entries_) {
    if (e.owner == owner && e.row == row) {
      e.last_use = clock_;
      return e.prepared.get();
    }
  }
  const GEOSPreparedGeometry* p =
      GEOSPrepare_r(context_->handle(), owner->geometry(row));
  if (p == nullptr) {
    return context_->Error(absl::StatusCode::kFailedPrecondition, "prepare");
  }
  if (entries_.size() >= capacity_) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const Entry& x, const Entry& y) { return x.last_use < y.last_use; });
    entries_.erase(oldest);
  }
  entries_.push_back(
      Entry{owner, row, clock_, geos::PreparedPtr(p, {context_->handle()})});
  return p;
}

}  // namespace geosrpc::exec
