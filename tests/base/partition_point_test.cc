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

}  // namespace
}  // namespace geosrpc
