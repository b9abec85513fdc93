#include "server/exec/staged_job.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace geosrpc::exec {

StagedJob::StagedJob(WorkerPool* pool, absl::Time deadline,
                     MemoryBudget* memory)
    : pool_(pool), deadline_(deadline), memory_(memory) {}

absl::Status StagedJob::Run(std::vector<Stage> stages, uint64_t request_bytes) {
  if (memory_ != nullptr) {
    if (absl::Status s = memory_->TryAdmit(request_bytes); !s.ok()) return s;
    request_bytes_ = request_bytes;
  }
  stages_ = std::move(stages);
  {
    MutexLock lock(&mu_);
    for (const Stage& stage : stages_) {
      if (stage.window != nullptr) windows_.push_back(stage.window);
    }
  }
  size_t later = 0;
  for (size_t i = 1; i < stages_.size(); ++i) later += stages_[i].tasks;
  absl::Status s = Submit(0, /*admit=*/true, later);
  if (!s.ok() && memory_ != nullptr) memory_->Release(request_bytes_);
  return s;
}

std::shared_ptr<void> StagedJob::Hold(const std::shared_ptr<Window>& window,
                                      uint64_t bytes) {
  window->Hold();
  if (memory_ != nullptr) memory_->Hold(bytes);
  return std::shared_ptr<void>(nullptr,
                               [window, memory = memory_, bytes](void*) {
                                 if (memory != nullptr) memory->Release(bytes);
                                 window->Release();
                               });
}

absl::Status StagedJob::Submit(size_t stage, bool admit, size_t then) {
  auto self = shared_from_this();
  auto group =
      std::make_shared<TaskGroup>(stages_[stage].tasks, stages_[stage].run,
                                  [self, stage] { self->StageDone(stage); });
  group->set_window(stages_[stage].window);
  if (stages_[stage].small) group->set_small();
  {
    MutexLock lock(&mu_);
    current_ = group;
    if (!stop_reason_.ok()) group->Cancel();
  }
  absl::Status s = pool_->Submit(std::move(group), admit, then);
  if (!s.ok()) {
    MutexLock lock(&mu_);
    current_.reset();
  }
  return s;
}

void StagedJob::StageDone(size_t stage) {
  bool stopped;
  {
    MutexLock lock(&mu_);
    current_.reset();
    stopped = !stop_reason_.ok();
  }
  if (!stopped && stages_[stage].then) {
    if (absl::Status s = stages_[stage].then(); !s.ok()) {
      Cancel(std::move(s));
      stopped = true;
    }
  }
  if (stopped || stage + 1 == stages_.size()) return Finish();
  // A continuation of admitted work: never refused.
  (void)Submit(stage + 1, /*admit=*/false, 0);
}

bool StagedJob::CountVertices(uint64_t vertices, uint64_t limit) {
  if (vertices_.fetch_add(vertices, std::memory_order_relaxed) + vertices <=
      limit) {
    return true;
  }
  Cancel(absl::ResourceExhaustedError(absl::StrCat(
      "batch has more than ", limit, " vertices (max_vertices_per_batch)")));
  return false;
}

bool StagedJob::CountSomeVertices(uint64_t* uncounted, uint64_t limit,
                                  bool last) {
  constexpr uint64_t kAtOnce = 4096;
  if (*uncounted < kAtOnce && !last) return true;
  const uint64_t vertices = std::exchange(*uncounted, 0);
  return CountVertices(vertices, limit);
}

bool StagedJob::DeadlinePassed() {
  if (absl::Now() <= deadline_) return false;
  Cancel(absl::DeadlineExceededError(
      absl::StrCat("deadline exceeded", Progress())));
  return true;
}

void StagedJob::Interrupted(const InterruptScope& scope) {
  if (scope.deadline_passed()) DeadlinePassed();
}

void StagedJob::Cancel(absl::Status reason) {
  stopping_.store(true, std::memory_order_relaxed);
  std::vector<std::shared_ptr<Window>> windows;
  {
    MutexLock lock(&mu_);
    if (finished_) return;
    if (stop_reason_.ok()) stop_reason_ = std::move(reason);
    if (current_ != nullptr) current_->Cancel();
    windows = windows_;
  }
  // Outside the lock: opening may resume a group in the pool.
  for (const auto& w : windows) w->Open();
}

void StagedJob::Finish() {
  absl::Status status;
  {
    MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    status = stop_reason_;
  }
  if (memory_ != nullptr) memory_->Release(request_bytes_);
  Finished(status);
}

}  // namespace geosrpc::exec
