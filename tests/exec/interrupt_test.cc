#include "server/exec/interrupt.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "absl/time/clock.h"
#include "server/geos/context.h"
#include "tests/testing/random_geometries.h"

namespace geosrpc::exec {
namespace {

geos::GeometryPtr Walk(geos::Context& c, int vertices) {
  return *c.ReadWkt(testing::RandomWalkWkt(vertices));
}

GEOSGeometry* HeavyBuffer(geos::Context& c, const GEOSGeometry* g) {
  return GEOSBuffer_r(c.handle(), g, 5, 32);
}

TEST(InterruptTest, EndsAGeosCallAtTheScopesDeadline) {
  geos::Context c;
  geos::GeometryPtr walk = Walk(c, 3000);
  InterruptScope scope(absl::Now() + absl::Milliseconds(50), nullptr,
                       absl::ZeroDuration());
  GEOSGeometry* result = HeavyBuffer(c, walk.get());
  EXPECT_EQ(result, nullptr);
  EXPECT_TRUE(scope.interrupted());
  EXPECT_TRUE(scope.deadline_passed());
  EXPECT_NE(c.Error(absl::StatusCode::kInternal, "buffer")
                .message()
                .find(kInterruptedMessage),
            std::string::npos);
}

TEST(InterruptTest, EndsAGeosCallWhenCancelled) {
  geos::Context c;
  geos::GeometryPtr walk = Walk(c, 3000);
  std::atomic<bool> cancelled{true};
  InterruptScope scope(absl::InfiniteFuture(), &cancelled,
                       absl::ZeroDuration());
  EXPECT_EQ(HeavyBuffer(c, walk.get()), nullptr);
  EXPECT_TRUE(scope.interrupted());
  EXPECT_FALSE(scope.deadline_passed());
}

// The callback is process-wide, but an interrupt is always the calling
// thread's own: a thread without a scope, doing the same work while another
// thread is interrupted over and over, gets GEOS's full, exact answer.
TEST(InterruptTest, NeverEndsAnotherThreadsCall) {
  geos::Context reference_context;
  geos::GeometryPtr small = Walk(reference_context, 300);
  geos::GeometryPtr expected =
      reference_context.Own(HeavyBuffer(reference_context, small.get()));
  ASSERT_NE(expected, nullptr);

  std::atomic<bool> stop{false};
  std::atomic<int> interrupted{0};
  std::thread victim([&] {
    geos::Context c;
    geos::GeometryPtr walk = Walk(c, 300);
    while (!stop.load()) {
      InterruptScope scope(absl::InfinitePast(), nullptr,  // Always due.
                           absl::ZeroDuration());
      geos::GeometryPtr r = c.Own(HeavyBuffer(c, walk.get()));
      if (r == nullptr && scope.interrupted()) ++interrupted;
    }
  });
  geos::Context c;
  for (int i = 0; i < 20; ++i) {
    geos::GeometryPtr r = c.Own(HeavyBuffer(c, small.get()));
    ASSERT_NE(r, nullptr) << c.Error(absl::StatusCode::kInternal, "buffer");
    EXPECT_EQ(GEOSEqualsExact_r(c.handle(), r.get(), expected.get(), 0), 1);
  }
  stop = true;
  victim.join();
  EXPECT_GT(interrupted.load(), 0);
}

TEST(InterruptTest, ScopesNestAndRestore) {
  geos::Context c;
  geos::GeometryPtr walk = Walk(c, 200);
  {
    InterruptScope outer(absl::InfiniteFuture(), nullptr);
    {
      InterruptScope inner(absl::InfinitePast(), nullptr, absl::ZeroDuration());
      EXPECT_EQ(HeavyBuffer(c, walk.get()), nullptr);
    }
    geos::GeometryPtr r = c.Own(HeavyBuffer(c, walk.get()));
    EXPECT_NE(r, nullptr);
    EXPECT_FALSE(outer.interrupted());
  }
}

// A call that ends within the grace is not cut short: it returns GEOS's
// full answer, and the scope says the request is due to stop, so that the
// caller's loop stops before its next row (GEOS 3.11.1 leaks what an
// interrupted buffer holds).
TEST(InterruptTest, LetsACallEndWithinTheGrace) {
  geos::Context c;
  geos::GeometryPtr walk = Walk(c, 300);
  geos::GeometryPtr expected = c.Own(HeavyBuffer(c, walk.get()));
  ASSERT_NE(expected, nullptr);
  std::atomic<bool> cancelled{true};
  InterruptScope scope(absl::InfiniteFuture(), &cancelled,
                       absl::InfiniteDuration());
  geos::GeometryPtr r = c.Own(HeavyBuffer(c, walk.get()));
  ASSERT_NE(r, nullptr) << c.Error(absl::StatusCode::kInternal, "buffer");
  EXPECT_EQ(GEOSEqualsExact_r(c.handle(), r.get(), expected.get(), 0), 1);
  EXPECT_TRUE(scope.interrupted());
  EXPECT_FALSE(scope.deadline_passed());
}

// ... and one that runs on past it is cut, for a deadline as for a
// cancellation.
TEST(InterruptTest, EndsACallThatRunsOnPastTheGrace) {
  geos::Context c;
  geos::GeometryPtr walk = Walk(c, 3000);
  std::atomic<bool> cancelled{true};
  {
    InterruptScope scope(absl::InfiniteFuture(), &cancelled,
                         absl::Milliseconds(1));
    EXPECT_EQ(HeavyBuffer(c, walk.get()), nullptr);
    EXPECT_TRUE(scope.interrupted());
  }
  InterruptScope scope(absl::InfinitePast(), nullptr, absl::Milliseconds(1));
  EXPECT_EQ(HeavyBuffer(c, walk.get()), nullptr);
  EXPECT_TRUE(scope.deadline_passed());
}

// Loops of our own (a join's candidates) ask the scope directly.
TEST(InterruptTest, DueTellsLoopsOfTheirOwnToStop) {
  std::atomic<bool> cancelled{false};
  InterruptScope running(absl::InfiniteFuture(), &cancelled);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(running.Due());
  cancelled = true;
  EXPECT_TRUE(running.Due());
  EXPECT_TRUE(running.interrupted());
  EXPECT_FALSE(running.deadline_passed());

  InterruptScope late(absl::Now() - absl::Seconds(1), nullptr);
  bool due = false;
  for (int i = 0; i < 16 && !due; ++i) due = late.Due();  // Clock every 16th.
  EXPECT_TRUE(due);
  EXPECT_TRUE(late.deadline_passed());
}

}  // namespace
}  // namespace geosrpc::exec
