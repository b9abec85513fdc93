#include "base/ordinates.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace geosrpc {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kMax = std::numeric_limits<double>::max();

TEST(AllWithinTest, AcceptsValuesUpToTheLimitEitherSign) {
  const std::vector<double> v = {0.0, -0.0, 180, -180, 90.5, -1e-300};
  EXPECT_TRUE(AllWithin(v.data(), v.size(), 180));
  EXPECT_FALSE(AllWithin(v.data(), v.size(), 179.999));
  EXPECT_TRUE(AllWithin(v.data(), 0, -1));  // Nothing to check.
  EXPECT_FALSE(AllWithin(v.data(), 1, -1));
}

TEST(AllWithinTest, RefusesNaNAndInfinityWherePlacedInALongRun) {
  // Past the first block, and at its very end, as well as first.
  for (const size_t at :
       {size_t{0}, size_t{1023}, size_t{1024}, size_t{2999}}) {
    for (const double bad : {kNaN, -kNaN, kInf, -kInf, 1e151, -1e151}) {
      std::vector<double> v(3000, 1.5);
      v[at] = bad;
      EXPECT_FALSE(AllWithin(v.data(), v.size(), 1e150)) << at << " " << bad;
    }
  }
  std::vector<double> v(3000, -kMax);
  EXPECT_TRUE(AllWithin(v.data(), v.size(), kMax));
  v[2000] = kInf;
  EXPECT_FALSE(AllWithin(v.data(), v.size(), kMax));
  EXPECT_TRUE(AllWithin(v.data(), v.size(), kInf));
  v[10] = kNaN;
  EXPECT_FALSE(AllWithin(v.data(), v.size(), kInf));
}

TEST(AllWithinTest, ReadsUnalignedData) {
  const std::vector<double> v = {1, 2, 3, kNaN};
  std::string bytes(1 + 8 * v.size(), '\0');
  std::memcpy(bytes.data() + 1, v.data(), 8 * v.size());
  EXPECT_TRUE(AllWithin(bytes.data() + 1, 3, 3));
  EXPECT_FALSE(AllWithin(bytes.data() + 1, 4, 3));
}

}  // namespace
}  // namespace geosrpc
