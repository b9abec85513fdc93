#include "server/batch/decode.h"

#include <gtest/gtest.h>

#include <cmath>

#include "absl/strings/escaping.h"
#include "tests/testing/batches.h"

namespace geosrpc::batch {
namespace {

using testing::OwnedBatch;

std::string Wkb(const std::string& wkt) {
  geos::Context context;
  std::string bytes;
  EXPECT_TRUE(context.WriteWkb(context.ReadWkt(wkt)->get(), {}, &bytes).ok());
  return bytes;
}

TEST(ValidateShapeTest, NamesTheProblem) {
  std::string data = "abc";
  std::vector<uint64_t> good = {0, 1, 3}, decreasing = {0, 2, 1, 3},
                        short_end = {0, 2}, bad_start = {1, 3};
  auto shape = [&](const std::vector<uint64_t>& o) {
    return ValidateShape({Encoding::kWkb, data, absl::MakeConstSpan(o)}, "a");
  };
  EXPECT_TRUE(shape(good).ok());
  EXPECT_EQ(shape(decreasing).message(),
            "a: offsets decrease at index 2 (2 then 1)");
  EXPECT_EQ(shape(short_end).message(),
            "a: last offset is 2 but data holds 3 bytes");
  EXPECT_EQ(shape(bad_start).message(), "a: offsets[0] must be 0, got 1");
  EXPECT_FALSE(shape({}).ok());
  EXPECT_TRUE(ValidateShape({Encoding::kWkb, "", {}}, "a").ok());
}

TEST(DecodeRowsTest, KeepsEachRowsErrorAndDecodesTheRest) {
  OwnedBatch batch;
  batch.Add(Wkb("LINESTRING (0 0, 3 4)"));
  batch.Add(absl::HexStringToBytes("0101000000000000000000F03F"));  // Cut.
  batch.Add("");
  batch.Add(Wkb("POLYGON ((0 0, 1 0, 1 1, 0 0))"));
  geos::Context context;
  DecodedRows rows = DecodeRows(context, batch.view(Encoding::kWkb), {});
  ASSERT_EQ(rows.size(), 4u);
  double length = 0;
  ASSERT_EQ(GEOSLength_r(context.handle(), rows.geometries[0].get(), &length),
            1);
  EXPECT_EQ(length, 5.0);
  EXPECT_EQ(rows.geometries[1], nullptr);
  EXPECT_EQ(rows.statuses[1].message(),
            "invalid WKB at byte 5: claims 1 points but only 8 bytes remain");
  EXPECT_EQ(rows.statuses[2].message(), "empty geometry");
  EXPECT_NE(rows.geometries[3], nullptr);
  EXPECT_TRUE(rows.statuses[3].ok());
  EXPECT_EQ(rows.vertices, 2u + 4u);
}

TEST(DecodeRowsTest, DecodesTheRowsOfASubview) {
  OwnedBatch batch;
  for (const char* wkt : {"POINT (0 0)", "POINT (1 1)", "POINT (2 2)"}) {
    batch.Add(wkt);
  }
  geos::Context context;
  DecodedRows rows =
      DecodeRows(context, batch.view(Encoding::kWkt).rows(1, 3), {});
  ASSERT_EQ(rows.size(), 2u);
  double x = 0;
  ASSERT_EQ(GEOSGeomGetX_r(context.handle(), rows.geometries[1].get(), &x), 1);
  EXPECT_EQ(x, 2.0);
}

// Row by row, in any order, the rows DecodeRows gives: kept, decoded or
// failed, with the same vertices.
TEST(RowDecoderTest, DecodesEachRowAsDecodeRowsDoes) {
  OwnedBatch batch;
  batch.Add(Wkb("LINESTRING (0 0, 3 4)"));
  batch.Add(absl::HexStringToBytes("0101000000000000000000F03F"));  // Cut.
  batch.Add(Wkb("POINT (7 8)"));
  batch.Add(Wkb("POLYGON ((0 0, 1 0, 1 1, 0 0))"));
  geos::Context context;
  const GEOSContextHandle_t h = context.handle();
  const BatchView view = batch.view(Encoding::kWkb);
  // Keeps the lines as WKB.
  const auto lines = [](absl::string_view wkb) { return wkb[1] == 2; };
  const DecodedRows all = DecodeRows(context, view, {}, lines);
  RowDecoder decoder(context, view, {}, lines);
  uint64_t vertices = 0;
  for (const size_t i : {3, 0, 2, 1}) {
    SCOPED_TRACE(i);
    absl::StatusOr<geos::GeometryPtr> g = decoder.Decode(i, &vertices);
    ASSERT_EQ(g.ok(), all.statuses[i].ok()) << g.status();
    if (!g.ok()) {
      EXPECT_EQ(g.status(), all.statuses[i]);
    } else if (all.kept_as_wkb(i)) {
      EXPECT_EQ(*g, nullptr);
    } else {
      EXPECT_EQ(GEOSEqualsExact_r(h, g->get(), all.geometries[i].get(), 0), 1);
    }
  }
  EXPECT_TRUE(all.kept_as_wkb(0));
  EXPECT_EQ(vertices, all.vertices);
  EXPECT_EQ(vertices, 2u + 1u + 4u);
}

// PlainPoint reads 2D point rows, binary or hex, and leaves every other row
// (and every other encoding) to Decode.
TEST(RowDecoderTest, ReadsPlainPointsAndLeavesTheRest) {
  const std::vector<std::string> rows = {
      Wkb("POINT (7 8)"), Wkb("POINT Z (1 2 3)"), Wkb("POINT EMPTY"),
      Wkb("LINESTRING (0 0, 3 4)"),
      absl::HexStringToBytes("0101000000000000000000F03F")};  // Cut.
  OwnedBatch wkb, hex;
  for (const std::string& row : rows) {
    wkb.Add(row);
    hex.Add(absl::BytesToHexString(row));
  }
  geos::Context context;
  for (const auto& [batch, encoding] :
       {std::pair<OwnedBatch*, Encoding>{&wkb, Encoding::kWkb},
        {&hex, Encoding::kHexWkb}}) {
    RowDecoder decoder(context, batch->view(encoding), {});
    uint64_t vertices = 0;
    double x = 0, y = 0;
    EXPECT_TRUE(decoder.PlainPoint(0, &x, &y, &vertices));
    EXPECT_EQ(x, 7);
    EXPECT_EQ(y, 8);
    EXPECT_EQ(vertices, 1u);
    for (size_t i = 1; i < rows.size(); ++i) {
      SCOPED_TRACE(i);
      EXPECT_FALSE(decoder.PlainPoint(i, &x, &y, &vertices));
    }
    EXPECT_EQ(vertices, 1u);
  }
  OwnedBatch wkt;
  wkt.Add("POINT (7 8)");
  RowDecoder decoder(context, wkt.view(Encoding::kWkt), {});
  uint64_t vertices = 0;
  double x, y;
  EXPECT_FALSE(decoder.PlainPoint(0, &x, &y, &vertices));
}

// A 2D point row is built without GEOS's reader (ReadPlainXyPoint): the
// geometry must be the one the reader gives, in either byte order and as
// hex, and its info the same.
TEST(DecodeRowTest, BuildsPointsAsGeosReadsThem) {
  geos::Context context;
  const GEOSContextHandle_t h = context.handle();
  for (const bool big_endian : {false, true}) {
    std::string wkb;
    auto wkt = context.ReadWkt("POINT (-3.25 1e-300)");
    ASSERT_TRUE(wkt.ok());
    ASSERT_TRUE(
        context.WriteWkb(wkt->get(), {.big_endian = big_endian}, &wkb).ok());
    absl::StatusOr<geos::GeometryPtr> expected = context.ReadWkb(wkb);
    ASSERT_TRUE(expected.ok());
    for (const Encoding e : {Encoding::kWkb, Encoding::kHexWkb}) {
      std::string scratch;
      WkbInfo info;
      absl::StatusOr<geos::GeometryPtr> g = DecodeRow(
          context, e, e == Encoding::kWkb ? wkb : absl::BytesToHexString(wkb),
          {}, &scratch, &info);
      ASSERT_TRUE(g.ok()) << g.status();
      EXPECT_EQ(GEOSEqualsExact_r(h, g->get(), expected->get(), 0), 1);
      EXPECT_EQ(GEOSGeomTypeId_r(h, g->get()), GEOS_POINT);
      EXPECT_EQ(GEOSGetSRID_r(h, g->get()), 0);
      EXPECT_EQ(GEOSGeom_getCoordinateDimension_r(h, g->get()), 2);
      EXPECT_EQ(info.vertices, 1u);
      EXPECT_EQ(info.min_x, -3.25);
      EXPECT_EQ(info.max_x, -3.25);
    }
  }
}

TEST(InspectRowTest, ReportsTheXExtentOfEveryEncoding) {
  geos::Context context;
  std::string scratch;
  const std::string wkt = "LINESTRING (3 0, -1 5, 2 2)";
  for (auto [encoding, bytes] :
       {std::pair{Encoding::kWkt, wkt}, std::pair{Encoding::kWkb, Wkb(wkt)},
        std::pair{Encoding::kHexWkb, absl::BytesToHexString(Wkb(wkt))},
        std::pair{Encoding::kGeoJson,
                  std::string("{\"type\":\"LineString\",\"coordinates\":"
                              "[[3,0],[-1,5],[2,2]]}")}}) {
    absl::StatusOr<WkbInfo> info =
        InspectRow(context, encoding, bytes, {}, &scratch);
    ASSERT_TRUE(info.ok()) << info.status();
    EXPECT_EQ(info->min_x, -1);
    EXPECT_EQ(info->max_x, 3);
    EXPECT_EQ(info->vertices, 3u);
  }
}

TEST(InspectRowTest, AnEmptyGeometryHasNoExtentAndABadRowItsError) {
  geos::Context context;
  std::string scratch;
  absl::StatusOr<WkbInfo> empty = InspectRow(
      context, Encoding::kWkb, Wkb("MULTIPOINT EMPTY"), {}, &scratch);
  ASSERT_TRUE(empty.ok());
  EXPECT_GT(empty->min_x, empty->max_x);
  absl::StatusOr<WkbInfo> point =
      InspectRow(context, Encoding::kWkb, Wkb("POINT EMPTY"), {}, &scratch);
  ASSERT_TRUE(point.ok());
  EXPECT_GT(point->min_x, point->max_x);
  EXPECT_EQ(InspectRow(context, Encoding::kWkt, "POINT (1", {}, &scratch)
                .status()
                .message(),
            "invalid WKT: unclosed '('");
}

}  // namespace
}  // namespace geosrpc::batch
