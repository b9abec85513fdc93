#include "server/geos/context.h"

#include <gtest/gtest.h>

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
  ASSERT_TRUE(context.WriteWkt(g->get(), {.rounding_precision = 2}, &rounded)
                  .ok());
  ASSERT_TRUE(context.WriteWkt(g->get(), {}, &full).ok());
  EXPECT_EQ(rounded, "POINT (1.12 2)");
  EXPECT_EQ(full, "POINT (1.123456789 2)");
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

}  // namespace
}  // namespace geosrpc::geos
