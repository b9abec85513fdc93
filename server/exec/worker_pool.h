// WorkerPool: a fixed set of threads, each owning the GEOS and PROJ state it
// computes with (a geos::Context, a prepared-geometry cache, and a
// proj::Context with its cached transformations).
//
// Work arrives as TaskGroups: n independent tasks and a completion callback.
// Workers take tasks round-robin across the groups in flight, so concurrent
// requests share the pool fairly instead of queueing behind each other; a
// newly submitted group takes its first turn before the groups already
// running take their next, so a small request is served within about one
// task's time however many large ones are in flight; and a group marked
// small (one short task) that finds every worker busy runs at once on an
// express thread (Options::express_threads) instead of waiting that task's
// time.
// Admission is bounded: a new group is refused with RESOURCE_EXHAUSTED when
// the tasks waiting would exceed Options::max_queued_tasks. A group may have
// a Window bounding how much of its output waits for a slow reader; a group
// whose window is full is set aside, and workers serve other groups, until
// the reader makes room.
//
// Thread-safety: Submit and TaskGroup::Cancel may be called from any thread.
// A task runs on exactly one worker; the group's `done` runs exactly once, on
// the worker that finished the group's last task, after every task of the
// group has returned (a happens-before edge from every task to `done`).
#ifndef GEOSRPC_SERVER_EXEC_WORKER_POOL_H_
#define GEOSRPC_SERVER_EXEC_WORKER_POOL_H_

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/sync.h"
#include "server/exec/prepared_cache.h"
#include "server/geos/context.h"
#include "server/proj/context.h"

namespace geosrpc::exec {

// What one worker thread owns. Only that thread touches it.
class Worker {
 public:
  Worker(int index, uint64_t prepared_cache_vertices,
         size_t transform_cache_entries)
      : index_(index),
        prepared_(&geos_, 4096, prepared_cache_vertices),
        proj_(proj::Context::Options{.max_transformations =
                                         transform_cache_entries}) {}
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  int index() const { return index_; }
  geos::Context& geos() { return geos_; }
  PreparedCache& prepared() { return prepared_; }
  proj::Context& proj() { return proj_; }

 private:
  const int index_;
  geos::Context geos_;
  // Declared after geos_: its entries are destroyed with geos_'s handle.
  PreparedCache prepared_;
  // PROJ's context and the transformations made through it; independent of
  // GEOS.
  proj::Context proj_;
};

// Receives the pool's timings (e.g. for metrics). Called on worker threads;
// implementations must be thread-safe and fast.
class PoolObserver {
 public:
  virtual ~PoolObserver() = default;
  // A task starts after waiting `queued` since its group was submitted.
  virtual void OnTaskStart(absl::Duration queued) = 0;
  // A task ran for `busy`.
  virtual void OnTaskEnd(absl::Duration busy) = 0;
  // Tasks admitted but not started.
  virtual void OnQueueDepth(size_t tasks) = 0;
};

class TaskGroup;
class WorkerPool;

// Window: bounds how much of a group's work is outstanding: tasks from the
// moment a worker takes one until it returns, plus each result a task
// handed on (Hold) until its consumer lets go of it (Release), e.g. a
// response chunk until gRPC has written it. While `size` are outstanding the
// group's remaining tasks are set aside: no worker waits, and they resume
// when a Release makes room. So a call whose client reads slowly holds at
// most `size` results in memory, however large its batch. Open() lifts the
// bound: a stopping job's remaining tasks are skipped quickly and must not
// wait for a reader that may never come.
//
// Thread-safety: all methods may be called from any thread.
class Window {
 public:
  explicit Window(size_t size) : size_(size) {}
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // One more result outstanding.
  void Hold();
  // One result (or task) less; may resume the group.
  void Release();
  // No bound from now on.
  void Open();
  size_t outstanding();

 private:
  friend class WorkerPool;
  // Called with the pool's lock held: takes a place for one of `group`'s
  // tasks, or records that `group` waits in `pool` and returns false.
  bool TryStart(const std::shared_ptr<TaskGroup>& group, WorkerPool* pool);
  // The group set aside, once there is room for it again.
  std::shared_ptr<TaskGroup> TakeParkedLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t size_;
  Mutex mu_;
  size_t outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  std::shared_ptr<TaskGroup> parked_ ABSL_GUARDED_BY(mu_);
  WorkerPool* pool_ ABSL_GUARDED_BY(mu_) = nullptr;
};

class TaskGroup {
 public:
  using Task = std::function<void(Worker& worker, size_t index)>;

  // `run(worker, i)` for i in [0, n); then `done()`. Once Cancel() has been
  // called, tasks not yet started are skipped (`done` still runs).
  TaskGroup(size_t n, Task run, std::function<void()> done)
      : size_(n), run_(std::move(run)), done_(std::move(done)) {}

  size_t size() const { return size_; }
  void Cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // Bounds the group's outstanding work (see Window); set before Submit.
  void set_window(std::shared_ptr<Window> window) {
    window_ = std::move(window);
  }
  // One short task (a request of a few rows): it may run on an express
  // thread when every worker is busy. Set before Submit.
  void set_small() { small_ = true; }

 private:
  friend class WorkerPool;

  const size_t size_;
  const Task run_;
  const std::function<void()> done_;
  std::atomic<bool> cancelled_{false};
  bool small_ = false;
  std::shared_ptr<Window> window_;
  // Set by Submit, before the group is visible to workers.
  absl::Time submitted_;
  // Next task to hand out; guarded by the pool's mutex.
  size_t next_ = 0;
  std::atomic<size_t> finished_{0};
};

class WorkerPool {
 public:
  struct Options {
    // Worker threads; 0 means one per hardware thread.
    int num_workers = 0;
    // Tasks admitted but not yet started, across all groups. New groups that
    // would exceed it are refused; continuations (Submit with admit=false)
    // are not, so admitted work always finishes.
    size_t max_queued_tasks = 1 << 16;
    // Each worker's prepared geometries are bounded by the vertices of
    // their base geometries (see PreparedCache).
    uint64_t prepared_cache_vertices = 2'000'000;
    // Each worker keeps this many PROJ transformations (LRU by their pair
    // of CRSs; see proj::Context).
    size_t transform_cache_entries = 64;
    // Threads beyond the workers, each with a Worker's state of its own,
    // that run only small groups (TaskGroup::set_small) submitted while
    // every worker is busy: a 1-row request then shares the cores with the
    // large ones at once rather than after their current tasks. 0: none.
    int express_threads = 1;
    // Workers run at this nice value, or the process's if that is higher
    // (Linux: per thread; express threads and gRPC's keep the process's),
    // so that when the cores are saturated the short work of small requests
    // is scheduled ahead of large requests' tasks. 0 to 19.
    int worker_nice = 0;
    // Optional; must outlive the pool.
    PoolObserver* observer = nullptr;
  };

  static absl::StatusOr<std::unique_ptr<WorkerPool>> Create(
      const Options& options);

  // Runs every task already submitted (cancelled ones are skipped), then
  // joins the workers.
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Schedules `group`. With `admit`, refuses it (RESOURCE_EXHAUSTED) when
  // the queue could not also hold `then` more tasks: the continuation the
  // same job will submit unchecked once `group` is done. An empty group
  // completes at once on the caller.
  absl::Status Submit(std::shared_ptr<TaskGroup> group, bool admit = true,
                      size_t then = 0);

  // Workers, express threads not counted.
  int num_workers() const { return num_workers_; }
  size_t queued_tasks() const;

 private:
  friend class Window;
  explicit WorkerPool(const Options& options);
  void Loop(int index);
  void ExpressLoop(int index);
  // Runs task `task` of `group` (unless cancelled), then what follows it:
  // the window's release, and `done` after the group's last task.
  void Run(Worker& worker, TaskGroup& group, size_t task, bool in_window);
  // A group its window set aside is back in line.
  void Resume(std::shared_ptr<TaskGroup> group);

  const Options options_;
  mutable Mutex mu_;
  CondVar work_;   // Signalled when active_ grows or stopping_ is set.
  CondVar ready_;  // Signalled when a thread goes idle.
  // Groups with tasks not yet handed out, in round-robin order; a group its
  // window set aside is held by the window until it resumes.
  std::deque<std::shared_ptr<TaskGroup>> active_ ABSL_GUARDED_BY(mu_);
  size_t queued_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Workers waiting for work.
  size_t idle_workers_ ABSL_GUARDED_BY(mu_) = 0;
  // Small groups handed to express threads, and express threads waiting
  // and not yet handed one.
  CondVar express_work_;
  std::deque<std::shared_ptr<TaskGroup>> express_ ABSL_GUARDED_BY(mu_);
  size_t idle_express_ ABSL_GUARDED_BY(mu_) = 0;
  int num_workers_ = 0;
  std::vector<std::thread> threads_;  // Workers, then express threads.
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_WORKER_POOL_H_
