#include "base/partition_point.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace geosrpc {
namespace {

TEST(IndexPartitionPointTest, FindsTheFirstIndexPastThePrefixAsTheStdOneDoes) {
  // Running totals, as offsets are, and every limit across them.
  const std::vector<int> totals = {0, 0, 3, 4, 4, 9, 20, 21};
  for (size_t first = 0; first <= totals.size(); ++first) {
    for (size_t last = first; last <= totals.size(); ++last) {
      for (int limit = -1; limit <= 22; ++limit) {
        const auto within = [&](int t) { return t <= limit; };
        const size_t expected =
            std::partition_point(totals.begin() + first, totals.begin() + last,
                                 within) -
            totals.begin();
        EXPECT_EQ(IndexPartitionPoint(
                      first, last, [&](size_t i) { return within(totals[i]); }),
                  expected)
            << first << " " << last << " " << limit;
      }
    }
  }
}

// Against a linear scan: the last end within the limit, at least one row.
TEST(LastEndWithinTest, EndsARunAtTheLastTotalWithinTheLimitOrAfterOneRow) {
  const std::vector<int> totals = {0, 0, 3, 4, 4, 9, 20, 21};
  for (size_t begin = 0; begin + 1 < totals.size(); ++begin) {
    for (size_t last_end = begin + 1; last_end < totals.size(); ++last_end) {
      for (int limit = -1; limit <= 22; ++limit) {
        size_t expected = begin + 1;
        for (size_t end = begin + 1; end <= last_end; ++end) {
          if (totals[end] <= limit) expected = end;
        }
        EXPECT_EQ(
            LastEndWithin(begin, last_end,
                          [&](size_t end) { return totals[end] <= limit; }),
            expected)
            << begin << " " << last_end << " " << limit;
      }
    }
  }
}

}  // namespace
}  // namespace geosrpc
