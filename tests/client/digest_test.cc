#include "client/cpp/digest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "client/cpp/batch.h"

namespace geosrpc::client {
namespace {

// The known answer the server's Digest gives (tests/layers).
TEST(SetDigestTest, MatchesTheServersKnownAnswer) {
  const std::vector<std::string> rows = {"POINT (1 2)",
                                         "LINESTRING (0 0, 1 1)"};
  EXPECT_EQ(SetDigest(MakeBatch(v1::ENCODING_WKT, rows)),
            "sha256:f72aedcd576dbbbd0c24e4cd9598a43414ab0a2f5f64d048cad2356cf7"
            "b1d3c9");
}

TEST(SetDigestTest, UnspecifiedEncodingIsWkb) {
  const std::vector<std::string> rows = {PointWkb(1, 2), PointWkb(3, 4)};
  v1::GeometryBatch batch = MakeBatch(v1::ENCODING_WKB, rows);
  const std::string wkb = SetDigest(batch);
  batch.set_encoding(v1::ENCODING_UNSPECIFIED);
  EXPECT_EQ(SetDigest(batch), wkb);
  batch.set_encoding(v1::ENCODING_HEX_WKB);
  EXPECT_NE(SetDigest(batch), wkb);
}

// Row boundaries count: the same bytes cut differently differ.
TEST(SetDigestTest, RowBoundariesCount) {
  const std::vector<std::string> ab = {"ab", "c"};
  const std::vector<std::string> a_bc = {"a", "bc"};
  EXPECT_NE(SetDigest(MakeBatch(v1::ENCODING_WKT, ab)),
            SetDigest(MakeBatch(v1::ENCODING_WKT, a_bc)));
}

TEST(SetDigestTest, EmptyBatchWithOrWithoutOffsets) {
  v1::GeometryBatch none;
  none.set_encoding(v1::ENCODING_WKB);
  v1::GeometryBatch zero = none;
  zero.add_offsets(0);
  EXPECT_EQ(SetDigest(none), SetDigest(zero));
  EXPECT_EQ(SetDigest(none).size(), 7u + 64u);
}

TEST(SetDigestTest, NoneForCoordinates) {
  v1::GeometryBatch batch;
  batch.set_encoding(v1::ENCODING_COORDINATES);
  batch.mutable_coordinates()->set_coords(std::string(16, '\0'));
  batch.mutable_coordinates()->add_geometry_offsets(0);
  batch.mutable_coordinates()->add_geometry_offsets(1);
  EXPECT_EQ(SetDigest(batch), "");
}

TEST(ParseJoinPredicateTest, TakesShapelysNamesAndWholeNames) {
  EXPECT_EQ(*ParseJoinPredicate("intersects"), v1::JOIN_PREDICATE_INTERSECTS);
  EXPECT_EQ(*ParseJoinPredicate("covered_by"), v1::JOIN_PREDICATE_COVERED_BY);
  EXPECT_EQ(*ParseJoinPredicate("Contains_Properly"),
            v1::JOIN_PREDICATE_CONTAINS_PROPERLY);
  EXPECT_EQ(*ParseJoinPredicate("dwithin"), v1::JOIN_PREDICATE_DWITHIN);
  EXPECT_EQ(*ParseJoinPredicate("envelope"), v1::JOIN_PREDICATE_ENVELOPE);
  EXPECT_EQ(*ParseJoinPredicate("JOIN_PREDICATE_WITHIN"),
            v1::JOIN_PREDICATE_WITHIN);
  const absl::Status bad = ParseJoinPredicate("near").status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("intersects, within, contains"),
            std::string::npos)
      << bad.message();
  EXPECT_FALSE(ParseJoinPredicate("unspecified").ok());
}

}  // namespace
}  // namespace geosrpc::client
