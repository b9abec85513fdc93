#include "server/layers/set_catalog.h"

#include <gtest/gtest.h>

#include "tests/testing/batches.h"

namespace geosrpc::layers {
namespace {

using testing::OwnedBatch;

std::shared_ptr<const IndexedSet> Build(const OwnedBatch& rows,
                                        std::string layer = "") {
  IndexedSet::Builder builder(rows.view(), {}, Digest(rows.view()),
                              std::move(layer));
  geos::Context context;
  builder.Decode(context, 0, builder.size());
  return std::move(builder).Build();
}

TEST(SetCatalogTest, FindsLayersByNameAndDigest) {
  SetCatalog catalog;
  OwnedBatch rows({"POINT (1 2)"});
  auto layer = Build(rows, "towns");
  ASSERT_TRUE(catalog.AddLayer(layer).ok());
  EXPECT_EQ(catalog.AddLayer(Build(rows, "towns")).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(catalog.FindLayer("towns"), layer);
  EXPECT_EQ(catalog.FindLayer("cities"), nullptr);
  EXPECT_EQ(catalog.FindDigest(layer->info().digest()), layer);
  EXPECT_EQ(catalog.FindDigest("sha256:00"), nullptr);
  ASSERT_EQ(catalog.Layers().size(), 1u);
  EXPECT_EQ(catalog.Layers()[0].layer(), "towns");
  EXPECT_EQ(catalog.cached_sets(), 0u);  // Layers are not "sent sets".
}

TEST(SetCatalogTest, KeepsSentSetsWithinItsBytesLeastRecentlyUsedOut) {
  OwnedBatch x({"POINT (0 0)"}), y({"POINT (1 1)"}), z({"POINT (2 2)"});
  auto sx = Build(x), sy = Build(y), sz = Build(z);
  const uint64_t each = sx->info().bytes();
  ASSERT_EQ(sy->info().bytes(), each);
  SetCatalog catalog(2 * each);
  catalog.Remember(sx);
  catalog.Remember(sy);
  EXPECT_EQ(catalog.FindDigest(sx->info().digest()), sx);  // y is now oldest.
  catalog.Remember(sz);
  EXPECT_EQ(catalog.cached_sets(), 2u);
  EXPECT_EQ(catalog.cached_bytes(), 2 * each);
  EXPECT_EQ(catalog.FindDigest(sy->info().digest()), nullptr);
  EXPECT_EQ(catalog.FindDigest(sx->info().digest()), sx);
  EXPECT_EQ(catalog.FindDigest(sz->info().digest()), sz);

  SetCatalog tiny(each - 1);
  tiny.Remember(sx);  // Larger than the whole budget: not kept.
  EXPECT_EQ(tiny.cached_sets(), 0u);
}

}  // namespace
}  // namespace geosrpc::layers
