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
