// The seed workload in-process: the baseline the service is measured
// against. T threads, each with its own GEOS context and its own prepared
// copy of the buffered multipoint, decode their share of the points from WKB
// and compute the distance — the same work the server does, without the
// network. Prints one line of JSON.
//
//   seed_inprocess --threads=2 --rows=120000 --repeat=5
#include <geos_c.h>

#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "client/datasets/datasets.h"
#include "server/geos/context.h"

ABSL_FLAG(int, threads, 1, "Threads");
ABSL_FLAG(int, rows, 120000, "Points");
ABSL_FLAG(int, repeat, 5, "Timed runs; the best is reported");
ABSL_FLAG(uint64_t, seed, 42, "Dataset seed (same as geosrpc-load)");

namespace geosrpc::bench {
namespace {

struct Run {
  double decode_and_compute = 0;  // Seconds, wall.
  double compute_only = 0;
  double checksum = 0;
};

Run Once(const datasets::SeedWorkload& w, const std::string& points_wkb,
         int threads) {
  const size_t n = w.points.size();
  std::vector<double> out(n);
  Run run;
  for (bool decode : {true, false}) {
    // compute_only: geometries decoded before the clock starts.
    std::vector<std::vector<geos::GeometryPtr>> pre(threads);
    std::vector<std::unique_ptr<geos::Context>> contexts;
    for (int t = 0; t < threads; ++t) {
      contexts.push_back(std::make_unique<geos::Context>());
    }
    auto slice = [&](int t) {
      return std::make_pair(n * t / threads, n * (t + 1) / threads);
    };
    if (!decode) {
      for (int t = 0; t < threads; ++t) {
        auto [lo, hi] = slice(t);
        for (size_t i = lo; i < hi; ++i) {
          pre[t].push_back(*contexts[t]->ReadWkb(
              absl::string_view(points_wkb).substr(i * 21, 21)));
        }
      }
    }
    const absl::Time start = absl::Now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        geos::Context& c = *contexts[t];
        auto mp = c.ReadWkt(w.multipoint_wkt);
        geos::GeometryPtr buffered = c.Own(
            GEOSBuffer_r(c.handle(), mp->get(), datasets::SeedWorkload::kRadius,
                         datasets::SeedWorkload::kQuadsegs));
        geos::PreparedPtr prepared(GEOSPrepare_r(c.handle(), buffered.get()),
                                   {c.handle()});
        auto [lo, hi] = slice(t);
        for (size_t i = lo; i < hi; ++i) {
          geos::GeometryPtr owned;
          const GEOSGeometry* p;
          if (decode) {
            owned =
                *c.ReadWkb(absl::string_view(points_wkb).substr(i * 21, 21));
            p = owned.get();
          } else {
            p = pre[t][i - lo].get();
          }
          GEOSPreparedDistance_r(c.handle(), prepared.get(), p, &out[i]);
        }
      });
    }
    for (auto& th : pool) th.join();
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    (decode ? run.decode_and_compute : run.compute_only) = seconds;
  }
  for (double d : out) run.checksum += d;
  return run;
}

}  // namespace
}  // namespace geosrpc::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int rows = absl::GetFlag(FLAGS_rows);
  const int threads = absl::GetFlag(FLAGS_threads);
  auto w = geosrpc::datasets::MakeSeedWorkload(rows, absl::GetFlag(FLAGS_seed));
  const std::string wkb =
      geosrpc::datasets::PointBatch(w.points, 0, rows).data();
  geosrpc::bench::Run best{1e9, 1e9, 0};
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    auto run = geosrpc::bench::Once(w, wkb, threads);
    best.decode_and_compute =
        std::min(best.decode_and_compute, run.decode_and_compute);
    best.compute_only = std::min(best.compute_only, run.compute_only);
    best.checksum = run.checksum;
  }
  std::printf(
      "{\"threads\": %d, \"rows\": %d, \"decode_and_compute_s\": %.4f, "
      "\"compute_only_s\": %.4f, \"rows_per_s\": %.0f, \"checksum\": %.6f}\n",
      threads, rows, best.decode_and_compute, best.compute_only,
      rows / best.decode_and_compute, best.checksum);
  return 0;
}
