#include "server/exec/worker_pool.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "base/sync.h"

namespace geosrpc::exec {
namespace {

std::unique_ptr<WorkerPool> Pool(int workers, size_t max_queued = 1 << 16) {
  auto pool = WorkerPool::Create(
      {.num_workers = workers, .max_queued_tasks = max_queued});
  EXPECT_TRUE(pool.ok()) << pool.status();
  return *std::move(pool);
}

TEST(WorkerPoolTest, CreateValidatesOptions) {
  EXPECT_FALSE(WorkerPool::Create({.num_workers = -1}).ok());
  EXPECT_FALSE(WorkerPool::Create({.max_queued_tasks = 0}).ok());
  EXPECT_FALSE(WorkerPool::Create({.express_threads = -1}).ok());
  auto pool = WorkerPool::Create({});
  ASSERT_TRUE(pool.ok());
  EXPECT_GE((*pool)->num_workers(), 1);
}

TEST(WorkerPoolTest, RunsEveryTaskOnceThenDoneOnce) {
  auto pool = Pool(3);
  constexpr int kTasks = 1000;
  std::vector<std::atomic<int>> runs(kTasks);
  std::atomic<int> finished_at_done{-1};
  std::atomic<int> total{0};
  Notification done;
  ASSERT_TRUE(pool->Submit(std::make_shared<TaskGroup>(
                               kTasks,
                               [&](Worker&, size_t i) {
                                 runs[i].fetch_add(1);
                                 total.fetch_add(1);
                               },
                               [&] {
                                 finished_at_done = total.load();
                                 done.Notify();
                               }))
                  .ok());
  done.WaitForNotification();
  EXPECT_EQ(finished_at_done.load(), kTasks);
  for (auto& r : runs) EXPECT_EQ(r.load(), 1);
}

TEST(WorkerPoolTest, EachWorkerHasItsOwnContext) {
  auto pool = Pool(2);
  Mutex mu;
  std::set<GEOSContextHandle_t> handles;
  Notification done;
  ASSERT_TRUE(pool->Submit(std::make_shared<TaskGroup>(
                               200,
                               [&](Worker& w, size_t) {
                                 MutexLock lock(&mu);
                                 handles.insert(w.geos().handle());
                               },
                               [&] { done.Notify(); }))
                  .ok());
  done.WaitForNotification();
  EXPECT_LE(handles.size(), 2u);
  EXPECT_GE(handles.size(), 1u);
}

TEST(WorkerPoolTest, CancelSkipsTasksNotYetStarted) {
  auto pool = Pool(1);
  Notification started, release, done;
  std::atomic<int> ran{0};
  auto group = std::make_shared<TaskGroup>(
      100,
      [&](Worker&, size_t i) {
        ++ran;
        if (i == 0) {
          started.Notify();
          release.WaitForNotification();
        }
      },
      [&] { done.Notify(); });
  ASSERT_TRUE(pool->Submit(group).ok());
  started.WaitForNotification();
  group->Cancel();
  release.Notify();
  done.WaitForNotification();
  EXPECT_EQ(ran.load(), 1);
}

// With one worker, two groups submitted together alternate task by task
// instead of the second waiting for the first to drain.
TEST(WorkerPoolTest, SharesWorkersFairlyAcrossGroups) {
  auto pool = Pool(1);
  Notification gate_started, gate_release;
  Mutex mu;
  std::string order;
  std::atomic<int> remaining{2};
  Notification all_done;
  auto record = [&](char c) {
    return [&, c](Worker&, size_t) {
      MutexLock lock(&mu);
      order.push_back(c);
    };
  };
  auto finish = [&] {
    if (--remaining == 0) all_done.Notify();
  };
  // Hold the worker so both groups are queued before either starts.
  ASSERT_TRUE(pool->Submit(std::make_shared<TaskGroup>(
                               1,
                               [&](Worker&, size_t) {
                                 gate_started.Notify();
                                 gate_release.WaitForNotification();
                               },
                               [] {}))
                  .ok());
  gate_started.WaitForNotification();
  ASSERT_TRUE(
      pool->Submit(std::make_shared<TaskGroup>(4, record('a'), finish)).ok());
  ASSERT_TRUE(
      pool->Submit(std::make_shared<TaskGroup>(4, record('b'), finish)).ok());
  gate_release.Notify();
  all_done.WaitForNotification();
  // The newest group takes the first turn, then they alternate.
  EXPECT_EQ(order, "babababa");
}

// A group submitted while large ones are running is served next, not after
// a turn of every group in flight.
TEST(WorkerPoolTest, ANewGroupRunsBeforeTheNextTurnOfRunningGroups) {
  auto pool = Pool(1);
  Notification gate_started, gate_release, small_done;
  Mutex mu;
  std::string order;
  ASSERT_TRUE(pool->Submit(std::make_shared<TaskGroup>(
                               1,
                               [&](Worker&, size_t) {
                                 gate_started.Notify();
                                 gate_release.WaitForNotification();
                               },
                               [] {}))
                  .ok());
  gate_started.WaitForNotification();
  std::vector<Notification> big_done(3);
  for (char c : {'x', 'y', 'z'}) {
    ASSERT_TRUE(
        pool->Submit(std::make_shared<TaskGroup>(
                         3,
                         [&, c](Worker&, size_t) {
                           MutexLock lock(&mu);
                           order.push_back(c);
                           if (order.size() == 3) {
                             // Each large group has had a turn:
                             // now a small request arrives.
                             EXPECT_TRUE(
                                 pool->Submit(std::make_shared<TaskGroup>(
                                                  1,
                                                  [&](Worker&, size_t) {
                                                    MutexLock lock(&mu);
                                                    order.push_back('s');
                                                  },
                                                  [&] { small_done.Notify(); }))
                                     .ok());
                           }
                         },
                         [&, c] { big_done[c - 'x'].Notify(); }))
            .ok());
  }
  gate_release.Notify();
  for (auto& d : big_done) d.WaitForNotification();
  small_done.WaitForNotification();
  EXPECT_EQ(order, "zyxszyxzyx");
}

// A group of one task that holds its worker: it notifies `started`, then
// waits for `release`.
std::shared_ptr<TaskGroup> Holding(
    Notification* started, Notification* release,
    std::function<void()> done = [] {}) {
  return std::make_shared<TaskGroup>(
      1,
      [started, release](Worker&, size_t) {
        started->Notify();
        release->WaitForNotification();
      },
      std::move(done));
}

// A group of one task, marked small, that runs `run`.
std::shared_ptr<TaskGroup> SmallGroup(std::function<void(Worker&)> run,
                                      std::function<void()> done) {
  auto group = std::make_shared<TaskGroup>(
      1, [run](Worker& w, size_t) { run(w); }, std::move(done));
  group->set_small();
  return group;
}

TEST(WorkerPoolTest, ASmallGroupTakesTheExpressThreadWhileEveryWorkerIsBusy) {
  auto pool = *WorkerPool::Create({.num_workers = 1, .express_threads = 1});
  EXPECT_EQ(pool->num_workers(), 1);
  Notification started, release, plain_done, small_done;
  ASSERT_TRUE(pool->Submit(Holding(&started, &release)).ok());
  started.WaitForNotification();
  // Not small: it waits for the worker.
  ASSERT_TRUE(
      pool->Submit(std::make_shared<TaskGroup>(
                       1, [](Worker&, size_t) {}, [&] { plain_done.Notify(); }))
          .ok());
  // Small: it runs now, on the express thread (index 1), while the worker
  // is still held.
  std::atomic<int> ran_on{-1};
  ASSERT_TRUE(pool->Submit(SmallGroup([&](Worker& w) { ran_on = w.index(); },
                                      [&] { small_done.Notify(); }))
                  .ok());
  small_done.WaitForNotification();
  EXPECT_EQ(ran_on.load(), 1);
  EXPECT_FALSE(plain_done.HasBeenNotified());
  EXPECT_EQ(pool->queued_tasks(), 1u);
  release.Notify();
  plain_done.WaitForNotification();
}

// This thread's nice value.
int ThreadNice() {
  return getpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)));
}

TEST(WorkerPoolTest, WorkersRunAtTheirNiceValueAndExpressThreadsDoNot) {
  EXPECT_FALSE(WorkerPool::Create({.worker_nice = -1}).ok());
  EXPECT_FALSE(WorkerPool::Create({.worker_nice = 20}).ok());
  const int process = ThreadNice();
  auto pool = *WorkerPool::Create(
      {.num_workers = 1, .express_threads = 1, .worker_nice = 7});
  Notification started, release, small_done, worker_done;
  std::atomic<int> worker_nice{-100}, express_nice{-100};
  ASSERT_TRUE(pool->Submit(std::make_shared<TaskGroup>(
                               1,
                               [&](Worker&, size_t) {
                                 worker_nice = ThreadNice();
                                 started.Notify();
                                 release.WaitForNotification();
                               },
                               [&] { worker_done.Notify(); }))
                  .ok());
  started.WaitForNotification();
  ASSERT_TRUE(
      pool->Submit(SmallGroup([&](Worker&) { express_nice = ThreadNice(); },
                              [&] { small_done.Notify(); }))
          .ok());
  small_done.WaitForNotification();
  release.Notify();
  worker_done.WaitForNotification();
  EXPECT_EQ(worker_nice.load(), std::max(process, 7));
  EXPECT_EQ(express_nice.load(), process);
}

TEST(WorkerPoolTest, ASmallGroupWaitsItsTurnWhenNoExpressThreadIsFree) {
  for (int express : {0, 1}) {
    auto pool =
        *WorkerPool::Create({.num_workers = 1, .express_threads = express});
    Notification started, release, express_started, express_release;
    ASSERT_TRUE(pool->Submit(Holding(&started, &release)).ok());
    started.WaitForNotification();
    if (express == 1) {  // Hold the express thread too.
      auto holding = Holding(&express_started, &express_release);
      holding->set_small();
      ASSERT_TRUE(pool->Submit(std::move(holding)).ok());
      express_started.WaitForNotification();
    }
    Notification done;
    ASSERT_TRUE(
        pool->Submit(SmallGroup([](Worker&) {}, [&] { done.Notify(); })).ok());
    EXPECT_EQ(pool->queued_tasks(), 1u);  // In line for the worker.
    EXPECT_FALSE(done.HasBeenNotified());
    release.Notify();
    done.WaitForNotification();
    if (express == 1) express_release.Notify();
  }
}

TEST(WorkerPoolTest, RefusesNewWorkWhenTheQueueIsFullButNotContinuations) {
  auto pool = Pool(1, /*max_queued=*/10);
  Notification started, release;
  std::atomic<int> done_count{0};
  ASSERT_TRUE(pool->Submit(std::make_shared<TaskGroup>(
                               1,
                               [&](Worker&, size_t) {
                                 started.Notify();
                                 release.WaitForNotification();
                               },
                               [&] { ++done_count; }))
                  .ok());
  started.WaitForNotification();
  auto noop = [](Worker&, size_t) {};
  auto count = [&] { ++done_count; };
  ASSERT_TRUE(pool->Submit(std::make_shared<TaskGroup>(8, noop, count)).ok());
  absl::Status refused =
      pool->Submit(std::make_shared<TaskGroup>(3, noop, count));
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("retry"), std::string::npos);
  // Admission counts the continuation a job will add later.
  EXPECT_EQ(pool->Submit(std::make_shared<TaskGroup>(1, noop, count),
                         /*admit=*/true, /*then=*/5)
                .code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(pool->Submit(std::make_shared<TaskGroup>(3, noop, count),
                           /*admit=*/false)
                  .ok());
  EXPECT_EQ(pool->queued_tasks(), 11u);
  release.Notify();
  pool.reset();  // Drains what was admitted.
  EXPECT_EQ(done_count.load(), 3);
}

TEST(WorkerPoolTest, EmptyGroupCompletesAtOnce) {
  auto pool = Pool(1);
  bool done = false;
  ASSERT_TRUE(pool->Submit(std::make_shared<TaskGroup>(
                               0, [](Worker&, size_t) {}, [&] { done = true; }))
                  .ok());
  EXPECT_TRUE(done);
}

// A group whose window is full is set aside without holding a worker: the
// other group's tasks all run meanwhile; each Release lets one more through.
TEST(WorkerPoolTest, AFullWindowSetsItsGroupAsideWhileOthersRun) {
  auto pool = Pool(2);
  auto window = std::make_shared<Window>(3);
  std::atomic<int> slow_ran{0};
  Notification slow_done, fast_done;
  auto slow = std::make_shared<TaskGroup>(
      20,
      [&](Worker&, size_t) {
        window->Hold();  // A result nobody has read yet.
        slow_ran.fetch_add(1);
      },
      [&] { slow_done.Notify(); });
  slow->set_window(window);
  ASSERT_TRUE(pool->Submit(slow).ok());
  std::atomic<int> fast_ran{0};
  ASSERT_TRUE(pool->Submit(std::make_shared<TaskGroup>(
                               100, [&](Worker&, size_t) { fast_ran++; },
                               [&] { fast_done.Notify(); }))
                  .ok());
  fast_done.WaitForNotification();
  EXPECT_EQ(fast_ran.load(), 100);
  EXPECT_EQ(slow_ran.load(), 3);
  EXPECT_EQ(window->outstanding(), 3u);
  for (int read = 1; read <= 17; ++read) {
    window->Release();  // The reader took one result.
    while (slow_ran.load() < 3 + read) absl::SleepFor(absl::Milliseconds(1));
    EXPECT_EQ(slow_ran.load(), 3 + read);
  }
  slow_done.WaitForNotification();
  EXPECT_EQ(slow_ran.load(), 20);
}

// Open() lifts the bound: a stopping group's tasks go through (cancelled
// ones are skipped) and its `done` runs though nothing was read.
TEST(WorkerPoolTest, OpeningAWindowLetsItsGroupFinish) {
  auto pool = Pool(1);
  auto window = std::make_shared<Window>(1);
  std::atomic<int> ran{0};
  Notification done;
  auto group = std::make_shared<TaskGroup>(
      10,
      [&](Worker&, size_t) {
        window->Hold();
        ran++;
      },
      [&] { done.Notify(); });
  group->set_window(window);
  ASSERT_TRUE(pool->Submit(group).ok());
  while (ran.load() < 1) absl::SleepFor(absl::Milliseconds(1));
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(ran.load(), 1);
  group->Cancel();
  window->Open();
  done.WaitForNotification();
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace geosrpc::exec
