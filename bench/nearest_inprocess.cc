// Nearest neighbours in-process: the baseline Nearest is measured against.
// `rows` uniform random points (bench_data.h), each matched with the nearest
// of `set_rows` other random points, written as one would with GEOS's C API
// alone: the set decoded from WKB into a GEOSSTRtree (index build timed),
// then T threads, each with its own GEOS context, take chunks of 1,024
// points (as the server's workers do), decode them from WKB and ask
// GEOSSTRtree_nearest_generic_r for the nearest set point (distances by
// GEOSDistance_r, as GEOSSTRtree_nearest_r computes them; --api=geometry
// calls GEOSSTRtree_nearest_r itself), kept as (row, set row) columns like
// the pairs Nearest returns. GEOS returns one nearest item per row (no
// ties). Prints one line of JSON: the best of `repeat` runs (wall and CPU
// seconds), the pair count and an order-free digest of the pairs
// (bench_data.h's PairHash).
//
//   nearest_inprocess --threads=2 --rows=1000000 --set_rows=10000
#include <geos_c.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "bench/bench_data.h"
#include "server/geos/context.h"

ABSL_FLAG(int, threads, 1, "Threads");
ABSL_FLAG(int, rows, 1000000, "Points to match");
ABSL_FLAG(int, set_rows, 10000, "Points in the indexed set");
ABSL_FLAG(int, repeat, 3, "Timed runs; the best is reported");
ABSL_FLAG(uint64_t, seed, 42, "Seed of the points (the same as join_rpc's)");
ABSL_FLAG(uint64_t, set_seed, 7, "Seed of the set (the same as join_rpc's)");
ABSL_FLAG(std::string, bounds, "0,0,1,1",
          "xmin,ymin,xmax,ymax both sets are drawn from");
ABSL_FLAG(std::string, api, "generic",
          "generic: GEOSSTRtree_nearest_generic_r with a GEOSDistance_r "
          "callback; geometry: GEOSSTRtree_nearest_r on geometry items");

namespace geosrpc::bench {
namespace {

struct Run {
  double total_s = 0;  // Index build and search, wall.
  double index_s = 0;  // Decoding the set and building the tree.
  double cpu_s = 0;    // CPU time, every thread.
  uint64_t pairs = 0;
  uint64_t hash = 0;
  uint64_t errors = 0;
};

// What the tree holds, and what a search asks about: a geometry and its row.
struct Item {
  const GEOSGeometry* geometry;
  uint32_t row;
};

// GEOS calls this with two items (a tree item and the query's); it treats a
// zero return as failure.
int ItemDistance(const void* a, const void* b, double* distance,
                 void* context) {
  return GEOSDistance_r(static_cast<GEOSContextHandle_t>(context),
                        static_cast<const Item*>(a)->geometry,
                        static_cast<const Item*>(b)->geometry, distance);
}

Run Once(const WkbRows& set_wkb, const WkbRows& points, Team& team, int threads,
         bool generic) {
  Run run;
  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  geos::Context main;
  const GEOSContextHandle_t mh = main.handle();
  std::vector<geos::GeometryPtr> set;
  std::vector<Item> items;
  set.reserve(set_wkb.size());
  items.reserve(set_wkb.size());
  // --api=geometry: the tree's items are the geometries; their rows by
  // address.
  absl::flat_hash_map<const GEOSGeometry*, uint32_t> rows;
  GEOSSTRtree* tree = GEOSSTRtree_create_r(mh, 10);
  for (size_t i = 0; i < set_wkb.size(); ++i) {
    set.push_back(*main.ReadWkb(set_wkb.row(i)));
    items.push_back({set.back().get(), static_cast<uint32_t>(i)});
    if (generic) {
      GEOSSTRtree_insert_r(mh, tree, set.back().get(), &items.back());
    } else {
      GEOSSTRtree_insert_r(mh, tree, set.back().get(), set.back().get());
      rows[set.back().get()] = i;
    }
  }
  // GEOS 3.11 builds the tree on the first query: do it now, before the
  // threads share it.
  if (generic) {
    GEOSSTRtree_nearest_generic_r(mh, tree, &items[0], items[0].geometry,
                                  ItemDistance, mh);
  } else {
    GEOSSTRtree_nearest_r(mh, tree, items[0].geometry);
  }
  run.index_s = absl::ToDoubleSeconds(absl::Now() - start);

  ChunkQueue chunks(points.size());
  std::vector<Run> results(threads);
  team.Run([&](int t) {
    geos::Context c;
    const GEOSContextHandle_t h = c.handle();
    std::vector<uint64_t> a_rows, set_rows;
    Run r;  // Local: results[t] shares a cache line with its neighbour.
    for (size_t begin, end; chunks.Next(&begin, &end);) {
      for (size_t i = begin; i < end; ++i) {
        const geos::GeometryPtr point = *c.ReadWkb(points.row(i));
        uint32_t id;
        if (generic) {
          const Item query{point.get(), static_cast<uint32_t>(i)};
          const void* nearest = GEOSSTRtree_nearest_generic_r(
              h, tree, &query, point.get(), ItemDistance, h);
          if (nearest == nullptr) {
            ++r.errors;
            continue;
          }
          id = static_cast<const Item*>(nearest)->row;
        } else {
          const GEOSGeometry* nearest =
              GEOSSTRtree_nearest_r(h, tree, point.get());
          if (nearest == nullptr) {
            ++r.errors;
            continue;
          }
          id = rows.at(nearest);
        }
        a_rows.push_back(i);
        set_rows.push_back(id);
        r.hash += PairHash(i, id);
      }
    }
    r.pairs = a_rows.size();
    results[t] = r;
  });
  run.total_s = absl::ToDoubleSeconds(absl::Now() - start);
  run.cpu_s = CpuSeconds() - cpu_start;
  GEOSSTRtree_destroy_r(mh, tree);
  for (const Run& r : results) {
    run.pairs += r.pairs;
    run.hash += r.hash;
    run.errors += r.errors;
  }
  return run;
}

int Main() {
  absl::StatusOr<Bounds> bounds = ParseBounds(absl::GetFlag(FLAGS_bounds));
  if (!bounds.ok()) {
    std::fprintf(stderr, "%s\n", bounds.status().ToString().c_str());
    return 2;
  }
  const int rows = absl::GetFlag(FLAGS_rows);
  const int threads = absl::GetFlag(FLAGS_threads);
  const WkbRows points = RandomPoints(rows, *bounds, absl::GetFlag(FLAGS_seed));
  const WkbRows set = RandomPoints(absl::GetFlag(FLAGS_set_rows), *bounds,
                                   absl::GetFlag(FLAGS_set_seed));
  if (set.size() == 0) {
    std::fprintf(stderr, "--set_rows must be positive\n");
    return 2;
  }
  const std::string api = absl::GetFlag(FLAGS_api);
  if (api != "generic" && api != "geometry") {
    std::fprintf(stderr, "--api must be generic or geometry\n");
    return 2;
  }
  Run best{1e300, 1e300, 1e300, 0, 0, 0};
  Team team(threads);
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    const Run run = Once(set, points, team, threads, api == "generic");
    best.total_s = std::min(best.total_s, run.total_s);
    best.index_s = std::min(best.index_s, run.index_s);
    best.cpu_s = std::min(best.cpu_s, run.cpu_s);
    best.pairs = run.pairs;
    best.hash = run.hash;
    best.errors = run.errors;
  }
  std::printf(
      "{\"api\": \"%s\", \"threads\": %d, \"rows\": %d, \"set_rows\": %zu, "
      "\"nearest_s\": "
      "%.4f, \"index_s\": %.4f, \"cpu_s\": %.4f, \"rows_per_s\": %.0f, "
      "\"pairs\": %llu, "
      "\"pair_hash\": %llu, \"errors\": %llu}\n",
      api.c_str(), threads, rows, set.size(), best.total_s, best.index_s,
      best.cpu_s, rows / best.total_s,
      static_cast<unsigned long long>(best.pairs),
      static_cast<unsigned long long>(best.hash),
      static_cast<unsigned long long>(best.errors));
  return 0;
}

}  // namespace
}  // namespace geosrpc::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return geosrpc::bench::Main();
}
