#include "server/exec/memory_budget.h"

#include <malloc.h>

#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace geosrpc::exec {
namespace {

// The number in a cgroup file, or 0 for "max", a missing file or anything
// that is no limit (v1 writes a huge number for none).
uint64_t ReadLimit(const char* path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) return 0;
  uint64_t v = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &v)) return 0;
  return v >= (uint64_t{1} << 60) ? 0 : v;
}

}  // namespace

MemoryBudget::MemoryBudget(uint64_t limit, bool release_when_idle,
                           absl::Duration idle_delay)
    : limit_(limit), idle_delay_(idle_delay) {
  if (release_when_idle) trimmer_ = std::thread([this] { Trimmer(); });
}

MemoryBudget::~MemoryBudget() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  idle_.SignalAll();
  if (trimmer_.joinable()) trimmer_.join();
}

void MemoryBudget::Release(uint64_t bytes) {
  if (held_.fetch_sub(bytes, std::memory_order_relaxed) != bytes) return;
  if (!trimmer_.joinable()) return;
  {
    MutexLock lock(&mu_);
    went_idle_ = true;
  }
  idle_.Signal();
}

uint64_t MemoryBudget::trims() {
  MutexLock lock(&mu_);
  return trims_;
}

void MemoryBudget::Trimmer() {
  MutexLock lock(&mu_);
  for (;;) {
    idle_.Wait(&mu_, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return went_idle_ || stopping_;
    });
    if (stopping_) return;
    went_idle_ = false;
    // Still idle a moment later (not between two calls of a busy client)?
    mu_.Unlock();
    absl::SleepFor(idle_delay_);
    const bool idle = held() == 0;
    if (idle) malloc_trim(0);
    mu_.Lock();
    if (idle) ++trims_;
  }
}

absl::Status MemoryBudget::TryAdmit(uint64_t bytes) {
  uint64_t held = held_.load(std::memory_order_relaxed);
  do {
    if (limit_ != 0 && held + bytes > limit_) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "server memory busy: ", held, " bytes held for calls in flight, ",
          bytes, " more would pass the limit of ", limit_,
          " (max_inflight_bytes); retry with backoff"));
    }
  } while (!held_.compare_exchange_weak(held, held + bytes,
                                        std::memory_order_relaxed));
  return absl::OkStatus();
}

uint64_t CgroupMemoryLimit() {
  if (const uint64_t v2 = ReadLimit("/sys/fs/cgroup/memory.max"); v2 != 0) {
    return v2;
  }
  return ReadLimit("/sys/fs/cgroup/memory/memory.limit_in_bytes");
}

}  // namespace geosrpc::exec
