#include "server/batch/wkb.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "server/geos/context.h"

namespace geosrpc::batch {
namespace {

std::string Wkb(absl::string_view wkt, geos::WkbOptions options = {}) {
  geos::Context context;
  auto g = context.ReadWkt(std::string(wkt));
  EXPECT_TRUE(g.ok()) << wkt;
  std::string out;
  EXPECT_TRUE(context.WriteWkb(g->get(), options, &out).ok());
  return out;
}

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

TEST(WkbTest, AcceptsEveryGeometryTypeAndFlavor) {
  for (const char* wkt :
       {"POINT (1 2)", "POINT Z (1 2 3)", "POINT EMPTY",
        "LINESTRING (0 0, 1 1)", "LINESTRING EMPTY",
        "POLYGON ((0 0, 1 0, 1 1, 0 0))",
        "POLYGON ((0 0, 9 0, 9 9, 0 0), (1 1, 2 1, 2 2, 1 1))",
        "MULTIPOINT ((0 0), (1 1))", "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))",
        "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))",
        "GEOMETRYCOLLECTION (POINT (1 1), GEOMETRYCOLLECTION (POINT EMPTY))",
        "GEOMETRYCOLLECTION EMPTY"}) {
    for (geos::WkbOptions options :
         {geos::WkbOptions{}, geos::WkbOptions{.big_endian = true},
          geos::WkbOptions{.iso = true}}) {
      EXPECT_TRUE(ValidateWkb(Wkb(wkt, options), {}).ok()) << wkt;
    }
  }
}

TEST(WkbTest, AcceptsExtendedWkbWithSrid) {
  // PostGIS's SRID=4326;POINT(1 2).
  EXPECT_TRUE(
      ValidateWkb(Hex("0101000020E6100000000000000000F03F0000000000000040"), {})
          .ok());
}

TEST(WkbTest, RejectsTruncatedWkb) {
  const std::string wkb =
      Wkb("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))");
  for (size_t n = 0; n < wkb.size(); ++n) {
    absl::Status s = ValidateWkb(wkb.substr(0, n), {});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << n;
  }
}

TEST(WkbTest, RejectsClaimedCountsBeyondTheBytes) {
  // LINESTRING claiming 2^32-1 points with none present.
  absl::Status s = ValidateWkb(Hex("0102000000FFFFFFFF"), {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("claims 4294967295 points"), std::string::npos)
      << s;
  // A polygon claiming a billion rings, a collection a billion members.
  EXPECT_FALSE(ValidateWkb(Hex("01030000000000CA9A3B00000000"), {}).ok());
  EXPECT_FALSE(ValidateWkb(Hex("01070000000000CA9A3B"), {}).ok());
}

TEST(WkbTest, RejectsDeepNesting) {
  auto nested = [](int depth) {
    std::string wkb;
    for (int i = 0; i < depth; ++i) wkb += Hex("010700000001000000");
    return wkb + Hex("0101000000000000000000F03F0000000000000040");
  };
  EXPECT_TRUE(ValidateWkb(nested(5), {.max_depth = 5}).ok());
  absl::Status s = ValidateWkb(nested(6), {.max_depth = 5});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("nested deeper than 5"), std::string::npos) << s;
  EXPECT_FALSE(ValidateWkb(nested(100000), {}).ok());
}

TEST(WkbTest, RejectsNonFiniteCoordinatesButAcceptsEmptyPoints) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto point = [](double x, double y) {
    std::string wkb = Hex("0101000000");
    wkb.append(reinterpret_cast<const char*>(&x), 8);
    wkb.append(reinterpret_cast<const char*>(&y), 8);
    return wkb;
  };
  EXPECT_TRUE(ValidateWkb(point(nan, nan), {}).ok());  // POINT EMPTY
  EXPECT_FALSE(ValidateWkb(point(nan, 1), {}).ok());
  EXPECT_FALSE(ValidateWkb(point(inf, 1), {}).ok());
  EXPECT_FALSE(ValidateWkb(point(1, -inf), {}).ok());
  std::string line = Wkb("LINESTRING (0 0, 1 1)");
  std::memcpy(&line[9 + 16], &inf, 8);
  absl::Status s = ValidateWkb(line, {});
  EXPECT_NE(s.message().find("non-finite coordinate"), std::string::npos) << s;
}

// Well-formed, but GEOS 3.11.1 crashes on it in most operations.
TEST(WkbTest, RejectsEmptyPointsInsideMultipoints) {
  absl::Status s = ValidateWkb(Wkb("MULTIPOINT (EMPTY, (1 1))"), {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("empty point inside a MULTIPOINT"),
            std::string::npos)
      << s;
  EXPECT_TRUE(
      ValidateWkb(Wkb("GEOMETRYCOLLECTION (POINT EMPTY, POINT (1 1))"), {})
          .ok());
  EXPECT_TRUE(ValidateWkb(Wkb("MULTIPOINT EMPTY"), {}).ok());
}

// Found by fuzz/wkb_fuzzer: well-formed WKB that GEOS 3.11.1's reader
// refuses (IllegalArgumentException) is refused here first, so what
// ValidateWkb accepts always decodes.
TEST(WkbTest, RejectsLinesAndRingsGeosRefuses) {
  struct Case {
    const char* hex;
    const char* message;
  } cases[] = {
      // LINESTRING of one point.
      {"010200000001000000000000000000f03f0000000000000040",
       "invalid WKB at byte 5: a line string needs 0 or at least 2 points, "
       "got 1"},
      // POLYGON whose ring has 2 points.
      {"0103000000010000000200000000000000000000000000000000000000000000"
       "00000000000000000000000000",
       "invalid WKB at byte 9: a ring needs 0 or at least 3 points, got 2"},
      // POLYGON whose ring does not close: (0 0, 1 0, 1 1, 0 1).
      {"010300000001000000040000000000000000000000000000000000000000000000"
       "0000f03f0000000000000000000000000000f03f000000000000f03f0000000000"
       "000000000000000000f03f",
       "invalid WKB at byte 9: a ring's last point must be its first"},
      // POLYGON with an empty shell and a hole.
      {"0103000000020000000000000004000000000000000000000000000000000000"
       "0000000000000000400000000000000000000000000000004000000000000000"
       "4000000000000000000000000000000000",
       "invalid WKB at byte 13: a polygon with an empty shell has a non-empty "
       "hole"},
  };
  for (const Case& c : cases) {
    absl::Status s = ValidateWkb(Hex(c.hex), {});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.hex;
    EXPECT_EQ(s.message(), c.message) << c.hex;
  }
  // Big endian, with Z: closed in x and y is closed, whatever z does.
  EXPECT_TRUE(ValidateWkb(Wkb("POLYGON Z ((0 0 1, 1 0 2, 1 1 3, 0 0 4))",
                              {.big_endian = true}),
                          {})
                  .ok());
  EXPECT_TRUE(
      ValidateWkb(Wkb("POLYGON ((0 0, 1 0, 1 1, 0 0), EMPTY)"), {}).ok());
  // Three points, closed: invalid, but GEOS reads it (and says so).
  EXPECT_TRUE(ValidateWkb(Wkb("POLYGON ((0 0, 10 10, 0 0))"), {}).ok());
  EXPECT_TRUE(ValidateWkb(Wkb("MULTILINESTRING (EMPTY, (0 0, 1 1))"), {}).ok());
}

TEST(WkbTest, RejectsCoordinatesBeyondTheMagnitudeLimit) {
  absl::Status s = ValidateWkb(Wkb("LINESTRING (0 0, 1 1, -1e308 5)"), {});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  // Offset 41: the third point.
  EXPECT_EQ(s.message(),
            "invalid WKB at byte 41: coordinate 1e+308 is beyond +-1e+150")
      << s;
  EXPECT_FALSE(ValidateWkb(Wkb("POINT Z (1 2 1e200)"), {}).ok());
  EXPECT_TRUE(ValidateWkb(Wkb("POINT (1e150 -1e-300)"), {}).ok());
  EXPECT_TRUE(
      ValidateWkb(Wkb("POINT (1e200 1)"), {.max_abs_coordinate = 1e300}).ok());
}

TEST(WkbTest, FindsTheOneBadOrdinateOfALongLineAndItsExtent) {
  // Past the first block of 1,024 ordinates that the fast pass checks
  // at once, in each byte order.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const bool big : {false, true}) {
    std::string line = Hex(big ? "0000000002" : "0102000000");
    const uint32_t n = 2500;
    uint32_t count = big ? __builtin_bswap32(n) : n;
    line.append(reinterpret_cast<const char*>(&count), 4);
    for (uint32_t i = 0; i < n; ++i) {
      for (const double v : {static_cast<double>(i) - 7, 0.5 * i}) {
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        if (big) bits = __builtin_bswap64(bits);
        line.append(reinterpret_cast<const char*>(&bits), 8);
      }
    }
    WkbInfo info;
    ASSERT_TRUE(ValidateWkb(line, {}, &info).ok());
    EXPECT_EQ(info.vertices, n);
    EXPECT_EQ(info.min_x, -7);
    EXPECT_EQ(info.max_x, n - 8);
    for (const double bad : {nan, -inf, 2e150}) {
      std::string broken = line;
      uint64_t bits;
      std::memcpy(&bits, &bad, 8);
      if (big) bits = __builtin_bswap64(bits);
      // Point 2,300's y.
      const size_t at = 9 + 16 * 2300;
      std::memcpy(&broken[at + 8], &bits, 8);
      const absl::Status s = ValidateWkb(broken, {});
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_NE(s.message().find(absl::StrCat("at byte ", at, ": ")),
                std::string::npos)
          << s;
    }
  }
}

TEST(WkbTest, RejectsMalformedHeaders) {
  EXPECT_FALSE(ValidateWkb("", {}).ok());
  EXPECT_FALSE(ValidateWkb(Hex("0201000000"), {}).ok());  // Byte order 2.
  EXPECT_FALSE(ValidateWkb(Hex("0108000000"), {}).ok());  // Circular string.
  // A multipoint whose member is a line string.
  EXPECT_FALSE(ValidateWkb(Hex("0104000000010000000102000000"
                               "00000000"),
                           {})
                   .ok());
  // Trailing bytes.
  absl::Status s = ValidateWkb(Wkb("POINT (1 2)") + "x", {});
  EXPECT_NE(s.message().find("1 trailing bytes"), std::string::npos) << s;
}

TEST(WkbTest, EnforcesTheVertexLimit) {
  const std::string wkb = Wkb("LINESTRING (0 0, 1 1, 2 2, 3 3)");
  WkbInfo info;
  EXPECT_TRUE(ValidateWkb(wkb, {.max_vertices = 4}, &info).ok());
  EXPECT_EQ(info.vertices, 4u);
  EXPECT_EQ(ValidateWkb(wkb, {.max_vertices = 3}).code(),
            absl::StatusCode::kResourceExhausted);
}

// The fast path for points reads exactly the rows ValidateWkb accepts as
// one 2D point, with the coordinates GEOS's reader gives; anything else is
// left to ValidateWkb.
TEST(ReadPlainXyPointTest, TakesOnlyWhatValidateWkbAcceptsAsAnXyPoint) {
  geos::Context context;
  struct Case {
    std::string wkb;
    bool taken;
  };
  std::vector<Case> cases;
  for (const char* wkt :
       {"POINT (1.5 -2)", "POINT (1e150 -1e-300)", "POINT (-0 0)"}) {
    cases.push_back({Wkb(wkt), true});
    cases.push_back({Wkb(wkt, {.big_endian = true}), true});
    cases.push_back({Wkb(wkt, {.iso = true}), true});
  }
  for (const char* wkt :
       {"POINT EMPTY", "POINT Z (1 2 3)", "MULTIPOINT ((1 2))",
        "LINESTRING (0 0, 1 1)", "POINT (1e200 1)"}) {
    cases.push_back({Wkb(wkt), false});
  }
  // Extended WKB with an SRID, a NaN or an infinity, a bad byte order, a
  // 21-byte row of another type, a point one byte short.
  cases.push_back(
      {Hex("0101000020E6100000000000000000F03F0000000000000040"), false});
  cases.push_back({Hex("0101000000000000000000F87F0000000000000000"), false});
  cases.push_back({Hex("0101000000000000000000F07F0000000000000000"), false});
  cases.push_back({Hex("0201000000000000000000F03F0000000000000040"), false});
  cases.push_back({Hex("0102000000000000000000F03F0000000000000040"), false});
  cases.push_back({Hex("0101000000000000000000F03F00000000000000"), false});
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::BytesToHexString(c.wkb));
    double x = 0, y = 0;
    ASSERT_EQ(ReadPlainXyPoint(c.wkb, {}, &x, &y), c.taken);
    if (!c.taken) continue;
    WkbInfo info;
    ASSERT_TRUE(ValidateWkb(c.wkb, {}, &info).ok());
    EXPECT_EQ(info.vertices, 1u);
    absl::StatusOr<geos::GeometryPtr> g = context.ReadWkb(c.wkb);
    ASSERT_TRUE(g.ok());
    double gx = 0, gy = 0;
    GEOSGeomGetX_r(context.handle(), g->get(), &gx);
    GEOSGeomGetY_r(context.handle(), g->get(), &gy);
    EXPECT_EQ(x, gx);
    EXPECT_EQ(y, gy);
    EXPECT_EQ(std::signbit(x), std::signbit(gx));
  }
  // The limits hold as in ValidateWkb.
  double x, y;
  EXPECT_FALSE(
      ReadPlainXyPoint(Wkb("POINT (5 1)"), {.max_vertices = 0}, &x, &y));
  EXPECT_FALSE(
      ReadPlainXyPoint(Wkb("POINT (5 1)"), {.max_abs_coordinate = 4}, &x, &y));
}

TEST(WkbTest, LabelsMessagesBySource) {
  absl::Status s = ValidateWkb(Hex("0102000000FFFFFFFF"), {}, nullptr, "WKT");
  EXPECT_EQ(s.message().substr(0, 13), "invalid WKT: ");
}

// Whatever the validator accepts, GEOS parses without crashing: mutate valid
// WKB at random and hand every accepted mutant to GEOS.
TEST(WkbTest, MutatedWkbNeverReachesGeosUnchecked) {
  geos::Context context;
  const std::string seeds[] = {
      Wkb("POLYGON ((0 0, 9 0, 9 9, 0 0), (1 1, 2 1, 2 2, 1 1))"),
      Wkb("GEOMETRYCOLLECTION (MULTIPOINT ((0 0), (1 1)), LINESTRING (0 0, "
          "5 5))"),
      Wkb("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))", {.big_endian = true})};
  std::mt19937 rng(7);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string wkb = seeds[i % 3];
    const int edits = 1 + rng() % 4;
    for (int e = 0; e < edits; ++e) {
      wkb[rng() % wkb.size()] = static_cast<char>(rng());
    }
    if (rng() % 4 == 0) wkb.resize(rng() % wkb.size());
    if (!ValidateWkb(wkb, {}).ok()) continue;
    ++accepted;
    (void)context.ReadWkb(wkb);  // Must not crash; may still fail.
  }
  EXPECT_GT(accepted, 0);
}

TEST(RewriteWkbTest, WritesPlainGeometriesAsGeosDoes) {
  geos::Context context;
  std::vector<std::string> rows;
  for (const char* wkt :
       {"POINT (1 2)", "POINT Z (-1.5 2e10 3)", "LINESTRING (0 0, 1 1, 2 0)",
        "LINESTRING Z (0 0 1, 1 1 2)",
        "POLYGON ((0 0, 9 0, 9 9, 0 0), (1 1, 2 1, 2 2, 1 1))",
        "MULTIPOINT ((0 0), (1 1))", "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))",
        "MULTIPOLYGON Z (((0 0 1, 1 0 1, 1 1 1, 0 0 1)))",
        "GEOMETRYCOLLECTION (POINT (1 1), GEOMETRYCOLLECTION (LINESTRING (0 0, "
        "1 1)), POLYGON ((0 0, 1 0, 1 1, 0 0)))"}) {
    for (geos::WkbOptions options :
         {geos::WkbOptions{}, geos::WkbOptions{.big_endian = true},
          geos::WkbOptions{.iso = true},
          geos::WkbOptions{.output_dimension = 2},
          geos::WkbOptions{.big_endian = true, .include_srid = true}}) {
      auto g = context.ReadWkt(wkt);
      ASSERT_TRUE(g.ok()) << wkt;
      GEOSSetSRID_r(context.handle(), g->get(), 3857);
      ASSERT_TRUE(
          context.WriteWkb(g->get(), options, &rows.emplace_back()).ok());
    }
  }
  rows.push_back(Hex("0101000020E6100000000000000000F03F0000000000000040"));
  // Each ordinate doubled, by GEOS and by RewriteWkb.
  const auto twice = [](const double* in, double* out, size_t n, int dims) {
    for (size_t i = 0; i < n * dims; ++i) out[i] = 2 * in[i];
    return absl::OkStatus();
  };
  for (const std::string& wkb : rows) {
    SCOPED_TRACE(absl::BytesToHexString(wkb));
    ASSERT_TRUE(ValidateWkb(wkb, {}).ok());
    ASSERT_TRUE(PlainWkb(wkb));
    auto g = context.ReadWkb(wkb);
    ASSERT_TRUE(g.ok());
    const int srid = GEOSGetSRID_r(context.handle(), g->get());
    EXPECT_EQ(WkbSrid(wkb), srid);
    geos::GeometryPtr doubled = context.Own(GEOSGeom_transformXY_r(
        context.handle(), g->get(),
        [](double* x, double* y, void*) {
          *x *= 2;
          *y *= 2;
          return 1;
        },
        nullptr));
    ASSERT_NE(doubled, nullptr);
    GEOSSetSRID_r(context.handle(), doubled.get(), srid);
    std::string geos, ours;
    ASSERT_TRUE(
        context.WriteWkb(doubled.get(), {.include_srid = true}, &geos).ok());
    // GEOSGeom_transformXY leaves z alone: double x and y only.
    ASSERT_TRUE(RewriteWkb(
                    wkb, srid,
                    [](const double* in, double* out, size_t n, int dims) {
                      for (size_t i = 0; i < n * dims; ++i) {
                        out[i] = i % dims < 2 ? 2 * in[i] : in[i];
                      }
                      return absl::OkStatus();
                    },
                    &ours)
                    .ok());
    EXPECT_EQ(absl::BytesToHexString(ours), absl::BytesToHexString(geos));
  }
  // The map's error stops the rewrite.
  std::string out;
  EXPECT_EQ(RewriteWkb(
                rows[0], 0,
                [](const double*, double*, size_t, int) {
                  return absl::InvalidArgumentError("no");
                },
                &out)
                .message(),
            "no");
  EXPECT_TRUE(RewriteWkb(rows[0], 0, twice, &out).ok());
}

TEST(RewriteWkbTest, LeavesEmptyPartsMixedZAndMToGeos) {
  for (const char* wkt : {"POINT EMPTY", "LINESTRING EMPTY", "POLYGON EMPTY",
                          "MULTIPOINT EMPTY", "GEOMETRYCOLLECTION EMPTY",
                          "GEOMETRYCOLLECTION (POINT (1 2), POINT EMPTY)",
                          "GEOMETRYCOLLECTION (POINT Z (1 2 3), POINT (1 2))",
                          "MULTILINESTRING ((0 0, 1 1), EMPTY)"}) {
    const std::string wkb = Wkb(wkt);
    ASSERT_TRUE(ValidateWkb(wkb, {}).ok()) << wkt;
    EXPECT_FALSE(PlainWkb(wkb)) << wkt;
    std::string out;
    EXPECT_EQ(RewriteWkb(
                  wkb, 0,
                  [](const double*, double*, size_t, int) {
                    return absl::OkStatus();
                  },
                  &out)
                  .code(),
              absl::StatusCode::kInternal)
        << wkt;
  }
  // ISO POINT M (1 2 3) and extended POINT ZM (1 2 3 4).
  EXPECT_FALSE(PlainWkb(
      Hex("01D1070000000000000000F03F00000000000000400000000000000840")));
  EXPECT_FALSE(
      PlainWkb(Hex("01010000C0000000000000F03F000000000000004000000"
                   "00000000008400000000000001040")));
  EXPECT_FALSE(PlainWkb(""));
  EXPECT_FALSE(PlainWkb(Hex("0101000000000000000000F03F")));  // Cut short.
  EXPECT_EQ(WkbSrid(Wkb("POINT (1 2)")), 0);
}

TEST(HexTest, DecodesEitherCaseAndRejectsJunk) {
  std::string out;
  ASSERT_TRUE(DecodeHex("00ffAB", &out).ok());
  EXPECT_EQ(out, std::string("\x00\xff\xab", 3));
  EXPECT_FALSE(DecodeHex("abc", &out).ok());
  absl::Status s = DecodeHex("0g", &out);
  EXPECT_NE(s.message().find("offset 1"), std::string::npos) << s;
}

TEST(WktPrecheckTest, BoundsNestingAndBalance) {
  EXPECT_TRUE(PrecheckWkt("POLYGON ((0 0, 1 0, 1 1, 0 0))", {}).ok());
  EXPECT_FALSE(PrecheckWkt("POINT (1 2))", {}).ok());
  EXPECT_FALSE(PrecheckWkt("POINT ((1 2)", {}).ok());
  EXPECT_FALSE(PrecheckWkt(std::string("POINT (1\0 2)", 12), {}).ok());
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "GEOMETRYCOLLECTION (";
  deep += "POINT (1 1)";
  for (int i = 0; i < 100; ++i) deep += ")";
  EXPECT_FALSE(PrecheckWkt(deep, {}).ok());
  EXPECT_EQ(PrecheckWkt("POINT (1 2))", {}).message(),
            "invalid WKT: unbalanced ')' at offset 11");
  EXPECT_EQ(PrecheckWkt(deep, {}).message(),
            "invalid WKT: nested deeper than 35 parentheses");
  EXPECT_EQ(PrecheckWkt("POINT ((1 2)", {}).message(),
            "invalid WKT: unclosed '('");
}

TEST(GeoJsonPrecheckTest, BoundsNestingAndBalance) {
  EXPECT_TRUE(
      PrecheckGeoJson(R"({"type": "Point", "coordinates": [1, 2]})", {}).ok());
  EXPECT_EQ(PrecheckGeoJson("[1, 2]]", {}).message(),
            "invalid GeoJSON: unbalanced ']' at offset 6");
  EXPECT_EQ(PrecheckGeoJson(R"({"coordinates": [1, 2})", {}).message(),
            "invalid GeoJSON: unclosed bracket");
  EXPECT_EQ(PrecheckGeoJson(std::string("[1,\0 2]", 7), {}).message(),
            "invalid GeoJSON: NUL byte at offset 3");
  EXPECT_EQ(PrecheckGeoJson(std::string(100, '['), {}).message(),
            "invalid GeoJSON: nested deeper than 70 brackets");
}

TEST(GeoJsonPrecheckTest, IgnoresBracketsInStrings) {
  EXPECT_TRUE(PrecheckGeoJson(R"({"type": "Feature", "properties": {
      "name": "a ]} [[ \" \\", "x": "\"{"},
      "geometry": {"type": "Point", "coordinates": [1, 2]}})",
                              {})
                  .ok());
  EXPECT_EQ(PrecheckGeoJson(R"({"type": "Point", "coordinates": "[1, 2]})", {})
                .message(),
            "invalid GeoJSON: unterminated string");
  EXPECT_EQ(PrecheckGeoJson(std::string("{\"a\0\": 1}", 9), {}).message(),
            "invalid GeoJSON: NUL byte at offset 3");
}

// Found by fuzz/geojson_fuzzer: a NUL escaped inside a string was skipped
// by the bracket scan, and GEOS, handed the text as a C string, read less
// than was checked.
TEST(GeoJsonPrecheckTest, RefusesEscapedNulBytes) {
  EXPECT_EQ(PrecheckGeoJson(std::string("{\"a\\\0\": 1}", 10), {}).message(),
            "invalid GeoJSON: NUL byte at offset 4");
}

// Found by fuzz/geojson_fuzzer: GEOS 3.11.1's reader dereferences null for
// an empty position anywhere but a Point's own coordinates.
TEST(GeoJsonPrecheckTest, RefusesEmptyPositions) {
  for (const char* json : {
           R"({"type":"LineString","coordinates":[[]]})",
           R"({"type":"MultiPoint","coordinates":[[1,2],[]]})",
           R"({"type":"Polygon","coordinates":[[[0,0],[1,0],[],[0,0]]]})",
           R"({"type":"MultiLineString","coordinates":[[[5,0],[]]]})",
           R"({"type":"MultiPolygon","coordinates":[[[[0,0],[ ]]]]})",
           R"({"type":"GeometryCollection","geometries":[{"type":"Point",
               "coordinates":[]},{"type":"LineString","coordinates":[[]]}]})",
           R"({"type":"Feature","geometry":{"type":"LineString",
               "coordinates":[[]]},"properties":null})",
           R"({"type":"FeatureCollection","features":[{"type":"Feature",
               "geometry":{"type":"MultiPoint","coordinates":[[]]}}]})",
           R"({"coordinates":[[]],"type":"Line\u0053tring"})",
       }) {
    SCOPED_TRACE(json);
    absl::Status s = PrecheckGeoJson(json, {});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("GeoJSON: empty position in a "),
              std::string::npos)
        << s;
  }
  // A key given twice leaves which one GEOS reads unclear.
  EXPECT_EQ(
      PrecheckGeoJson(
          R"({"type":"Point","type":"LineString","coordinates":[[]]})", {})
          .message(),
      "invalid GeoJSON: \"type\" given twice at byte 23");
  // Empty points, empty rings and empty parts are fine; so are empty
  // positions where GEOS reads none (properties, unknown members).
  for (const char* json : {
           R"({"type":"Point","coordinates":[]})",
           R"({"type":"LineString","coordinates":[]})",
           R"({"type":"Polygon","coordinates":[[]]})",
           R"({"type":"MultiPolygon","coordinates":[[], [[]]]})",
           R"({"type":"Feature","properties":{"type":"LineString",
               "coordinates":[[]]},"geometry":{"type":"Point",
               "coordinates":[1,2]}})",
       }) {
    SCOPED_TRACE(json);
    EXPECT_TRUE(PrecheckGeoJson(json, {}).ok());
  }
}

TEST(GeoJsonPrecheckTest, RefusesANullGeometry) {
  for (const char* json :
       {R"({"type": "Feature", "geometry": null, "properties": {}})",
        R"({"properties": {"type": "x"}, "geometry" :null, "type":"Feature"})",
        " null "}) {
    SCOPED_TRACE(json);
    absl::Status s = PrecheckGeoJson(json, {});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "GeoJSON: null geometry");
  }
  // Only the top-level Feature's own "geometry" member counts.
  for (const char* json :
       {R"({"type": "Feature", "properties": {"geometry": null},
            "geometry": {"type": "Point", "coordinates": [1, 2]}})",
        R"({"type": "Feature", "properties": {"s": "\"geometry\": null"},
            "geometry": {"type": "Point", "coordinates": [1, 2]}})",
        R"({"type": "Point", "coordinates": [1, 2], "geometry": null})"}) {
    SCOPED_TRACE(json);
    EXPECT_TRUE(PrecheckGeoJson(json, {}).ok());
  }
}

}  // namespace
}  // namespace geosrpc::batch
