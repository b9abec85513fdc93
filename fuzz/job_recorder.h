// JobRecorder: what a job's callbacks delivered, with the callback contract
// checked as they arrive, for the request harnesses.
//
// The contract (compute_job.h, join_job.h): when Start fails no callback is
// ever called; otherwise on_chunk runs any number of times, possibly
// concurrently, then on_done exactly once, after the last on_chunk. A
// recorder is shared (shared_ptr) with the callbacks, so a callback arriving
// after the harness moved on still finds it and fails the check.
//
// Thread-safety: the callbacks may run on any threads; Wait and the
// accessors are for the harness's thread, after Wait returned.
#ifndef GEOSRPC_FUZZ_JOB_RECORDER_H_
#define GEOSRPC_FUZZ_JOB_RECORDER_H_

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "fuzz/row_checks.h"

namespace geosrpc::fuzz {

template <typename Chunk, typename Summary>
class JobRecorder {
 public:
  void OnChunk(std::unique_ptr<Chunk> chunk) {
    FUZZ_CHECK(chunk != nullptr, "on_chunk got no chunk");
    std::lock_guard<std::mutex> lock(mu_);
    FUZZ_CHECK(!start_failed_, "on_chunk after Start failed");
    FUZZ_CHECK(!done_, "on_chunk after on_done");
    chunks_.push_back(std::move(*chunk));
  }
  void OnDone(const Summary& summary) {
    std::lock_guard<std::mutex> lock(mu_);
    FUZZ_CHECK(!start_failed_, "on_done after Start failed");
    FUZZ_CHECK(!done_, "on_done called twice");
    done_ = true;
    summary_ = summary;
    cv_.notify_all();
  }
  // Start failed: no callback may have come, nor may one come later.
  void StartFailed() {
    std::lock_guard<std::mutex> lock(mu_);
    FUZZ_CHECK(chunks_.empty() && !done_, "a callback before Start failed");
    start_failed_ = true;
  }
  // Waits for on_done; aborts (a hang, for libFuzzer) if it never comes.
  void Wait(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    FUZZ_CHECK(cv_.wait_for(lock, timeout, [this] { return done_; }),
               "on_done did not come: the job hangs");
  }

  const std::vector<Chunk>& chunks() const { return chunks_; }
  const Summary& summary() const { return summary_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool start_failed_ = false;
  bool done_ = false;
  std::vector<Chunk> chunks_;
  Summary summary_;
};

}  // namespace geosrpc::fuzz

#endif  // GEOSRPC_FUZZ_JOB_RECORDER_H_
