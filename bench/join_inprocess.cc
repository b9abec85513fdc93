// The countries join in-process: the baseline Join is measured against.
// Uniform random points (bench_data.h) joined with `intersects` against the
// Natural Earth 1:10m countries, written as one would with GEOS's C API
// alone: the countries decoded from WKB into a GEOSSTRtree (index build
// timed), then T threads, each with its own GEOS context and its own
// prepared copy of each country it meets, take chunks of 1,024 points (as
// the server's workers do), decode them from WKB, query the tree and keep
// the pairs that GEOSPreparedIntersects_r confirms, as (row, country)
// columns like the pairs Join returns. Prints one line of JSON: the best of
// `repeat` runs (wall and CPU seconds), the pair count and an order-free
// digest of the pairs (bench_data.h's PairHash) to check the service's
// answer against.
//
//   join_inprocess --countries=/tmp/geosrpc-data/countries.hexwkb
//       --threads=2 --rows=1000000 --repeat=3
//   join_inprocess --rows=1000000 --write_points=/tmp/points.copy
#include <geos_c.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "bench/bench_data.h"
#include "server/geos/context.h"

ABSL_FLAG(std::string, countries, "",
          "The countries as hex-WKB lines (tests/data/countries.js)");
ABSL_FLAG(int, threads, 1, "Threads");
ABSL_FLAG(int, rows, 1000000, "Points");
ABSL_FLAG(int, repeat, 3, "Timed runs; the best is reported");
ABSL_FLAG(uint64_t, seed, 42, "Point seed (the same as join_rpc's)");
ABSL_FLAG(std::string, bounds, "",
          "xmin,ymin,xmax,ymax the points are drawn from (default: the "
          "countries' bounds)");
ABSL_FLAG(std::string, write_points, "",
          "Write the points as 'row<TAB>hex WKB' lines (PostgreSQL COPY) to "
          "this path and exit");

namespace geosrpc::bench {
namespace {

struct Run {
  double total_s = 0;  // Index build and join, wall.
  double index_s = 0;  // Decoding the countries and building the tree.
  double cpu_s = 0;    // CPU time, every thread.
  uint64_t pairs = 0;
  uint64_t hash = 0;
  uint64_t errors = 0;
};

// Computes every envelope a geometry caches lazily, before threads share
// it (GEOS 3.11 fills them on first use: a write).
void PrimeEnvelopes(GEOSContextHandle_t h, const GEOSGeometry* g) {
  double unused;
  GEOSGeom_getXMin_r(h, g, &unused);
  const int type = GEOSGeomTypeId_r(h, g);
  if (type == GEOS_POLYGON) {
    PrimeEnvelopes(h, GEOSGetExteriorRing_r(h, g));
    for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g); ++i) {
      PrimeEnvelopes(h, GEOSGetInteriorRingN_r(h, g, i));
    }
  } else if (type >= GEOS_MULTIPOINT) {
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) {
      PrimeEnvelopes(h, GEOSGetGeometryN_r(h, g, i));
    }
  }
}

// Tree items are row + 1 (never null).
void* ItemOf(size_t row) { return reinterpret_cast<void*>(row + 1); }
uint32_t RowOf(void* item) {
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(item) - 1);
}

Run Once(const WkbRows& countries, const WkbRows& points, Team& team,
         int threads) {
  Run run;
  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  geos::Context main;
  const GEOSContextHandle_t mh = main.handle();
  std::vector<geos::GeometryPtr> set;
  for (size_t i = 0; i < countries.size(); ++i) {
    set.push_back(*main.ReadWkb(countries.row(i)));
    PrimeEnvelopes(mh, set.back().get());
  }
  GEOSSTRtree* tree = GEOSSTRtree_create_r(mh, 10);
  for (size_t i = 0; i < set.size(); ++i) {
    GEOSSTRtree_insert_r(mh, tree, set[i].get(), ItemOf(i));
  }
  // GEOS 3.11 builds the tree on the first query: do it now, before the
  // threads share it.
  GEOSSTRtree_query_r(
      mh, tree, set[0].get(), [](void*, void*) {}, nullptr);
  run.index_s = absl::ToDoubleSeconds(absl::Now() - start);

  ChunkQueue chunks(points.size());
  std::vector<Run> results(threads);
  team.Run([&](int t) {
    geos::Context c;
    const GEOSContextHandle_t h = c.handle();
    // Declared after `set` (outside), destroyed first.
    std::vector<geos::PreparedPtr> prepared(set.size());
    std::vector<uint32_t> candidates;
    std::vector<uint64_t> a_rows, set_rows;
    Run r;  // Local: results[t] shares a cache line with its neighbour.
    for (size_t begin, end; chunks.Next(&begin, &end);) {
      for (size_t i = begin; i < end; ++i) {
        const geos::GeometryPtr point = *c.ReadWkb(points.row(i));
        candidates.clear();
        GEOSSTRtree_query_r(
            h, tree, point.get(),
            [](void* item, void* out) {
              static_cast<std::vector<uint32_t>*>(out)->push_back(RowOf(item));
            },
            &candidates);
        std::sort(candidates.begin(), candidates.end());
        for (const uint32_t id : candidates) {
          if (prepared[id] == nullptr) {
            prepared[id] =
                geos::PreparedPtr(GEOSPrepare_r(h, set[id].get()), {h});
          }
          switch (
              GEOSPreparedIntersects_r(h, prepared[id].get(), point.get())) {
            case 1:
              a_rows.push_back(i);
              set_rows.push_back(id);
              r.hash += PairHash(i, id);
              break;
            case 0:
              break;
            default:
              ++r.errors;
          }
        }
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
  Bounds bounds = kCountriesBounds;
  if (!absl::GetFlag(FLAGS_bounds).empty()) {
    absl::StatusOr<Bounds> b = ParseBounds(absl::GetFlag(FLAGS_bounds));
    if (!b.ok()) {
      std::fprintf(stderr, "%s\n", b.status().ToString().c_str());
      return 2;
    }
    bounds = *b;
  }
  const int rows = absl::GetFlag(FLAGS_rows);
  const int threads = absl::GetFlag(FLAGS_threads);
  const WkbRows points = RandomPoints(rows, bounds, absl::GetFlag(FLAGS_seed));
  if (!absl::GetFlag(FLAGS_write_points).empty()) {
    const absl::Status s =
        WriteCopyFile(points, absl::GetFlag(FLAGS_write_points));
    if (!s.ok()) std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return s.ok() ? 0 : 1;
  }
  absl::StatusOr<WkbRows> countries =
      ReadHexWkbLines(absl::GetFlag(FLAGS_countries));
  if (!countries.ok() || countries->size() == 0) {
    std::fprintf(
        stderr, "--countries: %s\n",
        countries.ok() ? "no rows" : countries.status().ToString().c_str());
    return 2;
  }
  Run best{1e300, 1e300, 1e300, 0, 0, 0};
  Team team(threads);
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    const Run run = Once(*countries, points, team, threads);
    best.total_s = std::min(best.total_s, run.total_s);
    best.index_s = std::min(best.index_s, run.index_s);
    best.cpu_s = std::min(best.cpu_s, run.cpu_s);
    best.pairs = run.pairs;
    best.hash = run.hash;
    best.errors = run.errors;
  }
  std::printf(
      "{\"threads\": %d, \"rows\": %d, \"set_rows\": %zu, \"join_s\": %.4f, "
      "\"index_s\": %.4f, \"cpu_s\": %.4f, \"rows_per_s\": %.0f, \"pairs\": "
      "%llu, "
      "\"pair_hash\": %llu, \"errors\": %llu}\n",
      threads, rows, countries->size(), best.total_s, best.index_s, best.cpu_s,
      rows / best.total_s, static_cast<unsigned long long>(best.pairs),
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
