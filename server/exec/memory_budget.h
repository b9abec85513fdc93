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
// When asked, the budget also gives memory back to the system when the
// server falls idle: glibc's malloc keeps freed memory in its arenas, so
// after a burst of large calls an idle server would otherwise keep its peak
// RSS. Once nothing has been held for a short while, a thread of its own
// calls malloc_trim (never a gRPC or worker thread).
//
// Thread-safety: all methods may be called from any thread.
#ifndef GEOSRPC_SERVER_EXEC_MEMORY_BUDGET_H_
#define GEOSRPC_SERVER_EXEC_MEMORY_BUDGET_H_

#include <atomic>
#include <cstdint>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/sync.h"

namespace geosrpc::exec {

class MemoryBudget {
 public:
  // `limit` bytes in all; 0 means no limit (only counted). With
  // `release_when_idle`, freed memory goes back to the system once nothing
  // has been held for `idle_delay`.
  explicit MemoryBudget(uint64_t limit, bool release_when_idle = false,
                        absl::Duration idle_delay = absl::Milliseconds(200));
  ~MemoryBudget();
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Takes `bytes` for a new call's request, or RESOURCE_EXHAUSTED (nothing
  // taken) when they do not fit beside what is held.
  absl::Status TryAdmit(uint64_t bytes);
  // Takes `bytes` unconditionally (a running call's result).
  void Hold(uint64_t bytes) {
    held_.fetch_add(bytes, std::memory_order_relaxed);
  }
  void Release(uint64_t bytes);

  uint64_t held() const { return held_.load(std::memory_order_relaxed); }
  uint64_t limit() const { return limit_; }
  // Times memory was given back to the system.
  uint64_t trims();

 private:
  void Trimmer();

  const uint64_t limit_;
  const absl::Duration idle_delay_;
  std::atomic<uint64_t> held_{0};

  Mutex mu_;
  CondVar idle_;  // Signalled when held_ reaches 0 or on destruction.
  bool went_idle_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t trims_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread trimmer_;  // Only with release_when_idle.
};

// The memory limit of this process's cgroup (v2 memory.max, else v1
// memory.limit_in_bytes), or 0 when it has none.
uint64_t CgroupMemoryLimit();

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_MEMORY_BUDGET_H_
