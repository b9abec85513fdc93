// server/proj: CRS reading and its errors, the transformation cache, the
// transformation of coordinates (and of those outside a CRS's domain), and
// the geodesic measures on known answers (values from pyproj 3.4's Geod and
// Transformer, Karney's algorithms and PROJ 9.1, written out here).
#include <geodesic.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "server/geos/context.h"
#include "server/proj/context.h"
#include "server/proj/crs_check.h"
#include "server/proj/geodesic.h"

namespace geosrpc::proj {
namespace {

using ::testing::HasSubstr;

TEST(ContextTest, ReadsEveryFormOfCrsButNames) {
  Context context;
  for (const char* text :
       {"EPSG:3857", "epsg:4326", "+proj=utm +zone=33 +datum=WGS84",
        "proj=merc", "urn:ogc:def:crs:EPSG::3035",
        "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,"
        "298.257223563]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\","
        "0.0174532925199433]]"}) {
    EXPECT_TRUE(context.CreateCrs(text).ok()) << text;
  }
  auto name = context.CreateCrs("WGS 84");
  EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(name.status().message(), HasSubstr("names are not looked up"));
  auto unknown = context.CreateCrs("EPSG:999999");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  // PROJ's own reason, echoed.
  EXPECT_THAT(unknown.status().message(), HasSubstr("crs not found"));
  // A coordinate operation, not a CRS.
  auto operation =
      context.CreateCrs("urn:ogc:def:coordinateOperation:EPSG::16031");
  EXPECT_EQ(operation.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(operation.status().message(), HasSubstr("is not a CRS"));
  // Nothing that would make the server open a file it is told to.
  for (const char* text :
       {"+proj=longlat +ellps=WGS84 +nadgrids=/dev/stdin",
        "+proj=longlat +ellps=WGS84 +nadgrids=@null,@/etc/passwd",
        "+init=epsg:4326", "+proj=longlat +geoidgrids=./x.gtx",
        "GEOGCRS[\"x\",PARAMETERFILE[\"g\",\"/proc/self/environ\"]]"}) {
    auto file = context.CreateCrs(text);
    EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(file.status().message(), HasSubstr("may not name a file"));
  }
  EXPECT_TRUE(
      context.CreateCrs("+proj=longlat +ellps=WGS84 +nadgrids=@null").ok());
  EXPECT_EQ(context.CreateCrs("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(context.CreateCrs(std::string("EPSG:4326\0x", 11)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      context.CreateCrs(std::string(kMaxCrsLength + 1, '+')).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(CheckCrsTest, AnswersAsCreateCrsOnAnyThread) {
  EXPECT_TRUE(CheckCrs("EPSG:3035").ok());
  const absl::Status bad = CheckCrs("+proj=nosuchprojection");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(bad.message().empty());
  // Memoized: the same answer again.
  EXPECT_EQ(CheckCrs("+proj=nosuchprojection"), bad);
}

TEST(ContextTest, CachesTransformationsLeastRecentlyUsedFirstOut) {
  Context context(Context::Options{.max_transformations = 2});
  auto t = context.FindTransformation("EPSG:4326", "EPSG:3857", true);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->target_srid, 3857);
  EXPECT_TRUE(context.FindTransformation("EPSG:4326", "EPSG:3857", true).ok());
  EXPECT_EQ(context.transformations_created(), 1u);
  // always_xy is part of the key.
  EXPECT_TRUE(context.FindTransformation("EPSG:4326", "EPSG:3857", false).ok());
  EXPECT_EQ(context.transformations_created(), 2u);
  EXPECT_TRUE(context.FindTransformation("EPSG:4326", "EPSG:3857", true).ok());
  EXPECT_EQ(context.transformations_created(), 2u);
  // A third pair pushes out the least recently used (always_xy false).
  EXPECT_TRUE(context.FindTransformation("EPSG:4326", "EPSG:3035", true).ok());
  EXPECT_TRUE(context.FindTransformation("EPSG:4326", "EPSG:3857", true).ok());
  EXPECT_EQ(context.transformations_created(), 3u);
  EXPECT_TRUE(context.FindTransformation("EPSG:4326", "EPSG:3857", false).ok());
  EXPECT_EQ(context.transformations_created(), 4u);
  // Failures are cached too.
  auto bad = context.FindTransformation("EPSG:999999", "EPSG:3857", true);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  bad = context.FindTransformation("EPSG:999999", "EPSG:3857", true);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(context.transformations_created(), 5u);
  // A target without an EPSG code.
  auto utm = context.FindTransformation(
      "EPSG:4326", "+proj=utm +zone=33 +datum=WGS84", true);
  ASSERT_TRUE(utm.ok()) << utm.status();
  EXPECT_EQ((*utm)->target_srid, 0);
}

TEST(ContextTest, TransformsInEitherAxisOrder) {
  Context context;
  double xy[] = {10, 50, 180, 0};
  auto t = context.FindTransformation("EPSG:4326", "EPSG:3857", true);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(context.Transform(**t, xy, xy, 2, 2).ok());
  EXPECT_NEAR(xy[0], 1113194.9079327357, 1e-6);
  EXPECT_NEAR(xy[1], 6446275.841017161, 1e-6);
  EXPECT_NEAR(xy[2], 20037508.342789244, 1e-6);
  EXPECT_NEAR(xy[3], 0, 1e-6);
  // EPSG:4326's own order: latitude first.
  double latlon[] = {50, 10, 0};
  auto native = context.FindTransformation("EPSG:4326", "EPSG:3857", false);
  ASSERT_TRUE(native.ok()) << native.status();
  ASSERT_TRUE(context.Transform(**native, latlon, latlon, 1, 3).ok());
  EXPECT_NEAR(latlon[0], 1113194.9079327357, 1e-6);
  EXPECT_NEAR(latlon[1], 6446275.841017161, 1e-6);
}

TEST(ContextTest, CoordinatesOutsideTheDomainAreErrorsNeverInfinities) {
  Context context;
  auto t = context.FindTransformation("EPSG:4326", "EPSG:3857", true);
  ASSERT_TRUE(t.ok()) << t.status();
  // PROJ answers a finite 2.4e8 m at the pole itself, inf beyond it.
  const double in[] = {0, 0, 0, 91, 1, 1};
  double out[6];
  const absl::Status s = context.Transform(**t, in, out, 3, 2);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("cannot transform (0 91)"));
  const double nan[] = {std::numeric_limits<double>::quiet_NaN(), 0};
  EXPECT_EQ(context.Transform(**t, nan, out, 1, 2).code(),
            absl::StatusCode::kInvalidArgument);
  // And the context works on afterwards.
  const double ok[] = {10, 50};
  EXPECT_TRUE(context.Transform(**t, ok, out, 1, 2).ok());
}

TEST(ContextTest, KnowsWhichSridsAreGeographic) {
  Context context;
  EXPECT_EQ(context.IsGeographic(4326).value_or(false), true);
  EXPECT_EQ(context.IsGeographic(4258).value_or(false), true);
  EXPECT_EQ(context.IsGeographic(3857).value_or(true), false);
  EXPECT_EQ(context.IsGeographic(999999).status().code(),
            absl::StatusCode::kInvalidArgument);
}

class GeodesicTest : public ::testing::Test {
 protected:
  geos::GeometryPtr Wkt(const std::string& wkt) {
    auto g = geos_.ReadWkt(wkt);
    EXPECT_TRUE(g.ok()) << g.status();
    return *std::move(g);
  }
  double Area(const std::string& wkt) {
    auto a = GeodesicArea(geos_, Wkt(wkt).get());
    EXPECT_TRUE(a.ok()) << a.status();
    return a.value_or(-1);
  }
  double Length(const std::string& wkt) {
    auto l = GeodesicLength(geos_, Wkt(wkt).get());
    EXPECT_TRUE(l.ok()) << l.status();
    return l.value_or(-1);
  }
  absl::StatusOr<double> Distance(const std::string& a, const std::string& b) {
    return GeodesicDistance(geos_, Wkt(a).get(), Wkt(b).get());
  }
  geos::Context geos_;
};

// pyproj: Geod(ellps="WGS84").polygon_area_perimeter([0, 1, 1, 0],
// [0, 0, 1, 1]) and .inv(...).
constexpr double kDegreeSquareArea = 12308778361.469452;
constexpr double kDegreeSquarePerimeter = 443770.91724830196;
constexpr double kEquatorDegree = 111319.49079327357;
constexpr double kMeridianDegree = 110574.38855779878;

TEST_F(GeodesicTest, AreaIgnoresOrientationAndSubtractsHoles) {
  const double ccw = Area("POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))");
  EXPECT_NEAR(ccw, kDegreeSquareArea, 1e-6 * kDegreeSquareArea);
  EXPECT_EQ(Area("POLYGON ((0 0, 0 1, 1 1, 1 0, 0 0))"), ccw);
  const double two = Area(
      "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 1, 0 0)), "
      "((10 0, 11 0, 11 1, 10 1, 10 0)))");
  EXPECT_NEAR(two, 2 * ccw, 1e-6);
  // The square with itself as a hole: nothing left.
  EXPECT_NEAR(Area("POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0), "
                   "(0 0, 0 1, 1 1, 1 0, 0 0))"),
              Area("POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))") - ccw, 1e-3);
  EXPECT_EQ(Area("LINESTRING (0 0, 1 1)"), 0);
  EXPECT_EQ(Area("POINT (1 1)"), 0);
  EXPECT_EQ(Area("POLYGON EMPTY"), 0);
}

TEST_F(GeodesicTest, LengthCountsLinesAndRings) {
  EXPECT_NEAR(Length("LINESTRING (0 0, 1 0)"), kEquatorDegree, 1e-9);
  EXPECT_NEAR(Length("POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"),
              kDegreeSquarePerimeter, 1e-6);
  EXPECT_NEAR(Length("MULTILINESTRING ((0 0, 1 0), (0.5 0, 0.5 1))"),
              kEquatorDegree + kMeridianDegree, 1e-6);
  EXPECT_EQ(Length("MULTIPOINT ((0 0), (1 1))"), 0);
}

TEST_F(GeodesicTest, LatitudesBeyondTheirRangeAreErrors) {
  for (const char* wkt : {"POINT (0 90.000001)", "LINESTRING (0 0, 1 -91)",
                          "POLYGON ((0 0, 600 0, 1 1, 0 0))"}) {
    auto g = Wkt(wkt);
    auto area = GeodesicArea(geos_, g.get());
    EXPECT_EQ(area.status().code(), absl::StatusCode::kInvalidArgument) << wkt;
    EXPECT_THAT(area.status().message(), HasSubstr("longitude/latitude"));
    EXPECT_EQ(GeodesicLength(geos_, g.get()).status().code(),
              absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(GeodesicTest, DistanceFromPointsToPointsLinesAndPolygons) {
  EXPECT_NEAR(*Distance("POINT (0 0)", "POINT (1 0)"), kEquatorDegree, 1e-9);
  // The equator is a geodesic: the nearest point to (0.5 1) is (0.5 0).
  EXPECT_NEAR(*Distance("POINT (0.5 1)", "LINESTRING (0 0, 1 0)"),
              kMeridianDegree, 1e-6);
  EXPECT_NEAR(*Distance("LINESTRING (0 0, 1 0)", "POINT (0.5 -1)"),
              kMeridianDegree, 1e-6);
  // Beyond an end: the distance to that end.
  EXPECT_NEAR(*Distance("POINT (3 0)", "LINESTRING (0 0, 2 0)"), kEquatorDegree,
              1e-6);
  EXPECT_EQ(*Distance("POINT (0.5 0.5)", "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"),
            0);
  // In a hole: the distance to the hole's edge.
  EXPECT_NEAR(*Distance("POINT (2 1)",
                        "POLYGON ((0 -5, 5 -5, 5 5, 0 5, 0 -5), "
                        "(1 0, 3 0, 3 5, 1 5, 1 0))"),
              kMeridianDegree, 1e-3);
  EXPECT_NEAR(*Distance("MULTIPOINT ((9 9), (0 2))", "POINT (0 1)"),
              *Distance("POINT (0 2)", "POINT (0 1)"), 0);
  EXPECT_TRUE(std::isnan(*Distance("POINT EMPTY", "POINT (0 0)")));
  EXPECT_EQ(Distance("LINESTRING (0 0, 1 1)", "LINESTRING (2 2, 3 3)")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Distance("POINT (0 95)", "POINT (0 0)").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// An independent minimum: the geodesic a-b sampled finely, then the best
// sample's neighbourhood narrowed by ternary search.
double SampledPointToSegment(double p_lat, double p_lon, double a_lat,
                             double a_lon, double b_lat, double b_lon) {
  geod_geodesic wgs84;
  geod_init(&wgs84, 6378137, 1 / 298.257223563);
  double s12 = 0, azi1 = 0, azi2 = 0;
  geod_inverse(&wgs84, a_lat, a_lon, b_lat, b_lon, &s12, &azi1, &azi2);
  geod_geodesicline line;
  geod_lineinit(&line, &wgs84, a_lat, a_lon, azi1, GEOD_ALL);
  auto at = [&](double s) {
    double lat = 0, lon = 0, d = 0;
    geod_position(&line, s, &lat, &lon, nullptr);
    geod_inverse(&wgs84, lat, lon, p_lat, p_lon, &d, nullptr, nullptr);
    return d;
  };
  constexpr int kSamples = 20000;
  int best = 0;
  for (int i = 1; i <= kSamples; ++i) {
    if (at(s12 * i / kSamples) < at(s12 * best / kSamples)) best = i;
  }
  double lo = s12 * std::max(best - 1, 0) / kSamples;
  double hi = s12 * std::min(best + 1, kSamples) / kSamples;
  for (int i = 0; i < 200; ++i) {
    const double m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
    (at(m1) < at(m2) ? hi : lo) = (at(m1) < at(m2) ? m2 : m1);
  }
  return at((lo + hi) / 2);
}

TEST_F(GeodesicTest, PointToSegmentMatchesAFinelySampledGeodesic) {
  // Long oblique edges, points on either side and beyond the ends.
  const double cases[][6] = {
      {40, 20, 10, -30, 50, 60},       {-20, 5, 10, -30, 50, 60},
      {70, -80, 10, -30, 50, 60},      {0.5, 0.5, 0, 0, 1, 1},
      {-60, 170, -50, 160, -40, -170}, {89, 0, 80, -90, 80, 90},
  };
  for (const auto& c : cases) {
    const double want =
        SampledPointToSegment(c[0], c[1], c[2], c[3], c[4], c[5]);
    const double got =
        PointToSegmentDistance(c[0], c[1], c[2], c[3], c[4], c[5]);
    EXPECT_NEAR(got, want, 1e-6 * want + 1e-6)
        << c[0] << " " << c[1] << " to " << c[2] << " " << c[3] << ", " << c[4]
        << " " << c[5];
  }
}

}  // namespace
}  // namespace geosrpc::proj
