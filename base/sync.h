// Locking primitives for geosrpc: thin wrappers over std::mutex and
// std::condition_variable carrying Abseil's thread-safety annotations.
//
// Why not absl::Mutex: Debian ships Abseil as an uninstrumented shared
// library, so ThreadSanitizer cannot see absl::Mutex establish any ordering
// and reports every guarded access as a race. std::mutex goes through
// pthreads, which TSan intercepts, so these keep ABSL_GUARDED_BY checking
// (under Clang) and make TSan runs meaningful.
//
// Thread-safety: as their standard counterparts.
#ifndef GEOSRPC_BASE_SYNC_H_
#define GEOSRPC_BASE_SYNC_H_

#include <condition_variable>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace geosrpc {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

class CondVar {
 public:
  // Blocks until `ready()` holds; `mu` must be held, and is held again on
  // return.
  template <typename Predicate>
  void Wait(Mutex* mu, Predicate ready) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> lock(mu->mu_, std::adopt_lock);
    cv_.wait(lock, ready);
    lock.release();  // Still held: ownership returns to the caller.
  }
  void SignalAll() { cv_.notify_all(); }
  void Signal() { cv_.notify_one(); }

 private:
  std::condition_variable cv_;
};

// A one-shot event: Notify once, WaitForNotification any number of times.
class Notification {
 public:
  void Notify() {
    MutexLock lock(&mu_);
    notified_ = true;
    cv_.SignalAll();
  }
  void WaitForNotification() {
    MutexLock lock(&mu_);
    cv_.Wait(&mu_,
             [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return notified_; });
  }
  bool HasBeenNotified() {
    MutexLock lock(&mu_);
    return notified_;
  }

 private:
  Mutex mu_;
  CondVar cv_;
  bool notified_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace geosrpc

#endif  // GEOSRPC_BASE_SYNC_H_
