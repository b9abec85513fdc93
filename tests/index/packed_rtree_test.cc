#include "server/index/packed_rtree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>

namespace geosrpc::index {
namespace {

std::vector<Box> RandomBoxes(size_t n, uint32_t seed, double extent = 100) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> at(0, extent), size(0, 3);
  std::vector<Box> boxes;
  for (size_t i = 0; i < n; ++i) {
    const double x = at(rng), y = at(rng);
    // Some points (zero-size boxes), some empty.
    if (i % 17 == 0) {
      boxes.push_back(Box{});
    } else if (i % 3 == 0) {
      boxes.push_back({x, y, x, y});
    } else {
      boxes.push_back({x, y, x + size(rng), y + size(rng)});
    }
  }
  return boxes;
}

std::vector<uint32_t> BruteQuery(const std::vector<Box>& boxes,
                                 const Box& query) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < boxes.size(); ++i) {
    if (!boxes[i].empty() && boxes[i].Intersects(query)) out.push_back(i);
  }
  return out;
}

TEST(BoxTest, DistanceIsZeroWhenBoxesMeetAndEuclideanOtherwise) {
  const Box a{0, 0, 1, 1};
  EXPECT_EQ(a.Distance({1, 1, 2, 2}), 0);
  EXPECT_EQ(a.Distance({0.5, 0.5, 0.6, 0.6}), 0);
  EXPECT_EQ(a.Distance({4, 0, 5, 1}), 3);
  EXPECT_EQ(a.Distance({4, 5, 6, 6}), 5);  // dx 3, dy 4.
  EXPECT_TRUE(Box{}.empty());
  EXPECT_FALSE(a.empty());
}

TEST(PackedRTreeTest, QueryFindsExactlyTheBoxesThatMeet) {
  for (size_t n : {0, 1, 15, 16, 17, 300, 5000}) {
    const std::vector<Box> boxes = RandomBoxes(n, n + 1);
    const PackedRTree tree(boxes);
    size_t non_empty = 0;
    for (const Box& b : boxes) non_empty += !b.empty();
    EXPECT_EQ(tree.size(), non_empty);
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> at(-5, 105), size(0, 20);
    for (int q = 0; q < 200; ++q) {
      const double x = at(rng), y = at(rng);
      const Box query{x, y, x + size(rng), y + size(rng)};
      std::vector<uint32_t> got;
      tree.Query(query, [&](uint32_t id) { got.push_back(id); });
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, BruteQuery(boxes, query)) << "n=" << n << " q=" << q;
    }
  }
}

TEST(PackedRTreeTest, VisitsItemsInOrderOfBoxDistanceTiesByItem) {
  const std::vector<Box> boxes = RandomBoxes(3000, 11);
  const PackedRTree tree(boxes);
  PackedRTree::Scratch heap;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> at(-20, 120);
  for (int q = 0; q < 50; ++q) {
    const double x = at(rng), y = at(rng);
    const Box query{x, y, x, y};
    std::vector<std::pair<double, uint32_t>> got;
    tree.VisitByDistance(query, &heap, [&](uint32_t id, double d) {
      got.emplace_back(d, id);
      return true;
    });
    std::vector<std::pair<double, uint32_t>> expected;
    for (uint32_t i = 0; i < boxes.size(); ++i) {
      if (!boxes[i].empty()) expected.emplace_back(boxes[i].Distance(query), i);
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(got, expected);
  }
}

TEST(PackedRTreeTest, VisitingStopsWhenTheVisitorSaysSo) {
  const std::vector<Box> boxes = RandomBoxes(1000, 5);
  const PackedRTree tree(boxes);
  PackedRTree::Scratch heap;
  int visited = 0;
  tree.VisitByDistance({50, 50, 50, 50}, &heap,
                       [&](uint32_t, double) { return ++visited < 10; });
  EXPECT_EQ(visited, 10);
}

TEST(PackedRTreeTest, BoundsCoverEveryItem) {
  const PackedRTree tree({{0, 0, 1, 1}, Box{}, {-3, 2, -2, 9}});
  EXPECT_EQ(tree.bounds().xmin, -3);
  EXPECT_EQ(tree.bounds().ymax, 9);
  EXPECT_TRUE(PackedRTree({}).bounds().empty());
  EXPECT_TRUE(PackedRTree({Box{}}).bounds().empty());
}

// A built tree is only read: threads query it at once and each gets the
// answers a lone thread gets (ThreadSanitizer checks the reads).
TEST(PackedRTreeTest, ConcurrentQueriesAgree) {
  const std::vector<Box> boxes = RandomBoxes(20000, 9);
  const PackedRTree tree(boxes);
  auto sweep = [&tree](std::vector<uint64_t>* out) {
    PackedRTree::Scratch heap;
    for (int i = 0; i < 200; ++i) {
      const double x = i % 100, y = (i * 7) % 100;
      uint64_t sum = 0;
      tree.Query({x, y, x + 5, y + 5}, [&](uint32_t id) { sum += id; });
      int k = 0;
      tree.VisitByDistance({x, y, x, y}, &heap, [&](uint32_t id, double) {
        sum = sum * 31 + id;
        return ++k < 5;
      });
      out->push_back(sum);
    }
  };
  std::vector<uint64_t> expected;
  sweep(&expected);
  std::vector<std::vector<uint64_t>> got(4);
  std::vector<std::thread> threads;
  for (auto& g : got) threads.emplace_back(sweep, &g);
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

}  // namespace
}  // namespace geosrpc::index
