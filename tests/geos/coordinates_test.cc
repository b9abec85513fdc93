#include "server/geos/coordinates.h"

#include <gtest/gtest.h>

#include <cmath>

#include "server/geos/context.h"

namespace geosrpc::geos {
namespace {

std::vector<double> Coordinates(const char* wkt, bool include_z) {
  Context context;
  auto g = context.ReadWkt(wkt);
  EXPECT_TRUE(g.ok()) << g.status();
  std::vector<double> out;
  EXPECT_TRUE(AppendCoordinates(context.handle(), g->get(), include_z, &out));
  return out;
}

TEST(AppendCoordinatesTest, WalksRingsAndMembersInOrder) {
  EXPECT_EQ(
      Coordinates("POLYGON ((0 0, 4 0, 4 4, 0 0), (1 1, 2 1, 2 2, 1 1))",
                  false),
      (std::vector<double>{0, 0, 4, 0, 4, 4, 0, 0, 1, 1, 2, 1, 2, 2, 1, 1}));
  EXPECT_EQ(Coordinates("GEOMETRYCOLLECTION (POINT (5 6), POINT EMPTY, "
                        "MULTILINESTRING ((1 2, 3 4)))",
                        false),
            (std::vector<double>{5, 6, 1, 2, 3, 4}));
  EXPECT_TRUE(Coordinates("POLYGON EMPTY", true).empty());
}

TEST(AppendCoordinatesTest, GivesZOrNaNWhenAsked) {
  const std::vector<double> xyz =
      Coordinates("GEOMETRYCOLLECTION (POINT Z (1 2 3), POINT (4 5))", true);
  ASSERT_EQ(xyz.size(), 6u);
  EXPECT_EQ(xyz[2], 3);
  EXPECT_EQ(xyz[3], 4);
  EXPECT_TRUE(std::isnan(xyz[5]));
  EXPECT_EQ(Coordinates("POINT Z (1 2 3)", false), (std::vector<double>{1, 2}));
}

}  // namespace
}  // namespace geosrpc::geos
