// StagedJob: one request's work on the pool, as a fixed sequence of stages.
//
// A stage is a TaskGroup (n independent tasks run by any workers) plus an
// optional `then` step that runs once after the stage's last task has
// returned and before the next stage starts: freezing an operand the next
// stage shares, ordering rows, combining partial results. Every kind of job
// (compute, join, ...) writes its sequence out in one place, its Start(),
// and lets this class run it:
//
//   Run()      admits the whole sequence at once: RESOURCE_EXHAUSTED unless
//              the request's bytes fit the server's MemoryBudget and the
//              pool's queue can hold every stage's tasks, so admitted work
//              always completes;
//   stages     run one after another (a stage's tasks in parallel);
//   Cancel()   (client cancellation, shutdown, a failure that ends the
//              request) and the deadline skip the tasks not yet started and,
//              through stopping(), interrupt GEOS calls in flight; a stage's
//              Window, which holds tasks back while a slow client reads,
//              lets them through to be skipped;
//   Finished() is called exactly once: after the last stage, or after the
//              stage during which the job was stopped, with the reason.
//
// Thread-safety: Run() once, from any thread; Cancel() from any thread, any
// number of times. Tasks run on workers, possibly concurrently. `then`
// steps and Finished() run on the worker that completed a stage, one at a
// time and in order; the pool's completion edge orders each after every
// task of its stage, so a stage's results may be read there without locks.
#ifndef GEOSRPC_SERVER_EXEC_STAGED_JOB_H_
#define GEOSRPC_SERVER_EXEC_STAGED_JOB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "base/sync.h"
#include "server/exec/interrupt.h"
#include "server/exec/memory_budget.h"
#include "server/exec/worker_pool.h"

namespace geosrpc::exec {

class StagedJob : public std::enable_shared_from_this<StagedJob> {
 public:
  virtual ~StagedJob() = default;
  StagedJob(const StagedJob&) = delete;
  StagedJob& operator=(const StagedJob&) = delete;

  // Stops the tasks not yet started; Finished() reports `reason` unless the
  // job already finished. The first reason wins. Idempotent.
  void Cancel(absl::Status reason);

 protected:
  struct Stage {
    // Tasks in the stage; run(worker, i) for i in [0, tasks).
    size_t tasks = 0;
    std::function<void(Worker& worker, size_t task)> run;
    // Runs after the stage's last task returned, unless the job was stopped;
    // a non-OK status stops the job with it.
    std::function<absl::Status()> then;
    // Optional: bounds the stage's outstanding work (see Window), e.g. the
    // chunks its tasks produced that the client has not read yet. Opened
    // when the job stops.
    std::shared_ptr<Window> window;
    // A stage of one short task (a request of a few rows): it may run on
    // the pool's express thread (TaskGroup::set_small).
    bool small = false;
  };

  // `memory`, if given, must outlive the job.
  StagedJob(WorkerPool* pool, absl::Time deadline,
            MemoryBudget* memory = nullptr);

  // Admits and starts `stages` for a request of about `request_bytes`, which
  // the job holds against its MemoryBudget until it finishes. On error
  // (RESOURCE_EXHAUSTED: memory or the pool's queue is full) nothing runs
  // and Finished() is never called.
  absl::Status Run(std::vector<Stage> stages, uint64_t request_bytes = 0);

  // A result of about `bytes` handed to the consumer: it counts against
  // `window` and the MemoryBudget until the consumer lets go of the token
  // returned (when gRPC has written it).
  std::shared_ptr<void> Hold(const std::shared_ptr<Window>& window,
                             uint64_t bytes);

  // Adds a chunk's input vertices to the job's; false, and the job stopped
  // with RESOURCE_EXHAUSTED, once they pass `limit`
  // (max_vertices_per_batch).
  bool CountVertices(uint64_t vertices, uint64_t limit);
  // For tasks that decode a row at a time: adds `*uncounted` (and zeroes
  // it) once it reaches a few thousand, or whatever it holds when `last`,
  // so that the shared count is touched rarely and no row is used
  // uncounted for long. False as CountVertices.
  bool CountSomeVertices(uint64_t* uncounted, uint64_t limit,
                         bool last = false);

  // Whether the deadline has passed; if so, cancels the job with
  // DEADLINE_EXCEEDED (and Progress()). Tasks call it before starting work.
  bool DeadlinePassed();
  // For a task whose GEOS call `scope` interrupted: records a passed
  // deadline as the reason (a cancellation already has one).
  void Interrupted(const InterruptScope& scope);

  absl::Time deadline() const { return deadline_; }
  // Becomes true once the job is stopped; InterruptScopes watch it.
  const std::atomic<bool>* stopping() const { return &stopping_; }
  // The pool running the job.
  WorkerPool& pool() const { return *pool_; }

  // How far the job got, for the deadline's message (", after 3 of 8
  // chunks"); empty by default.
  virtual std::string Progress() const { return ""; }
  // Called exactly once, with OK or the reason the job stopped.
  virtual void Finished(const absl::Status& status) = 0;

 private:
  absl::Status Submit(size_t stage, bool admit, size_t then);
  void StageDone(size_t stage);
  void Finish();

  WorkerPool* const pool_;
  const absl::Time deadline_;
  MemoryBudget* const memory_;
  uint64_t request_bytes_ = 0;  // Held from Run until Finish.
  // Set by Run, read-only afterwards.
  std::vector<Stage> stages_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> vertices_{0};

  Mutex mu_;
  absl::Status stop_reason_ ABSL_GUARDED_BY(mu_);
  // The stages' windows, opened by Cancel.
  std::vector<std::shared_ptr<Window>> windows_ ABSL_GUARDED_BY(mu_);
  // The stage's group in flight, for Cancel. Cleared when it completes,
  // which breaks the job <-> group reference cycle.
  std::shared_ptr<TaskGroup> current_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_STAGED_JOB_H_
