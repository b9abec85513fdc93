// OperandCache: frozen broadcast operands shared across requests.
//
// Clients tend to send the same broadcast geometry with many requests (a
// query polygon; the seed workload's buffered multipoint). Keeping its
// FrozenBatch by content lets later requests skip decoding it, and lets each
// worker's PreparedCache — keyed by the frozen batch — reuse the prepared
// form instead of building its index again. Frozen batches are immutable, so
// sharing them between requests is safe.
//
// Thread-safety: all methods may be called concurrently.
#ifndef GEOSRPC_SERVER_EXEC_OPERAND_CACHE_H_
#define GEOSRPC_SERVER_EXEC_OPERAND_CACHE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "base/sync.h"
#include "server/batch/frozen_batch.h"

namespace geosrpc::exec {

class OperandCache {
 public:
  // At most `capacity` operands of at most `max_operand_bytes` encoded
  // bytes each; the least recently used is evicted.
  explicit OperandCache(size_t capacity = 16,
                        size_t max_operand_bytes = 4 << 20)
      : capacity_(capacity), max_operand_bytes_(max_operand_bytes) {}
  OperandCache(const OperandCache&) = delete;
  OperandCache& operator=(const OperandCache&) = delete;

  // The frozen operand decoded from exactly these bytes, or null.
  std::shared_ptr<const batch::FrozenBatch> Find(batch::Encoding encoding,
                                                 absl::string_view bytes);
  // Remembers `operand` (decoded from `bytes`); ignored when too large.
  void Insert(batch::Encoding encoding, absl::string_view bytes,
              std::shared_ptr<const batch::FrozenBatch> operand);

  size_t size();
  // The encoded bytes of the operands held (their decoded forms take a few
  // times more).
  uint64_t bytes();

 private:
  struct Entry {
    batch::Encoding encoding;
    std::string bytes;
    std::shared_ptr<const batch::FrozenBatch> operand;
    uint64_t last_use;
  };

  const size_t capacity_;
  const size_t max_operand_bytes_;
  Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t clock_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_OPERAND_CACHE_H_
