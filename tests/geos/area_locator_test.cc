#include "server/geos/area_locator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/geos/context.h"
#include "server/geos/handles.h"
#include "tests/testing/random_geometries.h"

namespace geosrpc::geos {
namespace {

struct Prepared {
  GeometryPtr geometry;
  PreparedPtr prepared;
};

Prepared Prepare(Context& context, const std::string& wkt) {
  absl::StatusOr<GeometryPtr> g = context.ReadWkt(wkt);
  EXPECT_TRUE(g.ok()) << wkt << ": " << g.status();
  PreparedPtr p(GEOSPrepare_r(context.handle(), g->get()), {context.handle()});
  return {*std::move(g), std::move(p)};
}

// Every point of the grid x, y in [-1, 11] by halves, the polygon's vertices
// and its edges' midpoints among them.
TEST(AreaLocatorTest, AnswersAsGeosPreparedPredicatesOnAPoint) {
  Context context;
  const GEOSContextHandle_t h = context.handle();
  for (const std::string& wkt : testing::GridPolygons()) {
    SCOPED_TRACE(wkt);
    Prepared polygon = Prepare(context, wkt);
    std::optional<AreaLocator> locator =
        AreaLocator::Of(h, polygon.geometry.get(), polygon.prepared.get());
    ASSERT_TRUE(locator.has_value());
    int interior = 0, boundary = 0, exterior = 0;
    for (double x = -1; x <= 11; x += 0.5) {
      for (double y = -1; y <= 11; y += 0.5) {
        SCOPED_TRACE(::testing::Message() << "POINT (" << x << " " << y << ")");
        absl::StatusOr<GeometryPtr> point = context.MakePoint(x, y);
        ASSERT_TRUE(point.ok());
        const GEOSPreparedGeometry* p = polygon.prepared.get();
        const char intersects = GEOSPreparedIntersects_r(h, p, point->get());
        const char contains = GEOSPreparedContains_r(h, p, point->get());
        const char covers = GEOSPreparedCovers_r(h, p, point->get());
        ASSERT_NE(intersects, 2);
        ASSERT_NE(contains, 2);
        ASSERT_NE(covers, 2);
        const std::optional<PointLocation> where = locator->Locate(x, y);
        ASSERT_TRUE(where.has_value());
        EXPECT_EQ(intersects == 1, *where != PointLocation::kExterior);
        EXPECT_EQ(covers == 1, *where != PointLocation::kExterior);
        EXPECT_EQ(contains == 1, *where == PointLocation::kInterior);
        interior += *where == PointLocation::kInterior;
        boundary += *where == PointLocation::kBoundary;
        exterior += *where == PointLocation::kExterior;
      }
    }
    // The grid meets every polygon's interior, boundary and exterior.
    EXPECT_GT(interior, 0);
    EXPECT_GT(boundary, 0);
    EXPECT_GT(exterior, 0);
  }
}

TEST(AreaLocatorTest, TakesOnlyNonEmptyPolygons) {
  Context context;
  for (const char* wkt : {"POINT (1 1)", "LINESTRING (0 0, 1 1)",
                          "POLYGON EMPTY", "MULTIPOLYGON EMPTY",
                          "GEOMETRYCOLLECTION (POLYGON ((0 0, 1 0, 1 1, "
                          "0 0)))"}) {
    SCOPED_TRACE(wkt);
    Prepared g = Prepare(context, wkt);
    EXPECT_FALSE(
        AreaLocator::Of(context.handle(), g.geometry.get(), g.prepared.get())
            .has_value());
  }
  Prepared polygon = Prepare(context, "POLYGON ((0 0, 1 0, 1 1, 0 0))");
  EXPECT_FALSE(
      AreaLocator::Of(context.handle(), polygon.geometry.get(), nullptr)
          .has_value());
}

}  // namespace
}  // namespace geosrpc::geos
