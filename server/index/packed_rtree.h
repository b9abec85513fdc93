// PackedRTree: a read-only R-tree over item boxes, packed with the
// Sort-Tile-Recursive algorithm (Leutenegger et al., 1997) as GEOS's and
// Shapely's STRtree are.
//
// Built once from every item's box, it answers two questions: which items'
// boxes meet a box (Query), and which items lie nearest, in order of box
// distance (VisitByDistance), for k-nearest searches that refine box
// distances into exact ones. Items are their index in the boxes given;
// empty boxes are left out.
//
// Why not GEOS's STRtree: GEOS 3.11's C API builds its tree lazily on the
// first query (a write that concurrent readers would race on) and offers
// only the single nearest item, where geosrpc needs k nearest, ties and a
// distance bound; and this tree, being ours, is checked by ThreadSanitizer.
//
// Thread-safety: immutable after construction; any number of threads may
// query it at once.
#ifndef GEOSRPC_SERVER_INDEX_PACKED_RTREE_H_
#define GEOSRPC_SERVER_INDEX_PACKED_RTREE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace geosrpc::index {

// An axis-aligned box; empty when xmin > xmax.
struct Box {
  double xmin = std::numeric_limits<double>::infinity();
  double ymin = std::numeric_limits<double>::infinity();
  double xmax = -std::numeric_limits<double>::infinity();
  double ymax = -std::numeric_limits<double>::infinity();

  bool empty() const { return xmin > xmax || ymin > ymax; }
  bool Intersects(const Box& o) const {
    // Without short-circuits: one branch, not four, for the caller to
    // mispredict (queries test a node's children in a row).
    return (xmin <= o.xmax) & (o.xmin <= xmax) & (ymin <= o.ymax) &
           (o.ymin <= ymax);
  }
  // The smallest distance between a point of this box and one of `o`: 0
  // when they meet.
  double Distance(const Box& o) const {
    const double dx = std::max({0.0, o.xmin - xmax, xmin - o.xmax});
    const double dy = std::max({0.0, o.ymin - ymax, ymin - o.ymax});
    return dx == 0 ? dy : dy == 0 ? dx : std::sqrt(dx * dx + dy * dy);
  }
  void Expand(const Box& o) {
    xmin = std::min(xmin, o.xmin);
    ymin = std::min(ymin, o.ymin);
    xmax = std::max(xmax, o.xmax);
    ymax = std::max(ymax, o.ymax);
  }
  // This box grown by `d` on every side.
  Box Grown(double d) const { return {xmin - d, ymin - d, xmax + d, ymax + d}; }
};

class PackedRTree {
 public:
  // Children per node.
  // Eight, not GEOS's ten or Flatbush's sixteen: fewer boxes tested per
  // query, which is what a point probe of a join mostly does (the countries
  // join, bench/RESULTS.md).
  static constexpr uint32_t kNodeCapacity = 8;
  // Levels enough for 2^32 items (item ids are 32-bit).
  static constexpr int kMaxLevels = 11;
  static_assert(kNodeCapacity == 8, "kMaxLevels is ceil(log8(2^32))");
  static_assert(kNodeCapacity <= 32, "Query keeps a node's hits in 32 bits");

  // Scratch for VisitByDistance; one per thread, reused across searches.
  struct Entry {
    double distance;
    uint32_t index;  // A node, or (is_item) an item's id.
    bool is_item;
    bool operator>(const Entry& o) const {
      if (distance != o.distance) return distance > o.distance;
      if (is_item != o.is_item) return is_item;  // Nodes first...
      return index > o.index;                    // ...then items by id.
    }
  };
  using Scratch = std::vector<Entry>;

  // Indexes item i by boxes[i]; items with empty boxes are left out.
  explicit PackedRTree(const std::vector<Box>& boxes);

  PackedRTree(const PackedRTree&) = delete;
  PackedRTree& operator=(const PackedRTree&) = delete;

  // Items indexed.
  size_t size() const { return items_.size(); }
  // The box of every item indexed (empty when none).
  const Box& bounds() const {
    return nodes_.empty() ? kNoBox : nodes_.back().box;
  }
  // Bytes the tree holds.
  size_t bytes() const {
    return items_.capacity() * sizeof(Item) + nodes_.capacity() * sizeof(Node);
  }

  // Calls visit(item) for every item whose box meets `query`.
  template <typename Visit>
  void Query(const Box& query, Visit&& visit) const;

  // Calls visit(item, box_distance) for items in nondecreasing order of the
  // distance between their box and `query` (ties by item), until visit
  // returns false or every item was visited.
  template <typename Visit>
  void VisitByDistance(const Box& query, Scratch* heap, Visit&& visit) const;

 private:
  struct Item {
    Box box;
    uint32_t id;
  };
  // A node's children are items [begin, end) on level 0, else nodes
  // [begin, end) of the level below.
  struct Node {
    Box box;
    uint32_t begin;
    uint32_t end;
    bool leaf;
  };
  static const Box kNoBox;

  // Which of `node`'s children (entries [begin, end) of `children`) meet
  // `query`, as a bit mask, bit k for child begin + k: every one tested
  // without a branch.
  template <typename Child>
  static uint32_t Hits(const std::vector<Child>& children, const Node& node,
                       const Box& query) {
    uint32_t hits = 0;
    for (uint32_t i = node.begin; i < node.end; ++i) {
      hits |= uint32_t{children[i].box.Intersects(query)} << (i - node.begin);
    }
    return hits;
  }

  std::vector<Item> items_;
  // Level by level from the leaves up; the root is last.
  std::vector<Node> nodes_;
};

template <typename Visit>
void PackedRTree::Query(const Box& query, Visit&& visit) const {
  if (nodes_.empty() || !nodes_.back().box.Intersects(query)) return;
  // Levels number at most kMaxLevels; each holds at most kNodeCapacity - 1
  // siblings waiting on the stack, and the node being expanded adds
  // kNodeCapacity.
  uint32_t stack[kMaxLevels * kNodeCapacity];
  int depth = 0;
  stack[depth++] = static_cast<uint32_t>(nodes_.size() - 1);
  while (depth > 0) {
    const Node& node = nodes_[stack[--depth]];
    // Only the hits are visited: mostly few of a node's children.
    if (node.leaf) {
      for (uint32_t hits = Hits(items_, node, query); hits != 0;
           hits &= hits - 1) {
        visit(items_[node.begin + __builtin_ctz(hits)].id);
      }
      continue;
    }
    for (uint32_t hits = Hits(nodes_, node, query); hits != 0;
         hits &= hits - 1) {
      stack[depth++] = node.begin + __builtin_ctz(hits);
    }
  }
}

template <typename Visit>
void PackedRTree::VisitByDistance(const Box& query, Scratch* heap,
                                  Visit&& visit) const {
  heap->clear();
  if (nodes_.empty()) return;
  const auto push = [heap](Entry e) {
    heap->push_back(e);
    std::push_heap(heap->begin(), heap->end(), std::greater<Entry>());
  };
  const uint32_t root = static_cast<uint32_t>(nodes_.size() - 1);
  push({nodes_[root].box.Distance(query), root, false});
  while (!heap->empty()) {
    std::pop_heap(heap->begin(), heap->end(), std::greater<Entry>());
    const Entry e = heap->back();
    heap->pop_back();
    if (e.is_item) {
      if (!visit(e.index, e.distance)) return;
      continue;
    }
    const Node& node = nodes_[e.index];
    for (uint32_t i = node.begin; i < node.end; ++i) {
      if (node.leaf) {
        push({items_[i].box.Distance(query), items_[i].id, true});
      } else {
        push({nodes_[i].box.Distance(query), i, false});
      }
    }
  }
}

}  // namespace geosrpc::index

#endif  // GEOSRPC_SERVER_INDEX_PACKED_RTREE_H_
