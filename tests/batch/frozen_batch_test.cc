#include "server/batch/frozen_batch.h"

#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/escaping.h"
#include "tests/testing/batches.h"
#include "tests/testing/random_geometries.h"

namespace geosrpc::batch {
namespace {

using testing::OwnedBatch;

std::shared_ptr<const FrozenBatch> Decode(const BatchView& view,
                                          GeometryLimits limits = {}) {
  geos::Context context;
  FrozenBatch::Builder builder(view, limits);
  builder.Decode(context, 0, view.size());
  return std::move(builder).Freeze();
}

TEST(FrozenBatchTest, DecodesWkbWktAndHexRows) {
  geos::Context context;
  OwnedBatch wkt, wkb, hex;
  for (const char* row : {"POINT (1 2)", "LINESTRING (0 0, 3 4)"}) {
    wkt.Add(row);
    auto g = context.ReadWkt(row);
    std::string bytes;
    ASSERT_TRUE(context.WriteWkb(g->get(), {}, &bytes).ok());
    wkb.Add(bytes);
    hex.Add(absl::BytesToHexString(bytes));
  }
  for (auto [batch, encoding] :
       {std::pair{&wkt, Encoding::kWkt}, std::pair{&wkb, Encoding::kWkb},
        std::pair{&hex, Encoding::kHexWkb}}) {
    auto frozen = Decode(batch->view(encoding));
    ASSERT_EQ(frozen->size(), 2u);
    double length;
    ASSERT_EQ(GEOSLength_r(context.handle(), frozen->geometry(1), &length), 1);
    EXPECT_EQ(length, 5.0);
    EXPECT_EQ(GEOSGeomTypeId_r(context.handle(), frozen->geometry(0)),
              GEOS_POINT);
  }
}

// The CLI sends each feature of a FeatureCollection as its own GeoJSON row,
// properties and all: GEOS reads a Feature's geometry, and a null geometry
// fails that row only, with a message that says so.
TEST(FrozenBatchTest, DecodesGeoJsonFeaturesAndRefusesANullGeometryPerRow) {
  OwnedBatch batch;
  batch.Add(R"({"type": "Feature", "properties": {"name": "a ]} \" [("},
               "geometry": {"type": "LineString",
                            "coordinates": [[0, 0], [3, 4]]}})");
  batch.Add(R"({"type": "Feature", "geometry": null, "properties": {}})");
  batch.Add(R"({"type": "Point", "coordinates": [1, 2]})");
  auto frozen = Decode(batch.view(Encoding::kGeoJson));
  ASSERT_EQ(frozen->size(), 3u);
  geos::Context context;
  double length;
  ASSERT_NE(frozen->geometry(0), nullptr) << frozen->status(0);
  ASSERT_EQ(GEOSLength_r(context.handle(), frozen->geometry(0), &length), 1);
  EXPECT_EQ(length, 5.0);
  EXPECT_EQ(frozen->geometry(1), nullptr);
  EXPECT_EQ(frozen->status(1).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(frozen->status(1).message(), "GeoJSON: null geometry");
  ASSERT_NE(frozen->geometry(2), nullptr) << frozen->status(2);
}

TEST(FrozenBatchTest, RejectsTruncatedWkbPerRowAndKeepsTheRest) {
  geos::Context context;
  OwnedBatch batch;
  batch.Add(absl::HexStringToBytes("0101000000000000000000F03F"));  // Cut.
  batch.Add(absl::HexStringToBytes(
      "0101000000000000000000F03F0000000000000040"));  // POINT (1 2)
  batch.Add("");
  auto frozen = Decode(batch.view(Encoding::kWkb));
  EXPECT_EQ(frozen->geometry(0), nullptr);
  EXPECT_EQ(frozen->status(0).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(frozen->status(0).message(),
            "invalid WKB at byte 5: claims 1 points but only 8 bytes remain");
  ASSERT_NE(frozen->geometry(1), nullptr);
  EXPECT_TRUE(frozen->status(1).ok());
  EXPECT_EQ(frozen->status(2).message(), "empty geometry");
}

TEST(FrozenBatchTest, HoldsParsedWktToTheWkbRules) {
  OwnedBatch batch;
  batch.Add("POINT (1e400 1)");  // Parses to an infinite coordinate.
  batch.Add("LINESTRING (0 0, 1 1, 2 2)");
  auto frozen = Decode(batch.view(Encoding::kWkt), {.max_vertices = 2});
  EXPECT_EQ(frozen->status(0).message(), "invalid WKT: non-finite coordinate");
  EXPECT_EQ(frozen->status(1).code(), absl::StatusCode::kResourceExhausted);
}

// A frozen batch is read by many threads, each with its own context; the
// answers match a single-threaded pass (and TSan sees no write: envelopes
// were primed at decode time, empties included).
TEST(FrozenBatchTest, ConcurrentReadersAgree) {
  testing::RandomGeometries random(11);
  OwnedBatch batch;
  for (const std::string& wkt : random.Wkts(400)) batch.Add(wkt);
  batch.Add("GEOMETRYCOLLECTION (POINT EMPTY, POLYGON EMPTY)");
  auto frozen = Decode(batch.view(Encoding::kWkt));

  auto sweep = [&frozen](std::vector<char>* out) {
    geos::Context context;
    for (size_t i = 0; i < frozen->size(); ++i) {
      for (size_t j = 0; j < frozen->size(); j += 7) {
        out->push_back(GEOSIntersects_r(context.handle(), frozen->geometry(i),
                                        frozen->geometry(j)));
      }
    }
  };
  std::vector<char> expected;
  sweep(&expected);
  std::vector<std::vector<char>> got(4);
  std::vector<std::thread> threads;
  for (auto& g : got) threads.emplace_back(sweep, &g);
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

}  // namespace
}  // namespace geosrpc::batch
