#include "server/exec/operand_cache.h"

#include <algorithm>

namespace geosrpc::exec {

std::shared_ptr<const batch::FrozenBatch> OperandCache::Find(
    batch::Encoding encoding, absl::string_view bytes) {
  if (bytes.size() > max_operand_bytes_) return nullptr;
  MutexLock lock(&mu_);
  for (Entry& e : entries_) {
    if (e.encoding == encoding && e.bytes == bytes) {
      e.last_use = ++clock_;
      return e.operand;
    }
  }
  return nullptr;
}

void OperandCache::Insert(batch::Encoding encoding, absl::string_view bytes,
                          std::shared_ptr<const batch::FrozenBatch> operand) {
  if (bytes.size() > max_operand_bytes_ || capacity_ == 0) return;
  std::shared_ptr<const batch::FrozenBatch> evicted;  // Freed unlocked.
  MutexLock lock(&mu_);
  for (const Entry& e : entries_) {
    if (e.encoding == encoding && e.bytes == bytes) return;
  }
  if (entries_.size() >= capacity_) {
    auto oldest = std::min_element(
        entries_.begin(), entries_.end(),
        [](const Entry& x, const Entry& y) { return x.last_use < y.last_use; });
    evicted = std::move(oldest->operand);
    entries_.erase(oldest);
  }
  entries_.push_back(
      {encoding, std::string(bytes), std::move(operand), ++clock_});
}

uint64_t OperandCache::bytes() {
  MutexLock lock(&mu_);
  uint64_t total = 0;
  for (const Entry& e : entries_) total += e.bytes.size();
  return total;
}

size_t OperandCache::size() {
  MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace geosrpc::exec
