#include "server/exec/memory_budget.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"

namespace geosrpc::exec {
namespace {

TEST(MemoryBudgetTest, AdmitsWhatFitsBesideWhatIsHeld) {
  MemoryBudget budget(1000);
  ASSERT_TRUE(budget.TryAdmit(600).ok());
  budget.Hold(300);  // A running call's result: never refused.
  EXPECT_EQ(budget.held(), 900u);
  const absl::Status refused = budget.TryAdmit(200);
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.message(),
            "server memory busy: 900 bytes held for calls in flight, 200 "
            "more would pass the limit of 1000 (max_inflight_bytes); retry "
            "with backoff");
  EXPECT_EQ(budget.held(), 900u);  // A refusal takes nothing.
  budget.Release(300);
  EXPECT_TRUE(budget.TryAdmit(200).ok());
  budget.Hold(5000);  // Past the limit: admission waits until it is back.
  EXPECT_FALSE(budget.TryAdmit(1).ok());
  budget.Release(5000);
  budget.Release(800);
  EXPECT_EQ(budget.held(), 0u);
}

TEST(MemoryBudgetTest, ALimitOfZeroOnlyCounts) {
  MemoryBudget budget(0);
  EXPECT_TRUE(budget.TryAdmit(uint64_t{1} << 40).ok());
  EXPECT_EQ(budget.held(), uint64_t{1} << 40);
}

// With release_when_idle, memory goes back to the system once nothing has
// been held for the idle delay: not while a call holds bytes.
TEST(MemoryBudgetTest, GivesMemoryBackOnceIdle) {
  MemoryBudget budget(0, /*release_when_idle=*/true, absl::Milliseconds(5));
  ASSERT_TRUE(budget.TryAdmit(100).ok());
  budget.Hold(50);
  budget.Release(50);  // Still 100 held: not idle.
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(budget.trims(), 0u);
  budget.Release(100);
  while (budget.trims() == 0) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(budget.trims(), 1u);

  MemoryBudget never(0);  // Without it, nothing is trimmed.
  ASSERT_TRUE(never.TryAdmit(10).ok());
  never.Release(10);
  EXPECT_EQ(never.trims(), 0u);
}

}  // namespace
}  // namespace geosrpc::exec
