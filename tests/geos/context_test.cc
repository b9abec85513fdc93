#include "server/geos/context.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"

// The GEOS calls that end a context's handles, in the order this binary made
// them. It is linked with -Wl,--wrap for each (see tests/CMakeLists.txt), so
// calls from geosrpc_geos come here first.
namespace {

std::vector<std::pair<std::string, GEOSContextHandle_t>>& Ends() {
  static auto* ends =
      new std::vector<std::pair<std::string, GEOSContextHandle_t>>();
  return *ends;
}

}  // namespace

extern "C" {
void __real_GEOS_finish_r(GEOSContextHandle_t handle);
void __wrap_GEOS_finish_r(GEOSContextHandle_t handle) {
  Ends().emplace_back("GEOS_finish_r", handle);
  __real_GEOS_finish_r(handle);
}
#define GEOSRPC_WRAP_DESTROY(destroy, T)                    \
  void __real_##destroy(GEOSContextHandle_t handle, T* p);  \
  void __wrap_##destroy(GEOSContextHandle_t handle, T* p) { \
    Ends().emplace_back(#destroy, handle);                  \
    __real_##destroy(handle, p);                            \
  }
GEOSRPC_WRAP_DESTROY(GEOSWKBReader_destroy_r, GEOSWKBReader)
GEOSRPC_WRAP_DESTROY(GEOSWKTReader_destroy_r, GEOSWKTReader)
GEOSRPC_WRAP_DESTROY(GEOSWKBWriter_destroy_r, GEOSWKBWriter)
GEOSRPC_WRAP_DESTROY(GEOSWKTWriter_destroy_r, GEOSWKTWriter)
GEOSRPC_WRAP_DESTROY(GEOSGeoJSONReader_destroy_r, GEOSGeoJSONReader)
GEOSRPC_WRAP_DESTROY(GEOSGeoJSONWriter_destroy_r, GEOSGeoJSONWriter)
#undef GEOSRPC_WRAP_DESTROY
}  // extern "C"

namespace geosrpc::geos {
namespace {

TEST(ContextTest, ReportsParseErrorsAsStatusWithGeosMessage) {
  Context context;
  auto g = context.ReadWkt("POLYGON ((0 0, 1 1");
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(g.status().message().find("ParseException"), std::string::npos)
      << g.status();
}

TEST(ContextTest, CapturesOperationErrorsWithoutThrowing) {
  Context context;
  // A bow-tie polygon makes overlay throw TopologyException inside GEOS.
  auto a = context.ReadWkt("POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))");
  auto b = context.ReadWkt("POLYGON ((5 -1, 6 -1, 6 11, 5 11, 5 -1))");
  ASSERT_TRUE(a.ok() && b.ok());
  GEOSGeometry* result =
      GEOSIntersection_r(context.handle(), a->get(), b->get());
  if (result != nullptr) {
    GTEST_SKIP() << "this GEOS build computes the overlay of a bow-tie";
  }
  absl::Status s = context.Error(absl::StatusCode::kFailedPrecondition, "op");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("TopologyException"), std::string::npos) << s;
  // The message is consumed: the next error starts clean.
  EXPECT_EQ(context.Error(absl::StatusCode::kInternal, "op").message(),
            "op: GEOS reported an error");
}

TEST(ContextTest, WriterOptionsDoNotLeakBetweenCalls) {
  Context context;
  auto g = context.ReadWkt("POINT (1.123456789 2)");
  ASSERT_TRUE(g.ok());
  std::string rounded, full;
  ASSERT_TRUE(
      context.WriteWkt(g->get(), {.rounding_precision = 2}, &rounded).ok());
  ASSERT_TRUE(context.WriteWkt(g->get(), {}, &full).ok());
  EXPECT_EQ(rounded, "POINT (1.12 2)");
  EXPECT_EQ(full, "POINT (1.123456789 2)");
}

// GEOS 3.11.1's trimmed WKT writer overruns a stack buffer on numbers of
// over ~107 digits; those geometries are written untrimmed, and the text
// reads back to the same coordinates.
TEST(ContextTest, WritesHugeCoordinatesAsWkt) {
  Context context;
  for (const char* wkt :
       {"POINT (1e308 -1e308)", "LINESTRING Z (0 0 0, 1 1 1e200)",
        "GEOMETRYCOLLECTION (POINT (1 2), POLYGON ((0 0, 1e150 0, 0 1, 0 "
        "0)))"}) {
    SCOPED_TRACE(wkt);
    auto g = context.ReadWkt(wkt);
    ASSERT_TRUE(g.ok()) << g.status();
    for (int precision : {-1, 20}) {
      std::string text;
      ASSERT_TRUE(
          context.WriteWkt(g->get(), {.rounding_precision = precision}, &text)
              .ok());
      auto back = context.ReadWkt(text);
      ASSERT_TRUE(back.ok()) << back.status();
      EXPECT_EQ(GEOSEqualsExact_r(context.handle(), g->get(), back->get(), 0),
                1)
          << text.substr(0, 200);
    }
  }
  // Ordinary coordinates stay trimmed.
  auto g = context.ReadWkt("POINT (1e99 0.5)");
  std::string text;
  ASSERT_TRUE(context.WriteWkt(g->get(), {}, &text).ok());
  EXPECT_EQ(text.find(".0000"), std::string::npos) << text;
}

TEST(ContextTest, RoundTripsWkbInEveryFlavor) {
  Context context;
  auto g = context.ReadWkt("LINESTRING Z (1 2 3, 4 5 6)");
  ASSERT_TRUE(g.ok());
  for (WkbOptions options :
       {WkbOptions{}, WkbOptions{.big_endian = true}, WkbOptions{.iso = true},
        WkbOptions{.output_dimension = 2}}) {
    std::string wkb;
    ASSERT_TRUE(context.WriteWkb(g->get(), options, &wkb).ok());
    auto back = context.ReadWkb(wkb);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(GEOSGeom_getCoordinateDimension_r(context.handle(), back->get()),
              options.output_dimension);
  }
  std::string hex;
  ASSERT_TRUE(context.WriteWkb(g->get(), {.hex = true}, &hex).ok());
  EXPECT_EQ(hex.substr(0, 10), "0102000080");
}

// Every reader and writer a Context makes is destroyed through its handle (the
// destroy functions read it first), so each must go before GEOS_finish_r
// frees the handle. ASan cannot see that read inside the uninstrumented
// libgeos_c, so the calls are recorded instead (see Ends() above).
TEST(ContextTest, MakesPolygonsAndCollectionsOwningTheirParts) {
  Context context;
  const auto ring = [&](const char* wkt) { return *context.ReadWkt(wkt); };
  std::vector<GeometryPtr> holes;
  holes.push_back(ring("LINEARRING (1 1, 2 1, 2 2, 1 1)"));
  absl::StatusOr<GeometryPtr> polygon = context.MakePolygon(
      ring("LINEARRING (0 0, 4 0, 4 4, 0 4, 0 0)"), std::move(holes));
  ASSERT_TRUE(polygon.ok()) << polygon.status();
  std::vector<GeometryPtr> members;
  members.push_back(*std::move(polygon));
  members.push_back(*context.ReadWkt("POINT (5 5)"));
  absl::StatusOr<GeometryPtr> collection =
      context.MakeCollection(GEOS_GEOMETRYCOLLECTION, std::move(members));
  ASSERT_TRUE(collection.ok()) << collection.status();
  absl::StatusOr<GeometryPtr> expected = context.ReadWkt(
      "GEOMETRYCOLLECTION (POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 "
      "2, 1 1)), POINT (5 5))");
  EXPECT_EQ(GEOSEqualsExact_r(context.handle(), collection->get(),
                              expected->get(), 0),
            1);
}

// GEOS frees the parts of a collection it fails to make: they must not be
// freed again (the ASan run checks both ways).
TEST(ContextTest, GivesUpThePartsWhenGeosFailsToMakeACollection) {
  Context context;
  std::vector<GeometryPtr> members;
  members.push_back(*context.ReadWkt("POINT (1 2)"));
  members.push_back(*context.ReadWkt("LINESTRING (0 0, 1 1)"));
  absl::StatusOr<GeometryPtr> bad =
      context.MakeCollection(/*type=*/99, std::move(members));
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "GEOS: "))
      << bad.status();
}

TEST(ContextTest, DestroysEveryReaderAndWriterBeforeFinishingItsHandle) {
  auto context = std::make_unique<Context>();
  const GEOSContextHandle_t handle = context->handle();
  auto g = context->ReadWkt("POINT (1 2)");
  ASSERT_TRUE(g.ok());
  std::string wkb, wkt, json;
  ASSERT_TRUE(context->WriteWkb(g->get(), {}, &wkb).ok());
  ASSERT_TRUE(context->WriteWkt(g->get(), {}, &wkt).ok());
  ASSERT_TRUE(context->WriteGeoJson(g->get(), -1, &json).ok());
  ASSERT_TRUE(context->ReadWkb(wkb).ok());
  ASSERT_TRUE(context->ReadGeoJson(json).ok());
  g->reset();
  Ends().clear();
  context.reset();

  std::vector<std::string> ends;
  for (const auto& [call, h] : Ends()) {
    if (h == handle) ends.push_back(call);
  }
  EXPECT_THAT(ends, ::testing::UnorderedElementsAre(
                        "GEOSWKBReader_destroy_r", "GEOSWKTReader_destroy_r",
                        "GEOSWKBWriter_destroy_r", "GEOSWKTWriter_destroy_r",
                        "GEOSGeoJSONReader_destroy_r",
                        "GEOSGeoJSONWriter_destroy_r", "GEOS_finish_r"));
  ASSERT_FALSE(ends.empty());
  EXPECT_EQ(ends.back(), "GEOS_finish_r");
}

}  // namespace
}  // namespace geosrpc::geos
