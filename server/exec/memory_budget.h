// MemoryBudget: the bytes the server holds for calls in flight — their
// requests, and their results computed but not yet written — against one
// limit, so that a few large concurrent calls cannot take a replica past its
// memory (Kubernetes kills a pod that passes its limit).
//
// A call is admitted only if its request fits beside what is held now
// (TryAdmit: RESOURCE_EXHAUSTED otherwise, retryable); its results count as
// they are produced (Hold) until written, and everything is let go when the
// call ends. Results never make a running call fail: a call's unsent results
// are bounded by its window (see Window), so the budget decides admission
// only.
//
// Thread-safety: all methods may be called from any thread.
#ifndef GEOSRPC_SERVER_EXEC_MEMORY_BUDGET_H_
#define GEOSRPC_SERVER_EXEC_MEMORY_BUDGET_H_

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"

namespace geosrpc::exec {

class MemoryBudget {
 public:
  // `limit` bytes in all; 0 means no limit (only counted).
  explicit MemoryBudget(uint64_t limit) : limit_(limit) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Takes `bytes` for a new call's request, or RESOURCE_EXHAUSTED (nothing
  // taken) when they do not fit beside what is held.
  absl::Status TryAdmit(uint64_t bytes);
  // Takes `bytes` unconditionally (a running call's result).
  void Hold(uint64_t bytes) {
    held_.fetch_add(bytes, std::memory_order_relaxed);
  }
  void Release(uint64_t bytes) {
    held_.fetch_sub(bytes, std::memory_order_relaxed);
  }

  uint64_t held() const { return held_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_; }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> held_{0};
};

// The memory limit of this process's cgroup (v2 memory.max, else v1
// memory.limit_in_bytes), or 0 when it has none.
uint64_t CgroupMemoryLimit();

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_MEMORY_BUDGET_H_
