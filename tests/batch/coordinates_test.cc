#include "server/batch/coordinates.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "server/batch/wkb.h"
#include "server/geos/context.h"

namespace geosrpc::batch {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string Bytes(const std::vector<double>& values) {
  std::string out(values.size() * 8, '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

std::vector<double> Doubles(const std::string& bytes) {
  std::vector<double> out(bytes.size() / 8);
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

// Doubles equal, NaN equal to NaN.
void ExpectSameDoubles(const std::vector<double>& got,
                       const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::isnan(want[i])) {
      EXPECT_TRUE(std::isnan(got[i])) << "at " << i;
    } else {
      EXPECT_EQ(got[i], want[i]) << "at " << i;
    }
  }
}

class CoordinatesTest : public ::testing::Test {
 protected:
  // Each row read by GEOS and written as WKT (with z when it has it).
  std::vector<std::string> Wkt(const WkbRows& rows) {
    std::vector<std::string> out;
    const BatchView view = rows.view();
    for (size_t i = 0; i < view.size(); ++i) {
      EXPECT_TRUE(ValidateWkb(view.row(i), {}).ok()) << "row " << i;
      auto g = context_.ReadWkb(view.row(i));
      EXPECT_TRUE(g.ok()) << g.status();
      std::string wkt;
      EXPECT_TRUE(context_.WriteWkt(g->get(), {}, &wkt).ok());
      const int srid = GEOSGetSRID_r(context_.handle(), g->get());
      out.push_back(srid == 0 ? wkt
                              : "SRID=" + std::to_string(srid) + ";" + wkt);
    }
    return out;
  }

  // The WKB GEOS writes for `wkt` (little-endian, with z when it has it).
  std::string Wkb(const std::string& wkt) {
    std::string out;
    EXPECT_TRUE(context_.WriteWkb(context_.ReadWkt(wkt)->get(), {}, &out).ok());
    return out;
  }

  geos::Context context_;
};

TEST_F(CoordinatesTest, WritesEveryKindAsWkb) {
  const std::string xy = Bytes({0, 0, 1, 0, 1, 1, 0, 0, 5, 5, 6, 6});
  const std::vector<uint64_t> none;
  struct Case {
    CoordinateKind kind;
    std::vector<uint64_t> geometry, part, ring;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {CoordinateKind::kPoint,
       {},
       {},
       {},
       {"POINT (0 0)", "POINT (1 0)", "POINT (1 1)", "POINT (0 0)",
        "POINT (5 5)", "POINT (6 6)"}},
      {CoordinateKind::kLineString,
       {0, 4, 4, 6},
       {},
       {},
       {"LINESTRING (0 0, 1 0, 1 1, 0 0)", "LINESTRING EMPTY",
        "LINESTRING (5 5, 6 6)"}},
      {CoordinateKind::kMultiPoint,
       {0, 2, 6},
       {},
       {},
       {"MULTIPOINT (0 0, 1 0)", "MULTIPOINT (1 1, 0 0, 5 5, 6 6)"}},
      {CoordinateKind::kPolygon,
       {0, 1, 1},
       {},
       {0, 4},
       {"POLYGON ((0 0, 1 0, 1 1, 0 0))", "POLYGON EMPTY"}},
  };
  for (const Case& c : cases) {
    const std::string coords =
        c.kind == CoordinateKind::kPolygon ? xy.substr(0, 64) : xy;
    auto rows = CoordinatesToWkb({.kind = c.kind,
                                  .coords = coords,
                                  .geometry_offsets = c.geometry,
                                  .part_offsets = c.part,
                                  .ring_offsets = c.ring},
                                 "a");
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(Wkt(**rows), c.want);
  }

  // Multi kinds, z and an SRID.
  const std::string xyz = Bytes({0, 0, 1, 4, 0, 2, 4, 4, 3, 0, 0, 1,  //
                                 7, 7, 9, 8, 8, 9});
  auto lines = CoordinatesToWkb({.kind = CoordinateKind::kMultiLineString,
                                 .dimensions = 3,
                                 .coords = xyz,
                                 .geometry_offsets = {0, 2},
                                 .part_offsets = {0, 4, 6},
                                 .srid = 4326},
                                "a");
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(Wkt(**lines), std::vector<std::string>{
                              "SRID=4326;MULTILINESTRING Z ((0 0 1, 4 0 2, 4 "
                              "4 3, 0 0 1), (7 7 9, 8 8 9))"});
  auto polygons = CoordinatesToWkb({.kind = CoordinateKind::kMultiPolygon,
                                    .dimensions = 3,
                                    .coords = xyz.substr(0, 4 * 24),
                                    .geometry_offsets = {0, 0, 1},
                                    .part_offsets = {0, 1},
                                    .ring_offsets = {0, 4}},
                                   "a");
  ASSERT_TRUE(polygons.ok()) << polygons.status();
  EXPECT_EQ(Wkt(**polygons),
            (std::vector<std::string>{
                "MULTIPOLYGON EMPTY",
                "MULTIPOLYGON Z (((0 0 1, 4 0 2, 4 4 3, 0 0 1)))"}));
}

TEST_F(CoordinatesTest, AnEmptyPointIsNaN) {
  auto rows = CoordinatesToWkb(
      {.kind = CoordinateKind::kPoint, .coords = Bytes({kNaN, kNaN, 1, 2})},
      "a");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(Wkt(**rows),
            (std::vector<std::string>{"POINT EMPTY", "POINT (1 2)"}));
}

TEST_F(CoordinatesTest, NamesTheMalformedArrayAndIndex) {
  const std::string four = Bytes({0, 0, 1, 1, 2, 2, 3, 3});
  const auto error = [](const CoordinateArrayView& view) {
    auto rows = CoordinatesToWkb(view, "a");
    EXPECT_FALSE(rows.ok());
    EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(rows.status().message());
  };
  EXPECT_EQ(error({.dimensions = 4, .coords = four}),
            "a.coordinates.dimensions must be 2 or 3, got 4");
  EXPECT_EQ(error({.coords = four.substr(0, 40)}),
            "a.coordinates.coords holds 40 bytes, not a whole number of "
            "2-dimensional coordinates (16 bytes each)");
  EXPECT_EQ(error({.kind = CoordinateKind::kLineString,
                   .coords = four,
                   .geometry_offsets = {0, 3, 2, 4}}),
            "a.coordinates.geometry_offsets decreases at index 2 (3 then 2)");
  EXPECT_EQ(error({.kind = CoordinateKind::kLineString,
                   .coords = four,
                   .geometry_offsets = {0, 3}}),
            "a.coordinates.geometry_offsets ends at 3 (index 1) but coords "
            "holds 4 entries");
  EXPECT_EQ(error({.kind = CoordinateKind::kLineString,
                   .coords = four,
                   .geometry_offsets = {1, 4}}),
            "a.coordinates.geometry_offsets[0] must be 0, got 1");
  EXPECT_EQ(error({.kind = CoordinateKind::kLineString, .coords = four}),
            "a.coordinates.geometry_offsets is empty but coords holds 4 "
            "entries (it needs n+1 offsets)");
  EXPECT_EQ(error({.kind = CoordinateKind::kPolygon,
                   .coords = four,
                   .geometry_offsets = {0, 1},
                   .part_offsets = {0, 1},
                   .ring_offsets = {0, 4}}),
            "a.coordinates.part_offsets: POLYGON does not use it; it must be "
            "empty");
  EXPECT_EQ(error({.kind = CoordinateKind::kMultiPolygon,
                   .coords = four,
                   .geometry_offsets = {0, 1},
                   .part_offsets = {0, 2},
                   .ring_offsets = {0, 4}}),
            "a.coordinates.part_offsets ends at 2 (index 1) but ring_offsets "
            "holds 1 entries");
  // Offsets far beyond the coordinates never index past them.
  EXPECT_EQ(error({.kind = CoordinateKind::kMultiPoint,
                   .coords = four,
                   .geometry_offsets = {0, uint64_t{1} << 62}}),
            "a.coordinates.geometry_offsets ends at 4611686018427387904 "
            "(index 1) but coords holds 4 entries");
  // No rows at all is a batch of none.
  auto none = CoordinatesToWkb({.kind = CoordinateKind::kPolygon}, "a");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ((*none)->view().size(), 0u);
}

TEST_F(CoordinatesTest, WhatRowsHoldIsLeftToRowValidation) {
  // A one-point line and an open ring pass the array checks; each row's
  // validation or GEOS's reader then judges it alone.
  auto rows = CoordinatesToWkb({.kind = CoordinateKind::kLineString,
                                .coords = Bytes({0, 0, 1, kNaN, 2, 2}),
                                .geometry_offsets = {0, 1, 3}},
                               "a");
  ASSERT_TRUE(rows.ok());
  EXPECT_FALSE(ValidateWkb((*rows)->view().row(1), {}).ok());  // NaN.
}

TEST_F(CoordinatesTest, PlainRowsAreTheRowsTheWkbPathKeeps) {
  using Offsets = std::vector<uint64_t>;
  struct Case {
    const char* what;
    CoordinateKind kind;
    std::string coords;
    Offsets geometry, part, ring;
    bool plain;
  };
  const std::string square = Bytes({0, 0, 1, 0, 1, 1, 0, 0});
  const std::string open = Bytes({0, 0, 1, 0, 1, 1, 0, 1});
  const std::string line = Bytes({0, 0, 1, 1, 2, 2});
  const std::string nan_line = Bytes({0, 0, kNaN, 1, 2, 2});
  const std::string huge = Bytes({0, 0, 1e200, 1});
  const std::string points = Bytes({1, 2, kNaN, kNaN, 3, 4});
  const Case cases[] = {
      {"polygon", CoordinateKind::kPolygon, square, {0, 1}, {}, {0, 4}, true},
      {"open ring", CoordinateKind::kPolygon, open, {0, 1}, {}, {0, 4}, false},
      {"two-point ring",
       CoordinateKind::kPolygon,
       square.substr(0, 32),
       {0, 1},
       {},
       {0, 2},
       false},
      {"empty polygon row and a polygon",
       CoordinateKind::kPolygon,
       square,
       {0, 0, 1},
       {},
       {0, 4},
       true},
      {"a line of one point",
       CoordinateKind::kLineString,
       line,
       {0, 2, 2, 3},
       {},
       {},
       false},
      {"an empty line and a line",
       CoordinateKind::kLineString,
       line,
       {0, 0, 3},
       {},
       {},
       true},
      {"NaN in a line",
       CoordinateKind::kLineString,
       nan_line,
       {0, 3},
       {},
       {},
       false},
      {"beyond max_abs_coordinate",
       CoordinateKind::kLineString,
       huge,
       {0, 2},
       {},
       {},
       false},
      {"points and an empty point",
       CoordinateKind::kPoint,
       points,
       {},
       {},
       {},
       true},
      {"an empty point in a multipoint",
       CoordinateKind::kMultiPoint,
       points,
       {0, 3},
       {},
       {},
       false},
      {"an empty part of a multi line string",
       CoordinateKind::kMultiLineString,
       line,
       {0, 2},
       {0, 3, 3},
       {},
       false},
      {"an empty polygon in a multipolygon",
       CoordinateKind::kMultiPolygon,
       square,
       {0, 2},
       {0, 1, 1},
       {0, 4},
       false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const CoordinateArrayView array = {.kind = c.kind,
                                       .coords = c.coords,
                                       .geometry_offsets = c.geometry,
                                       .part_offsets = c.part,
                                       .ring_offsets = c.ring};
    const absl::StatusOr<size_t> rows = CheckCoordinates(array, "a");
    ASSERT_TRUE(rows.ok()) << rows.status();
    const CoordinateSlice slice(array, 0, *rows);
    EXPECT_EQ(PlainRows(slice, {}), c.plain);
    // Against the WKB path's own judgement, row by row (an empty row or an
    // empty point is left alone by both ways).
    auto wkb = CoordinatesToWkb(array, "a");
    ASSERT_TRUE(wkb.ok());
    bool kept = true;
    for (size_t i = 0; i < *rows; ++i) {
      const absl::string_view row = (*wkb)->view().row(i);
      const bool empty =
          slice.first_coordinate(i + 1) == slice.first_coordinate(i) ||
          (c.kind == CoordinateKind::kPoint &&
           std::isnan(Doubles(std::string(row.substr(5)))[0]));
      kept = kept && (empty || (ValidateWkb(row, {}).ok() && PlainWkb(row)));
    }
    EXPECT_EQ(kept, c.plain);
  }
  // The vertex limit, per row.
  const Offsets one_line = {0, 3};
  const CoordinateArrayView lines = {.kind = CoordinateKind::kLineString,
                                     .coords = line,
                                     .geometry_offsets = one_line};
  const CoordinateSlice slice(lines, 0, 1);
  EXPECT_TRUE(PlainRows(slice, {.max_vertices = 3}));
  EXPECT_FALSE(PlainRows(slice, {.max_vertices = 2}));
}

TEST_F(CoordinatesTest, SlicesRebaseTheirOffsets) {
  const std::string xy =
      Bytes({0, 0, 1, 0, 1, 1, 0, 0, 5, 5, 6, 5, 6, 6, 5, 5});
  const std::vector<uint64_t> geometry = {0, 1, 1, 2}, part = {0, 1, 2},
                              ring = {0, 4, 8};
  const CoordinateArrayView array = {.kind = CoordinateKind::kMultiPolygon,
                                     .coords = xy,
                                     .geometry_offsets = geometry,
                                     .part_offsets = part,
                                     .ring_offsets = ring};
  const CoordinateSlice tail(array, 1, 3);
  EXPECT_EQ(std::vector<uint64_t>(tail.view().geometry_offsets.begin(),
                                  tail.view().geometry_offsets.end()),
            (std::vector<uint64_t>{0, 0, 1}));
  EXPECT_EQ(std::vector<uint64_t>(tail.view().part_offsets.begin(),
                                  tail.view().part_offsets.end()),
            (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(std::vector<uint64_t>(tail.view().ring_offsets.begin(),
                                  tail.view().ring_offsets.end()),
            (std::vector<uint64_t>{0, 4}));
  EXPECT_EQ(tail.view().coords, xy.substr(64));
  EXPECT_EQ(tail.rows(), 2);
  EXPECT_EQ(tail.first_coordinate(0), 0);
  EXPECT_EQ(tail.first_coordinate(1), 0);
  EXPECT_EQ(tail.first_coordinate(2), 4);
  auto rows = CoordinatesToWkb(tail.view(), "a");
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(Wkt(**rows), (std::vector<std::string>{
                             "MULTIPOLYGON EMPTY",
                             "MULTIPOLYGON (((5 5, 6 5, 6 6, 5 5)))"}));
}

TEST_F(CoordinatesTest, SlicesOfPointsCountRowsAsCoordinates) {
  const std::string xy = Bytes({0, 0, 1, 1, 2, 2, 3, 3, 4, 4});
  const CoordinateArrayView points = {.kind = CoordinateKind::kPoint,
                                      .coords = xy};
  const CoordinateSlice middle(points, 1, 4);
  EXPECT_EQ(middle.view().coords, xy.substr(16, 48));
  EXPECT_EQ(middle.rows(), 3);
  for (size_t i = 0; i <= 3; ++i) EXPECT_EQ(middle.first_coordinate(i), i);
  EXPECT_EQ(middle.EndWithin(0, 2), 2);
  EXPECT_EQ(middle.EndWithin(1, 5), 3);
  EXPECT_EQ(middle.EndWithin(2, 0), 3);  // At least one row.
}

TEST_F(CoordinatesTest, EndWithinKeepsRunsWithinTheirCoordinates) {
  // Lines of 2, 0, 3 and 5 coordinates.
  const std::string xy(8 * 2 * 10, '\0');
  const std::vector<uint64_t> geometry = {0, 2, 2, 5, 10};
  const CoordinateArrayView lines = {.kind = CoordinateKind::kLineString,
                                     .coords = xy,
                                     .geometry_offsets = geometry};
  const CoordinateSlice all(lines, 0, 4);
  EXPECT_EQ(all.EndWithin(0, 1), 1);  // Row 0 alone holds more.
  EXPECT_EQ(all.EndWithin(0, 2), 2);  // The empty row joins the run.
  EXPECT_EQ(all.EndWithin(0, 4), 2);
  EXPECT_EQ(all.EndWithin(0, 5), 3);
  EXPECT_EQ(all.EndWithin(1, 3), 3);
  EXPECT_EQ(all.EndWithin(3, 100), 4);
  EXPECT_EQ(all.EndWithin(0, 100), 4);
}

TEST_F(CoordinatesTest, PlainRowsLooksPastTheFastPassForEmptyPoints) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::string empty_point = Bytes({1, 2, nan, nan, 3, 4});
  const CoordinateArrayView points = {.kind = CoordinateKind::kPoint,
                                      .coords = empty_point};
  EXPECT_TRUE(PlainRows(CoordinateSlice(points, 0, 3), {}));
  const std::string half_nan = Bytes({1, 2, nan, 5});
  const CoordinateArrayView bad = {.kind = CoordinateKind::kPoint,
                                   .coords = half_nan};
  EXPECT_FALSE(PlainRows(CoordinateSlice(bad, 0, 2), {}));
  const std::string far = Bytes({1, 2, 3, 1e300});
  const CoordinateArrayView beyond = {.kind = CoordinateKind::kPoint,
                                      .coords = far};
  EXPECT_FALSE(PlainRows(CoordinateSlice(beyond, 0, 2), {}));
}

TEST_F(CoordinatesTest, ColumnRoundTripsEveryKind) {
  const std::vector<std::vector<std::string>> kinds = {
      {"POINT (1 2)", "POINT EMPTY", "POINT (3 4)"},
      {"LINESTRING (0 0, 1 1)", "LINESTRING EMPTY", "LINESTRING (2 2, 3 3)"},
      {"POLYGON ((0 0, 1 0, 1 1, 0 0), (0.2 0.1, 0.9 0.1, 0.9 0.8, 0.2 0.1))",
       "POLYGON EMPTY"},
      {"MULTIPOINT (1 2, 3 4)", "MULTIPOINT EMPTY"},
      {"MULTILINESTRING ((0 0, 1 1), (2 2, 3 3, 4 4))"},
      {"MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
       "MULTIPOLYGON EMPTY"},
  };
  for (const auto& wkts : kinds) {
    CoordinateColumnBuilder builder;
    for (const std::string& wkt : wkts) {
      ASSERT_TRUE(builder.Append(Wkb(wkt)).ok()) << wkt;
    }
    CoordinateColumnBuilder::Column c = builder.Take();
    // Back to WKB through the input path, then to WKT.
    auto rows = CoordinatesToWkb({.kind = c.kind,
                                  .dimensions = c.dimensions,
                                  .coords = c.coords,
                                  .geometry_offsets = c.geometry_offsets,
                                  .part_offsets = c.part_offsets,
                                  .ring_offsets = c.ring_offsets},
                                 "round trip");
    ASSERT_TRUE(rows.ok()) << rows.status();
    EXPECT_EQ(Wkt(**rows), wkts);
  }
}

TEST_F(CoordinatesTest, ColumnPromotesPointsAndWidensToZ) {
  CoordinateColumnBuilder builder;
  ASSERT_TRUE(builder.Append(Wkb("POINT (1 2)")).ok());
  builder.AppendEmpty();  // A failed row.
  ASSERT_TRUE(builder.Append(Wkb("MULTIPOINT ((3 4), (5 6))")).ok());
  ASSERT_TRUE(builder.Append(Wkb("POINT Z (7 8 9)")).ok());
  EXPECT_EQ(builder.size(), 4u);
  CoordinateColumnBuilder::Column c = builder.Take();
  EXPECT_EQ(c.kind, CoordinateKind::kMultiPoint);
  EXPECT_EQ(c.dimensions, 3);
  ExpectSameDoubles(Doubles(c.coords),
                    {1, 2, kNaN, 3, 4, kNaN, 5, 6, kNaN, 7, 8, 9});
  EXPECT_EQ(c.geometry_offsets, (std::vector<uint64_t>{0, 1, 1, 3, 4}));
  EXPECT_TRUE(c.part_offsets.empty());
  EXPECT_EQ(builder.size(), 0u);  // Ready for the next chunk.
}

TEST_F(CoordinatesTest, ColumnPromotesLinesAndPolygons) {
  CoordinateColumnBuilder lines;
  ASSERT_TRUE(lines.Append(Wkb("LINESTRING (0 0, 1 1)")).ok());
  ASSERT_TRUE(lines.Append(Wkb("LINESTRING EMPTY")).ok());
  ASSERT_TRUE(
      lines.Append(Wkb("MULTILINESTRING ((2 2, 3 3), (4 4, 5 5))")).ok());
  CoordinateColumnBuilder::Column l = lines.Take();
  EXPECT_EQ(l.kind, CoordinateKind::kMultiLineString);
  EXPECT_EQ(l.geometry_offsets, (std::vector<uint64_t>{0, 1, 1, 3}));
  EXPECT_EQ(l.part_offsets, (std::vector<uint64_t>{0, 2, 4, 6}));

  CoordinateColumnBuilder polygons;
  ASSERT_TRUE(polygons.Append(Wkb("POLYGON EMPTY")).ok());
  ASSERT_TRUE(polygons.Append(Wkb("POLYGON ((0 0, 1 0, 1 1, 0 0))")).ok());
  ASSERT_TRUE(polygons
                  .Append(Wkb("MULTIPOLYGON (((5 5, 6 5, 6 6, 5 5)), ((7 7, "
                              "8 7, 8 8, 7 7)))"))
                  .ok());
  CoordinateColumnBuilder::Column p = polygons.Take();
  EXPECT_EQ(p.kind, CoordinateKind::kMultiPolygon);
  EXPECT_EQ(p.geometry_offsets, (std::vector<uint64_t>{0, 0, 1, 3}));
  EXPECT_EQ(p.part_offsets, (std::vector<uint64_t>{0, 1, 2, 3}));
  EXPECT_EQ(p.ring_offsets, (std::vector<uint64_t>{0, 4, 8, 12}));
}

TEST_F(CoordinatesTest, ColumnRefusesOtherFamiliesAndCollections) {
  CoordinateColumnBuilder builder;
  ASSERT_TRUE(builder.Append(Wkb("GEOMETRYCOLLECTION EMPTY")).ok());
  ASSERT_TRUE(builder.Append(Wkb("POINT (1 2)")).ok());
  const absl::Status line = builder.Append(Wkb("LINESTRING (0 0, 1 1)"));
  EXPECT_EQ(line.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(line.message(),
            "a LineString among points: a coordinate array holds one family "
            "of geometry; ask for WKB (result_encoding) to carry mixed "
            "results");
  const absl::Status collection =
      builder.Append(Wkb("GEOMETRYCOLLECTION (POINT (1 2))"));
  EXPECT_EQ(collection.code(), absl::StatusCode::kInvalidArgument);
  // Several values go in together or not at all.
  const std::string parts[] = {Wkb("POINT (5 6)"), Wkb("POLYGON EMPTY"),
                               Wkb("LINESTRING (0 0, 1 1)")};
  const absl::string_view views[] = {parts[0], parts[1], parts[2]};
  EXPECT_FALSE(builder.Append(views).ok());
  EXPECT_EQ(builder.size(), 2u);
  CoordinateColumnBuilder::Column c = builder.Take();
  EXPECT_EQ(c.kind, CoordinateKind::kPoint);
  ExpectSameDoubles(Doubles(c.coords), {kNaN, kNaN, 1, 2});
}

TEST_F(CoordinatesTest, AColumnOfEmptiesTakesTheirKind) {
  CoordinateColumnBuilder builder;
  builder.AppendEmpty();
  ASSERT_TRUE(builder.Append(Wkb("MULTIPOLYGON EMPTY")).ok());
  CoordinateColumnBuilder::Column c = builder.Take();
  EXPECT_EQ(c.kind, CoordinateKind::kMultiPolygon);
  EXPECT_EQ(c.geometry_offsets, (std::vector<uint64_t>{0, 0, 0}));
  EXPECT_EQ(c.part_offsets, (std::vector<uint64_t>{0}));
  EXPECT_EQ(c.ring_offsets, (std::vector<uint64_t>{0}));
}

}  // namespace
}  // namespace geosrpc::batch
