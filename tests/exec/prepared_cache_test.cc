#include "server/exec/prepared_cache.h"

#include <gtest/gtest.h>

namespace geosrpc::exec {
namespace {

// The bytes need only outlive decoding: a frozen batch owns its geometries.
std::shared_ptr<const batch::FrozenBatch> Freeze(
    const std::vector<std::string>& wkts) {
  std::string data;
  std::vector<uint64_t> offsets = {0};
  for (const auto& w : wkts) {
    data += w;
    offsets.push_back(data.size());
  }
  batch::BatchView view{batch::Encoding::kWkt, data,
                        absl::MakeConstSpan(offsets)};
  geos::Context context;
  batch::FrozenBatch::Builder builder(view, {});
  builder.Decode(context, 0, view.size());
  return std::move(builder).Freeze();
}

TEST(PreparedCacheTest, PreparesOncePerOperand) {
  geos::Context context;
  PreparedCache cache(&context);
  auto b = Freeze({"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))"});
  auto first = cache.Get(b, 0);
  auto second = cache.Get(b, 0);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(PreparedCacheTest, EvictsTheLeastRecentlyUsed) {
  geos::Context context;
  PreparedCache cache(&context, /*capacity=*/2);
  auto x = Freeze({"POINT (0 0)"});
  auto y = Freeze({"POINT (1 1)"});
  auto z = Freeze({"POINT (2 2)"});
  ASSERT_TRUE(cache.Get(x, 0).ok());
  ASSERT_TRUE(cache.Get(y, 0).ok());
  ASSERT_TRUE(cache.Get(x, 0).ok());  // y is now the oldest.
  ASSERT_TRUE(cache.Get(z, 0).ok());
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(y.use_count(), 1);  // Evicted: the cache let go of y.
  EXPECT_EQ(x.use_count(), 2);
}

TEST(PreparedCacheTest, KeepsTheBaseGeometryAlive) {
  geos::Context context;
  PreparedCache cache(&context);
  auto b = Freeze({"POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))"});
  const GEOSPreparedGeometry* prepared = *cache.Get(b, 0);
  std::weak_ptr<const batch::FrozenBatch> weak = b;
  b.reset();
  ASSERT_FALSE(weak.expired());
  auto point = context.ReadWkt("POINT (5 5)");
  EXPECT_EQ(GEOSPreparedContains_r(context.handle(), prepared, point->get()),
            1);
}

TEST(PreparedCacheTest, HoldsAtMostItsVerticesButAlwaysTheNewest) {
  geos::Context context;
  PreparedCache cache(&context, /*capacity=*/100, /*max_vertices=*/12);
  auto square = Freeze({"POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))",    // 5
                        "POLYGON ((2 0, 3 0, 3 1, 2 1, 2 0))",    // 5
                        "POLYGON ((4 0, 5 0, 5 1, 4 1, 4 0))"});  // 5
  ASSERT_TRUE(cache.Get(square, 0).ok());
  ASSERT_TRUE(cache.Get(square, 1).ok());
  EXPECT_EQ(cache.vertices(), 10u);
  ASSERT_TRUE(cache.Get(square, 2).ok());  // 15 > 12: row 0 goes.
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.vertices(), 10u);
  auto big =
      Freeze({"LINESTRING (0 0, 1 1, 2 2, 3 3, 4 4, 5 5, 6 6, 7 7, "
              "8 8, 9 9, 10 10, 11 11, 12 12)"});  // 13 alone.
  ASSERT_TRUE(cache.Get(big, 0).ok());
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.vertices(), 13u);
}

}  // namespace
}  // namespace geosrpc::exec
