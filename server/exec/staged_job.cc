#include "server/exec/staged_job.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace geosrpc::exec {

StagedJob::StagedJob(WorkerPool* pool, absl::Time deadline)
    : pool_(pool), deadline_(deadline) {}

absl::Status StagedJob::Run(std::vector<Stage> stages) {
  stages_ = std::move(stages);
  {
    MutexLock lock(&mu_);
    for (const Stage& stage : stages_) {
      if (stage.window != nullptr) windows_.push_back(stage.window);
    }
  }
  size_t later = 0;
  for (size_t i = 1; i < stages_.size(); ++i) later += stages_[i].tasks;
  return Submit(0, /*admit=*/true, later);
}

absl::Status StagedJob::Submit(size_t stage, bool admit, size_t then) {
  auto self = shared_from_this();
  auto group =
      std::make_shared<TaskGroup>(stages_[stage].tasks, stages_[stage].run,
                                  [self, stage] { self->StageDone(stage); });
  group->set_window(stages_[stage].window);
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
  Finished(status);
}

}  // namespace geosrpc::exec
