#include "server/exec/worker_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"

namespace geosrpc::exec {

absl::StatusOr<std::unique_ptr<WorkerPool>> WorkerPool::Create(
    const Options& options) {
  if (options.num_workers < 0 || options.num_workers > 1024) {
    return absl::InvalidArgumentError(absl::StrCat(
        "num_workers must be in [0, 1024], got ", options.num_workers));
  }
  if (options.max_queued_tasks == 0) {
    return absl::InvalidArgumentError("max_queued_tasks must be positive");
  }
  if (options.worker_nice < 0 || options.worker_nice > 19) {
    return absl::InvalidArgumentError(absl::StrCat(
        "worker_nice must be in [0, 19], got ", options.worker_nice));
  }
  if (options.express_threads < 0 || options.express_threads > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "express_threads must be in [0, 64], got ", options.express_threads));
  }
  return std::unique_ptr<WorkerPool>(new WorkerPool(options));
}

WorkerPool::WorkerPool(const Options& options) : options_(options) {
  int n = options.num_workers;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  threads_.reserve(n + options.express_threads);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this, i] { Loop(i); });
  num_workers_ = n;
  for (int i = n; i < n + options.express_threads; ++i) {
    threads_.emplace_back([this, i] { ExpressLoop(i); });
  }
  // Ready when every thread has made its state and waits for work, so an
  // express thread is there for the first small group.
  MutexLock lock(&mu_);
  ready_.Wait(&mu_, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return idle_workers_ + idle_express_ == threads_.size();
  });
}

WorkerPool::~WorkerPool() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  work_.SignalAll();
  express_work_.SignalAll();
  for (std::thread& t : threads_) t.join();
}

size_t WorkerPool::queued_tasks() const {
  MutexLock lock(&mu_);
  return queued_;
}

absl::Status WorkerPool::Submit(std::shared_ptr<TaskGroup> group, bool admit,
                                size_t then) {
  if (group->size() == 0) {
    group->done_();
    return absl::OkStatus();
  }
  group->submitted_ = absl::Now();
  MutexLock lock(&mu_);
  if (admit && queued_ + group->size() + then > options_.max_queued_tasks) {
    return absl::ResourceExhaustedError(
        absl::StrCat("server busy: ", queued_, " tasks queued, limit ",
                     options_.max_queued_tasks, "; retry with backoff"));
  }
  queued_ += group->size();
  if (group->small_ && group->size() == 1 && idle_workers_ == 0 &&
      idle_express_ > 0) {
    --idle_express_;  // Taken: the next small group looks for another.
    express_.push_back(std::move(group));
    express_work_.Signal();
    return absl::OkStatus();
  }
  // A new group goes to the front: its first task runs before the next
  // turn of groups already running, so a small request does not wait behind
  // every large one in flight; after that first turn it joins the back of
  // the line like every group (no starvation).
  active_.push_front(std::move(group));
  if (options_.observer != nullptr) options_.observer->OnQueueDepth(queued_);
  work_.SignalAll();
  return absl::OkStatus();
}

void Window::Hold() {
  MutexLock lock(&mu_);
  ++outstanding_;
}

std::shared_ptr<TaskGroup> Window::TakeParkedLocked() {
  if (parked_ == nullptr || (!open_ && outstanding_ >= size_)) return nullptr;
  return std::move(parked_);
}

void Window::Release() {
  std::shared_ptr<TaskGroup> resume;
  WorkerPool* pool;
  {
    MutexLock lock(&mu_);
    --outstanding_;
    resume = TakeParkedLocked();
    pool = pool_;
  }
  if (resume != nullptr) pool->Resume(std::move(resume));
}

void Window::Open() {
  std::shared_ptr<TaskGroup> resume;
  WorkerPool* pool;
  {
    MutexLock lock(&mu_);
    open_ = true;
    resume = TakeParkedLocked();
    pool = pool_;
  }
  if (resume != nullptr) pool->Resume(std::move(resume));
}

size_t Window::outstanding() {
  MutexLock lock(&mu_);
  return outstanding_;
}

bool Window::TryStart(const std::shared_ptr<TaskGroup>& group,
                      WorkerPool* pool) {
  MutexLock lock(&mu_);
  if (open_ || outstanding_ < size_) {
    ++outstanding_;
    return true;
  }
  parked_ = group;
  pool_ = pool;
  return false;
}

void WorkerPool::Resume(std::shared_ptr<TaskGroup> group) {
  {
    MutexLock lock(&mu_);
    active_.push_back(std::move(group));
  }
  work_.SignalAll();
}

void WorkerPool::Loop(int index) {
  if (options_.worker_nice > 0) {
    // Lower only, never raise (a process started under nice stays below);
    // best effort: on failure the worker keeps the process's priority.
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    if (getpriority(PRIO_PROCESS, tid) < options_.worker_nice) {
      (void)setpriority(PRIO_PROCESS, tid, options_.worker_nice);
    }
  }
  Worker worker(index, options_.prepared_cache_vertices,
                options_.transform_cache_entries);
  for (;;) {
    std::shared_ptr<TaskGroup> group;
    size_t task;
    bool in_window = false;
    {
      MutexLock lock(&mu_);
      ++idle_workers_;
      ready_.SignalAll();
      work_.Wait(&mu_, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return !active_.empty() || stopping_;
      });
      --idle_workers_;
      if (active_.empty()) return;  // Stopping, and nothing left to run.
      group = std::move(active_.front());
      active_.pop_front();
      // A full window sets the group aside until its reader makes room;
      // a cancelled group's tasks are skipped, so they never wait.
      if (group->window_ != nullptr && !group->cancelled()) {
        if (!group->window_->TryStart(group, this)) continue;
        in_window = true;
      }
      task = group->next_++;
      --queued_;
      // Round-robin: a group with tasks left goes to the back of the line.
      if (group->next_ < group->size()) active_.push_back(group);
      if (options_.observer != nullptr)
        options_.observer->OnQueueDepth(queued_);
    }
    Run(worker, *group, task, in_window);
  }
}

void WorkerPool::ExpressLoop(int index) {
  Worker worker(index, options_.prepared_cache_vertices,
                options_.transform_cache_entries);
  for (;;) {
    std::shared_ptr<TaskGroup> group;
    {
      MutexLock lock(&mu_);
      ++idle_express_;
      ready_.SignalAll();
      express_work_.Wait(&mu_, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return !express_.empty() || stopping_;
      });
      if (express_.empty()) return;  // Stopping, and nothing left to run.
      // Submit took one idle express thread out of the count when it
      // handed over the group.
      group = std::move(express_.front());
      express_.pop_front();
      group->next_ = 1;
      --queued_;
      if (options_.observer != nullptr)
        options_.observer->OnQueueDepth(queued_);
    }
    // A small group's one task runs whatever its window holds: it adds at
    // most one chunk to it.
    Run(worker, *group, 0, /*in_window=*/false);
  }
}

void WorkerPool::Run(Worker& worker, TaskGroup& group, size_t task,
                     bool in_window) {
  if (!group.cancelled()) {
    if (options_.observer == nullptr) {
      group.run_(worker, task);
    } else {
      const absl::Time start = absl::Now();
      options_.observer->OnTaskStart(start - group.submitted_);
      group.run_(worker, task);
      options_.observer->OnTaskEnd(absl::Now() - start);
    }
  }
  if (in_window) group.window_->Release();
  if (group.finished_.fetch_add(1, std::memory_order_acq_rel) + 1 ==
      group.size()) {
    group.done_();
  }
}

}  // namespace geosrpc::exec
