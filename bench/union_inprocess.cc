// The union_all workload in-process: the baseline the service's reduction
// is measured against. The load client's `polygons` dataset (same seed, same
// rows), decoded from WKT, gathered into one collection and unioned by a
// single GEOSUnaryUnion_r call, as Shapely's union_all does. Prints one line
// of JSON: the best of `repeat` runs, decode excluded, and the area of the
// union (to check the service's answer against).
//
//   union_inprocess --rows=20000 --repeat=3
#include <geos_c.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "client/datasets/datasets.h"
#include "server/geos/context.h"

ABSL_FLAG(int, rows, 20000, "Polygons");
ABSL_FLAG(int, repeat, 3, "Timed runs; the best is reported");
ABSL_FLAG(uint64_t, seed, 42, "Dataset seed (same as geosrpc-load)");

namespace geosrpc::bench {
namespace {

int Main() {
  const v1::GeometryBatch batch = datasets::PolygonBatch(
      absl::GetFlag(FLAGS_rows), /*vertices=*/32, absl::GetFlag(FLAGS_seed));
  geos::Context context;
  double best = 1e300, area = 0;
  for (int run = 0; run < absl::GetFlag(FLAGS_repeat); ++run) {
    std::vector<GEOSGeometry*> parts;
    for (int i = 0; i + 1 < batch.offsets_size(); ++i) {
      const std::string wkt = batch.data().substr(
          batch.offsets(i), batch.offsets(i + 1) - batch.offsets(i));
      auto g = context.ReadWkt(wkt);
      if (!g.ok()) {
        std::fprintf(stderr, "row %d: %s\n", i, g.status().ToString().c_str());
        return 1;
      }
      parts.push_back(g->release());
    }
    const geos::GeometryPtr collection = context.Own(
        GEOSGeom_createCollection_r(context.handle(), GEOS_GEOMETRYCOLLECTION,
                                    parts.data(), parts.size()));
    const absl::Time start = absl::Now();
    const geos::GeometryPtr result =
        context.Own(GEOSUnaryUnion_r(context.handle(), collection.get()));
    best = std::min(best, absl::ToDoubleSeconds(absl::Now() - start));
    if (result == nullptr ||
        GEOSArea_r(context.handle(), result.get(), &area) != 1) {
      std::fprintf(stderr, "%s\n",
                   context.Error(absl::StatusCode::kInternal, "union")
                       .ToString()
                       .c_str());
      return 1;
    }
  }
  std::printf("{\"rows\": %d, \"union_s\": %.6f, \"area\": %.9g}\n",
              absl::GetFlag(FLAGS_rows), best, area);
  return 0;
}

}  // namespace
}  // namespace geosrpc::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return geosrpc::bench::Main();
}
