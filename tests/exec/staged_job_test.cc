#include "server/exec/staged_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "absl/time/clock.h"
#include "base/sync.h"

namespace geosrpc::exec {
namespace {

// A job whose stages the test writes; it records what ran.
class RecordingJob final : public StagedJob {
 public:
  static std::shared_ptr<RecordingJob> Make(WorkerPool* pool,
                                            absl::Time deadline,
                                            MemoryBudget* memory = nullptr) {
    return std::shared_ptr<RecordingJob>(
        new RecordingJob(pool, deadline, memory));
  }
  using StagedJob::DeadlinePassed;
  using StagedJob::Hold;
  using StagedJob::Run;
  using StagedJob::Stage;

  // A stage of `n` tasks that count themselves into `ran[stage]`.
  Stage Counting(int stage, size_t n,
                 std::function<absl::Status()> then = nullptr) {
    return {.tasks = n,
            .run = [this, stage](Worker&, size_t) { ran[stage].fetch_add(1); },
            .then = std::move(then)};
  }

  absl::Status Wait() {
    done_.WaitForNotification();
    return status_;
  }
  int finished_calls() const { return finished_calls_.load(); }

  std::atomic<int> ran[4] = {};

 private:
  RecordingJob(WorkerPool* pool, absl::Time deadline, MemoryBudget* memory)
      : StagedJob(pool, deadline, memory) {}
  std::string Progress() const override { return " (test)"; }
  void Finished(const absl::Status& status) override {
    status_ = status;
    finished_calls_.fetch_add(1);
    done_.Notify();
  }

  absl::Status status_;
  std::atomic<int> finished_calls_{0};
  Notification done_;
};

class StagedJobTest : public ::testing::Test {
 protected:
  void SetUp() override { pool_ = *WorkerPool::Create({.num_workers = 2}); }
  std::unique_ptr<WorkerPool> pool_;
};

TEST_F(StagedJobTest, RunsEveryTaskOfEachStageBeforeTheNextThenFinishesOnce) {
  auto job = RecordingJob::Make(pool_.get(), absl::InfiniteFuture());
  std::vector<int> seen_by_then;
  ASSERT_TRUE(
      job->Run({job->Counting(0, 50,
                              [&] {
                                seen_by_then.push_back(job->ran[0].load());
                                return absl::OkStatus();
                              }),
                job->Counting(1, 7,
                              [&] {
                                seen_by_then.push_back(job->ran[1].load());
                                return absl::OkStatus();
                              }),
                job->Counting(2, 1)})
          .ok());
  EXPECT_TRUE(job->Wait().ok());
  EXPECT_EQ(seen_by_then, (std::vector<int>{50, 7}));
  EXPECT_EQ(job->ran[2].load(), 1);
  EXPECT_EQ(job->finished_calls(), 1);
}

TEST_F(StagedJobTest, AFailedThenStepStopsTheJobWithItsStatus) {
  auto job = RecordingJob::Make(pool_.get(), absl::InfiniteFuture());
  ASSERT_TRUE(
      job->Run({job->Counting(
                    0, 3,
                    [] { return absl::InvalidArgumentError("operand: bad"); }),
                job->Counting(1, 3)})
          .ok());
  absl::Status status = job->Wait();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "operand: bad");
  EXPECT_EQ(job->ran[1].load(), 0);
}

TEST_F(StagedJobTest, CancelSkipsWhatHasNotStartedAndTheFirstReasonWins) {
  auto job = RecordingJob::Make(pool_.get(), absl::InfiniteFuture());
  Notification release;
  ASSERT_TRUE(job->Run({{.tasks = 1,
                         .run = [&](Worker&,
                                    size_t) { release.WaitForNotification(); }},
                        job->Counting(1, 1000)})
                  .ok());
  job->Cancel(absl::CancelledError("client went away"));
  job->Cancel(absl::DeadlineExceededError("later"));
  release.Notify();
  absl::Status status = job->Wait();
  EXPECT_EQ(status.message(), "client went away");
  EXPECT_EQ(job->ran[1].load(), 0);
  job->Cancel(absl::CancelledError("after the end"));  // Harmless.
  EXPECT_EQ(job->finished_calls(), 1);
}

TEST_F(StagedJobTest, APassedDeadlineStopsTheJobWithItsProgress) {
  auto job = RecordingJob::Make(pool_.get(), absl::Now() - absl::Seconds(1));
  ASSERT_TRUE(job->Run({{.tasks = 4,
                         .run =
                             [&](Worker&, size_t) {
                               if (!job->DeadlinePassed()) job->ran[0]++;
                             }},
                        job->Counting(1, 4)})
                  .ok());
  absl::Status status = job->Wait();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(status.message(), "deadline exceeded (test)");
  EXPECT_EQ(job->ran[0].load() + job->ran[1].load(), 0);
}

// Admission counts every stage's tasks at once, so admitted work is never
// refused halfway; a refused job runs nothing and never finishes.
TEST_F(StagedJobTest, AdmitsTheWholeSequenceOrNothing) {
  auto pool = *WorkerPool::Create({.num_workers = 1, .max_queued_tasks = 10});
  auto fits = RecordingJob::Make(pool.get(), absl::InfiniteFuture());
  ASSERT_TRUE(fits->Run({fits->Counting(0, 4), fits->Counting(1, 6)}).ok());
  EXPECT_TRUE(fits->Wait().ok());

  auto too_big = RecordingJob::Make(pool.get(), absl::InfiniteFuture());
  absl::Status refused =
      too_big->Run({too_big->Counting(0, 4), too_big->Counting(1, 7)});
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(too_big->ran[0].load(), 0);
  EXPECT_EQ(too_big->finished_calls(), 0);
}

// A job holds its request's bytes from Run to its end, and each result
// until its token is let go; a request that does not fit runs nothing.
TEST_F(StagedJobTest, HoldsItsRequestAndUnsentResultsAgainstTheBudget) {
  MemoryBudget budget(1000);
  auto job = RecordingJob::Make(pool_.get(), absl::InfiniteFuture(), &budget);
  Notification release;
  auto window = std::make_shared<Window>(4);
  std::shared_ptr<void> result;
  ASSERT_TRUE(job->Run({{.tasks = 1,
                         .run =
                             [&](Worker&, size_t) {
                               result = job->Hold(window, 300);
                               release.WaitForNotification();
                             }}},
                       /*request_bytes=*/600)
                  .ok());
  while (budget.held() < 900) absl::SleepFor(absl::Milliseconds(1));
  auto refused =
      RecordingJob::Make(pool_.get(), absl::InfiniteFuture(), &budget);
  EXPECT_EQ(refused->Run({refused->Counting(0, 1)}, 200).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused->ran[0].load(), 0);
  release.Notify();
  EXPECT_TRUE(job->Wait().ok());
  EXPECT_EQ(budget.held(), 300u);  // The result, not yet written.
  result.reset();
  EXPECT_EQ(budget.held(), 0u);
  EXPECT_EQ(window->outstanding(), 0u);
}

}  // namespace
}  // namespace geosrpc::exec
