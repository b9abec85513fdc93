#include "client/cpp/batch.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"

namespace geosrpc::client {
namespace {

TEST(BatchBuilderTest, PacksRowsWithOffsets) {
  BatchBuilder builder(v1::ENCODING_WKT);
  builder.Add("POINT (1 2)");
  builder.Add("");
  builder.Add("POINT (3 4)");
  EXPECT_EQ(builder.size(), 3u);
  v1::GeometryBatch batch = builder.Build();
  EXPECT_EQ(batch.encoding(), v1::ENCODING_WKT);
  EXPECT_EQ(batch.data(), "POINT (1 2)POINT (3 4)");
  EXPECT_EQ(
      std::vector<uint64_t>(batch.offsets().begin(), batch.offsets().end()),
      (std::vector<uint64_t>{0, 11, 11, 22}));
  EXPECT_EQ(builder.size(), 0u);  // Left empty.
}

TEST(BatchBuilderTest, PointWkbIsIsoNdr) {
  EXPECT_EQ(absl::BytesToHexString(PointWkb(1, 2)),
            "0101000000000000000000f03f0000000000000040");
}

std::vector<uint64_t> Offsets(
    const google::protobuf::RepeatedField<uint64_t>& offsets) {
  return {offsets.begin(), offsets.end()};
}

TEST(SliceBatchTest, RebasesRowsOfBytes) {
  const v1::GeometryBatch batch =
      MakeBatch(v1::ENCODING_WKT, {"POINT (1 2)", "", "POINT (3 4)", "X"});
  absl::StatusOr<v1::GeometryBatch> tail = SliceBatch(batch, 1, 4);
  ASSERT_TRUE(tail.ok()) << tail.status();
  EXPECT_EQ(tail->encoding(), v1::ENCODING_WKT);
  EXPECT_EQ(tail->data(), "POINT (3 4)X");
  EXPECT_EQ(Offsets(tail->offsets()), (std::vector<uint64_t>{0, 0, 11, 12}));
  absl::StatusOr<v1::GeometryBatch> none = SliceBatch(batch, 2, 2);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(Offsets(none->offsets()), (std::vector<uint64_t>{0}));

  EXPECT_FALSE(SliceBatch(batch, 3, 5).ok());  // Past the rows.
  EXPECT_FALSE(SliceBatch(batch, 3, 2).ok());
  v1::GeometryBatch past = batch;
  past.mutable_offsets()->Set(4, 100);
  const absl::Status s = SliceBatch(past, 2, 4).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "offsets do not cover rows 2 to 4");
}

TEST(SliceBatchTest, SlicesEveryLevelOfCoordinates) {
  // Three multipolygons: two polygons (one with a hole), an empty one,
  // and one polygon; coordinates numbered 0 .. 19 by their x.
  v1::GeometryBatch batch;
  batch.set_encoding(v1::ENCODING_COORDINATES);
  v1::CoordinateArray* c = batch.mutable_coordinates();
  c->set_kind(v1::COORDINATE_KIND_MULTIPOLYGON);
  c->set_srid(4326);
  std::string coords;
  for (int i = 0; i < 20; ++i) {
    const double xy[2] = {static_cast<double>(i), 0};
    coords.append(reinterpret_cast<const char*>(xy), sizeof xy);
  }
  c->set_coords(coords);
  for (uint64_t v : {0, 2, 2, 3}) c->add_geometry_offsets(v);
  for (uint64_t v : {0, 2, 3, 4}) c->add_part_offsets(v);
  for (uint64_t v : {0, 5, 10, 15, 20}) c->add_ring_offsets(v);

  absl::StatusOr<v1::GeometryBatch> tail = SliceBatch(batch, 1, 3);
  ASSERT_TRUE(tail.ok()) << tail.status();
  const v1::CoordinateArray& t = tail->coordinates();
  EXPECT_EQ(t.kind(), v1::COORDINATE_KIND_MULTIPOLYGON);
  EXPECT_EQ(t.srid(), 4326);
  EXPECT_EQ(Offsets(t.geometry_offsets()), (std::vector<uint64_t>{0, 0, 1}));
  EXPECT_EQ(Offsets(t.part_offsets()), (std::vector<uint64_t>{0, 1}));
  EXPECT_EQ(Offsets(t.ring_offsets()), (std::vector<uint64_t>{0, 5}));
  EXPECT_EQ(t.coords(), coords.substr(16 * 15));

  // Points: rows are coordinates.
  v1::GeometryBatch points;
  points.set_encoding(v1::ENCODING_COORDINATES);
  points.mutable_coordinates()->set_kind(v1::COORDINATE_KIND_POINT);
  points.mutable_coordinates()->set_coords(coords);
  absl::StatusOr<v1::GeometryBatch> some = SliceBatch(points, 4, 7);
  ASSERT_TRUE(some.ok());
  EXPECT_EQ(some->coordinates().coords(), coords.substr(16 * 4, 16 * 3));
  EXPECT_FALSE(SliceBatch(points, 19, 21).ok());

  // A level that points past the one below.
  c->mutable_ring_offsets()->Set(4, 21);
  const absl::Status s = SliceBatch(batch, 2, 3).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "coordinates.ring_offsets do not cover rows 3 to 4");
}

TEST(MakeOperationTest, SetsTypedParametersByName) {
  v1::OperationInfo info;
  info.set_name("buffer");
  info.set_op(v1::OP_CODE_BUFFER);
  info.set_params_message("buffer");
  auto op = MakeOperation(info, {{"radius", "0.5"},
                                 {"quadsegs", "4"},
                                 {"cap_style", "flat"},
                                 {"join_style", "BUFFER_JOIN_STYLE_MITRE"},
                                 {"single_sided", "true"}});
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->buffer().radius(), 0.5);
  EXPECT_EQ(op->buffer().quadsegs(), 4);
  EXPECT_EQ(op->buffer().cap_style(), v1::BUFFER_CAP_STYLE_FLAT);
  EXPECT_EQ(op->buffer().join_style(), v1::BUFFER_JOIN_STYLE_MITRE);
  EXPECT_TRUE(op->buffer().single_sided());
  EXPECT_FALSE(op->buffer().has_mitre_limit());

  EXPECT_EQ(MakeOperation(info, {{"radius", "x"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeOperation(info, {{"nope", "1"}}).status().message(),
            "operation 'buffer' has no parameter 'nope'");
  info.clear_params_message();
  EXPECT_FALSE(MakeOperation(info, {{"radius", "1"}}).ok());
}

TEST(ParseParamsTest, ValuesMayHoldCommasAndEqualSigns) {
  using Params = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(*ParseParams("radius=1,quadsegs=2"),
            (Params{{"radius", "1"}, {"quadsegs", "2"}}));
  EXPECT_EQ(*ParseParams(""), Params{});
  EXPECT_EQ(*ParseParams("to_crs=+proj=utm +zone=33 +datum=WGS84,densify=1"),
            (Params{{"to_crs", "+proj=utm +zone=33 +datum=WGS84"},
                    {"densify", "1"}}));
  EXPECT_EQ(
      *ParseParams("from_crs=EPSG:4326,to_crs=PROJCRS[\"x\",BASEGEOGCRS[1,2]]"),
      (Params{{"from_crs", "EPSG:4326"},
              {"to_crs", "PROJCRS[\"x\",BASEGEOGCRS[1,2]]"}}));
  // A comma followed by something other than a name and '=' stays in the
  // value.
  EXPECT_EQ(*ParseParams("pattern=a,1=b"), (Params{{"pattern", "a,1=b"}}));
  EXPECT_EQ(ParseParams("radius").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ParseOpCodeTest, AcceptsNamesInAnyCase) {
  EXPECT_EQ(*ParseOpCode("distance"), v1::OP_CODE_DISTANCE);
  EXPECT_EQ(*ParseOpCode("Symmetric_Difference"),
            v1::OP_CODE_SYMMETRIC_DIFFERENCE);
  EXPECT_FALSE(ParseOpCode("op_unspecified").ok());
  EXPECT_FALSE(ParseOpCode("frobnicate").ok());
}

}  // namespace
}  // namespace geosrpc::client
