#include "server/exec/strips.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/testing/batches.h"

namespace geosrpc::exec {
namespace {

using testing::OwnedBatch;

TEST(StripOrderTest, OrdersRowsByTheCentreOfTheirXExtentUnkeyedLast) {
  OwnedBatch rows;
  rows.Add("LINESTRING (10 0, 20 0)");         // 15
  rows.Add("POINT (1");                        // Undecodable: last.
  rows.Add("POINT (-3 7)");                    // -3
  rows.Add("POINT EMPTY");                     // No extent: last.
  rows.Add("POLYGON ((0 0, 8 0, 8 8, 0 0))");  // 4
  rows.Add("POINT (15 1)");                    // 15, after row 0 (stable).
  StripOrder strips(rows.view(), {});
  geos::Context context;
  strips.ComputeKeys(context, 0, 3);
  strips.ComputeKeys(context, 3, 6);
  strips.Sort();
  std::vector<size_t> order;
  for (size_t i = 0; i < 6; ++i) order.push_back(strips.row(i));
  EXPECT_EQ(order, (std::vector<size_t>{2, 4, 0, 5, 1, 3}));
}

TEST(StripOrderTest, GathersAStripAsABatchOfItsOwn) {
  OwnedBatch rows;
  rows.Add("POINT (3 0)");
  rows.Add("POINT (1 0)");
  rows.Add("POINT (2 0)");
  StripOrder strips(rows.view(), {});
  geos::Context context;
  strips.ComputeKeys(context, 0, 3);
  strips.Sort();
  std::string data;
  std::vector<uint64_t> offsets;
  batch::BatchView strip = strips.Gather(1, 3, &data, &offsets);
  ASSERT_EQ(strip.size(), 2u);
  EXPECT_EQ(strip.row(0), "POINT (2 0)");
  EXPECT_EQ(strip.row(1), "POINT (3 0)");
  EXPECT_EQ(strips.Describe(1, 3), "rows 0, 2");
  EXPECT_EQ(strips.Describe(0, 1), "row 1");
}

TEST(StripOrderTest, DescribesALongStripBriefly) {
  OwnedBatch rows;
  for (int i = 0; i < 20; ++i) rows.Add("POINT (0 0)");
  StripOrder strips(rows.view(), {});
  geos::Context context;
  strips.ComputeKeys(context, 0, 20);
  strips.Sort();
  EXPECT_EQ(strips.Describe(0, 20),
            "rows 0, 1, 2, 3, 4, 5, 6, 7, ... (20 rows)");
}

// Keys of disjoint ranges are written by different threads (as workers do).
TEST(StripOrderTest, KeysOfDisjointRangesMayBeReadConcurrently) {
  OwnedBatch rows;
  for (int i = 999; i >= 0; --i) {
    rows.Add("POINT (" + std::to_string(i) + " 0)");
  }
  StripOrder strips(rows.view(), {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&strips, t] {
      geos::Context context;
      strips.ComputeKeys(context, t * 250, (t + 1) * 250);
    });
  }
  for (auto& t : threads) t.join();
  strips.Sort();
  for (size_t i = 0; i < 1000; ++i) EXPECT_EQ(strips.row(i), 999 - i);
}

}  // namespace
}  // namespace geosrpc::exec
