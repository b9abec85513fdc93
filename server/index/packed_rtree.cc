#include "server/index/packed_rtree.h"

#include <cmath>

namespace geosrpc::index {
namespace {

double CenterX(const Box& b) { return (b.xmin + b.xmax) / 2; }
double CenterY(const Box& b) { return (b.ymin + b.ymax) / 2; }

// Sort-Tile-Recursive: orders `entries` (anything with a `box`) so that
// every run of kNodeCapacity is a compact node: vertical slices by x, then
// runs by y within each slice.
template <typename T>
void TileOrder(std::vector<T>* entries) {
  const size_t n = entries->size();
  const size_t nodes =
      (n + PackedRTree::kNodeCapacity - 1) / PackedRTree::kNodeCapacity;
  const size_t slices =
      static_cast<size_t>(std::ceil(std::sqrt(static_cast<double>(nodes))));
  const size_t per_slice = slices * PackedRTree::kNodeCapacity;
  std::sort(entries->begin(), entries->end(), [](const T& a, const T& b) {
    return CenterX(a.box) < CenterX(b.box);
  });
  for (size_t begin = 0; begin < n; begin += per_slice) {
    const size_t end = std::min(n, begin + per_slice);
    std::sort(
        entries->begin() + begin, entries->begin() + end,
        [](const T& a, const T& b) { return CenterY(a.box) < CenterY(b.box); });
  }
}

}  // namespace

const Box PackedRTree::kNoBox;

PackedRTree::PackedRTree(const std::vector<Box>& boxes) {
  for (uint32_t i = 0; i < boxes.size(); ++i) {
    if (!boxes[i].empty()) items_.push_back({boxes[i], i});
  }
  if (items_.empty()) return;
  TileOrder(&items_);

  // The leaves, then each level above, until one node holds them all.
  std::vector<Node> level;
  for (uint32_t begin = 0; begin < items_.size(); begin += kNodeCapacity) {
    const uint32_t end =
        std::min<uint32_t>(items_.size(), begin + kNodeCapacity);
    Node leaf{{}, begin, end, true};
    for (uint32_t i = begin; i < end; ++i) leaf.box.Expand(items_[i].box);
    level.push_back(leaf);
  }
  for (;;) {
    if (level.size() > 1) TileOrder(&level);
    const uint32_t first = static_cast<uint32_t>(nodes_.size());
    nodes_.insert(nodes_.end(), level.begin(), level.end());
    if (level.size() == 1) break;
    std::vector<Node> parents;
    for (uint32_t begin = 0; begin < level.size(); begin += kNodeCapacity) {
      const uint32_t end =
          std::min<uint32_t>(level.size(), begin + kNodeCapacity);
      Node parent{{}, first + begin, first + end, false};
      for (uint32_t i = begin; i < end; ++i) parent.box.Expand(level[i].box);
      parents.push_back(parent);
    }
    level = std::move(parents);
  }
  nodes_.shrink_to_fit();
}

}  // namespace geosrpc::index
