#include "server/layers/indexed_set.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/batches.h"

namespace geosrpc::layers {
namespace {

using testing::OwnedBatch;

std::shared_ptr<const IndexedSet> Build(const OwnedBatch& rows,
                                        std::string layer = "",
                                        RowTest test = nullptr) {
  IndexedSet::Builder builder(rows.view(), {}, Digest(rows.view()),
                              std::move(layer), test);
  geos::Context a, b;  // Two "workers", disjoint ranges.
  const size_t half = builder.size() / 2;
  builder.Decode(a, 0, half);
  builder.Decode(b, half, builder.size());
  return std::move(builder).Build();
}

// The digest clients compute (Python's hashlib gave these).
TEST(DigestTest, MatchesTheDocumentedFraming) {
  OwnedBatch rows({"POINT (1 2)", "LINESTRING (0 0, 1 1)"});
  EXPECT_EQ(Digest(rows.view()),
            "sha256:"
            "f72aedcd576dbbbd0c24e4cd9598a43414ab0a2f5f64d048cad2356cf7b1d3c9");
  OwnedBatch none;
  EXPECT_EQ(Digest(none.view(batch::Encoding::kWkb)),
            "sha256:"
            "a536aa3cede6ea3c1f3e0357c3c60e0f216a8c89b853df13b29daa8f85065dfb");
  // The same bytes cut into other rows are another set.
  OwnedBatch recut({"POINT (1 2)LINESTRING (0 0, 1 1)"});
  EXPECT_NE(Digest(recut.view()), Digest(rows.view()));
}

TEST(IndexedSetTest, IndexesDecodedRowsAndReportsTheRest) {
  OwnedBatch rows({"POINT (1 2)", "POLYGON ((0 0, 4 0, 4 3, 0 0))", "POINT (1",
                   "LINESTRING EMPTY", "POINT (9 9)"});
  auto set = Build(rows, "places");
  EXPECT_EQ(set->size(), 5u);
  EXPECT_EQ(set->tree().size(), 3u);  // Not the bad row, not the empty one.
  EXPECT_EQ(set->failed_rows(), 1u);
  ASSERT_EQ(set->errors().size(), 1u);
  EXPECT_EQ(set->errors()[0].row(), 2u);
  EXPECT_EQ(set->errors()[0].message(), "invalid WKT: unclosed '('");
  EXPECT_EQ(set->geometry(2), nullptr);
  EXPECT_NE(set->geometry(3), nullptr);
  EXPECT_TRUE(set->box(3).empty());
  EXPECT_EQ(set->box(1).xmax, 4);
  EXPECT_EQ(set->box(1).ymax, 3);

  const v1::IndexedSetInfo& info = set->info();
  EXPECT_EQ(info.layer(), "places");
  EXPECT_EQ(info.digest(), Digest(rows.view()));
  EXPECT_EQ(info.rows(), 5u);
  EXPECT_EQ(info.indexed(), 3u);
  EXPECT_EQ(info.vertices(), 1u + 4u + 1u);
  EXPECT_GT(info.bytes(), 0u);
  ASSERT_EQ(info.bounds_size(), 4);
  EXPECT_EQ(info.bounds(0), 0);
  EXPECT_EQ(info.bounds(3), 9);

  std::vector<uint32_t> hits;
  set->tree().Query({0.5, 0.5, 1.5, 2.5},
                    [&](uint32_t i) { hits.push_back(i); });
  std::sort(hits.begin(), hits.end());
  EXPECT_EQ(hits, (std::vector<uint32_t>{0, 1}));
}

TEST(IndexedSetTest, RecordsTheRowTestOfEveryDecodedRow) {
  OwnedBatch rows({"POINT (1 2)", "POINT EMPTY", "POINT (1"});
  auto set = Build(rows, "", [](GEOSContextHandle_t h, const GEOSGeometry* g) {
    return GEOSisEmpty_r(h, g) == 0;
  });
  EXPECT_TRUE(set->passes(0));
  EXPECT_FALSE(set->passes(1));
  EXPECT_FALSE(set->passes(2));
  auto untested = Build(rows);
  EXPECT_FALSE(untested->passes(0));
}

TEST(IndexedSetTest, AnEmptySetHasNaNBounds) {
  OwnedBatch rows;
  auto set = Build(rows);
  EXPECT_EQ(set->tree().size(), 0u);
  ASSERT_EQ(set->info().bounds_size(), 4);
  EXPECT_TRUE(std::isnan(set->info().bounds(0)));
}

}  // namespace
}  // namespace geosrpc::layers
