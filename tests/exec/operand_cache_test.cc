#include "server/exec/operand_cache.h"

#include <gtest/gtest.h>

namespace geosrpc::exec {
namespace {

std::shared_ptr<const batch::FrozenBatch> Freeze(const std::string& wkt) {
  const uint64_t offsets[] = {0, wkt.size()};
  batch::BatchView view{batch::Encoding::kWkt, wkt,
                        absl::MakeConstSpan(offsets)};
  geos::Context context;
  batch::FrozenBatch::Builder builder(view, {});
  builder.Decode(context, 0, 1);
  return std::move(builder).Freeze();
}

TEST(OperandCacheTest, FindsByEncodingAndExactBytes) {
  OperandCache cache;
  auto point = Freeze("POINT (1 2)");
  cache.Insert(batch::Encoding::kWkt, "POINT (1 2)", point);
  EXPECT_EQ(cache.Find(batch::Encoding::kWkt, "POINT (1 2)"), point);
  EXPECT_EQ(cache.Find(batch::Encoding::kWkt, "POINT (1 3)"), nullptr);
  EXPECT_EQ(cache.Find(batch::Encoding::kHexWkb, "POINT (1 2)"), nullptr);
  cache.Insert(batch::Encoding::kWkt, "POINT (1 2)", Freeze("POINT (1 2)"));
  EXPECT_EQ(cache.size(), 1u);  // Not inserted twice.
}

TEST(OperandCacheTest, EvictsTheLeastRecentlyUsedAndSkipsLargeOperands) {
  OperandCache cache(/*capacity=*/2, /*max_operand_bytes=*/16);
  cache.Insert(batch::Encoding::kWkt, "POINT (1 1)", Freeze("POINT (1 1)"));
  cache.Insert(batch::Encoding::kWkt, "POINT (2 2)", Freeze("POINT (2 2)"));
  ASSERT_NE(cache.Find(batch::Encoding::kWkt, "POINT (1 1)"), nullptr);
  cache.Insert(batch::Encoding::kWkt, "POINT (3 3)", Freeze("POINT (3 3)"));
  EXPECT_EQ(cache.Find(batch::Encoding::kWkt, "POINT (2 2)"), nullptr);
  EXPECT_NE(cache.Find(batch::Encoding::kWkt, "POINT (1 1)"), nullptr);
  const std::string big = "LINESTRING (0 0, 1 1)";  // Over 16 bytes.
  cache.Insert(batch::Encoding::kWkt, big, Freeze(big));
  EXPECT_EQ(cache.Find(batch::Encoding::kWkt, big), nullptr);
  EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace geosrpc::exec
