#include "server/layers/set_catalog.h"

#include "absl/strings/str_cat.h"

namespace geosrpc::layers {

absl::Status SetCatalog::AddLayer(std::shared_ptr<const IndexedSet> layer) {
  const std::string name = layer->info().layer();
  MutexLock lock(&mu_);
  if (!layers_.emplace(name, std::move(layer)).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("two layers are named '", name, "'"));
  }
  return absl::OkStatus();
}

std::shared_ptr<const IndexedSet> SetCatalog::FindLayer(
    absl::string_view name) const {
  MutexLock lock(&mu_);
  auto it = layers_.find(std::string(name));
  return it == layers_.end() ? nullptr : it->second;
}

std::shared_ptr<const IndexedSet> SetCatalog::FindDigest(
    absl::string_view digest) {
  MutexLock lock(&mu_);
  if (auto it = by_digest_.find(digest); it != by_digest_.end()) {
    cached_.splice(cached_.begin(), cached_, it->second);
    return *it->second;
  }
  for (const auto& [name, layer] : layers_) {
    if (layer->info().digest() == digest) return layer;
  }
  return nullptr;
}

void SetCatalog::Remember(std::shared_ptr<const IndexedSet> set) {
  const uint64_t bytes = set->info().bytes();
  if (bytes > max_cached_bytes_) return;
  const std::string digest = set->info().digest();
  MutexLock lock(&mu_);
  if (by_digest_.contains(digest)) return;  // Another call sent it too.
  cached_.push_front(std::move(set));
  by_digest_[digest] = cached_.begin();
  cached_bytes_ += bytes;
  while (cached_bytes_ > max_cached_bytes_) {
    const std::shared_ptr<const IndexedSet>& oldest = cached_.back();
    cached_bytes_ -= oldest->info().bytes();
    by_digest_.erase(oldest->info().digest());
    cached_.pop_back();
  }
}

std::vector<v1::IndexedSetInfo> SetCatalog::Layers() const {
  MutexLock lock(&mu_);
  std::vector<v1::IndexedSetInfo> out;
  for (const auto& [name, layer] : layers_) out.push_back(layer->info());
  return out;
}

uint64_t SetCatalog::cached_bytes() const {
  MutexLock lock(&mu_);
  return cached_bytes_;
}

size_t SetCatalog::cached_sets() const {
  MutexLock lock(&mu_);
  return cached_.size();
}

}  // namespace geosrpc::layers
