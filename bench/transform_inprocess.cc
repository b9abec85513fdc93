// transform in-process: the baseline the service's `transform` is measured
// against. The same rows as transform_rpc sends (random points from
// bench_data.h, or the geometries of a hex-WKB file such as the Natural
// Earth countries), reprojected as one would with GEOS's and PROJ's C APIs
// alone: T threads started once (Team), each with its own PROJ context and
// its own transformation (proj_create_crs_to_crs, then
// proj_normalize_for_visualization: always_xy, as the service does), take
// chunks of rows (as the server's workers do), decode each row's WKB with
// GEOS, transform every coordinate sequence with one proj_trans_generic
// call, rebuild the geometry and write it as WKB (with its SRID), as the
// service answers. Each thread's context and transformation are made once,
// outside the timed runs (as the server's workers cache theirs); the time
// they take is reported apart (setup_s). With --wkb, plain rows skip GEOS:
// read from WKB, one proj_trans_generic call a coordinate sequence, written
// as WKB.
//
// Prints one line of JSON: the best of `repeat` runs (wall and CPU seconds),
// the output bytes, and the rows PROJ could not transform.
//
//   transform_inprocess --input=random:1000000 --bounds=-180,-85,180,85
//       --to_crs=EPSG:3857 --threads=2 --repeat=3
//   transform_inprocess --input=hexwkb:/tmp/geosrpc-bench-data/countries.hexwkb
//       --to_crs=EPSG:3035 --threads=2
#include <geos_c.h>
#include <proj.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "bench/bench_data.h"
#include "server/batch/wkb.h"
#include "server/geos/context.h"

ABSL_FLAG(std::string, input, "random:1000000",
          "random:N (points, --bounds, --seed) or hexwkb:PATH");
ABSL_FLAG(std::string, bounds, "-180,-85,180,85",
          "xmin,ymin,xmax,ymax random points are drawn from");
ABSL_FLAG(uint64_t, seed, 42, "Point seed (the same as transform_rpc's)");
ABSL_FLAG(std::string, from_crs, "EPSG:4326", "Source CRS");
ABSL_FLAG(std::string, to_crs, "EPSG:3857", "Target CRS");
ABSL_FLAG(int, srid, 3857, "SRID written with each result");
ABSL_FLAG(int, threads, 1, "Threads");
ABSL_FLAG(int, repeat, 3, "Timed runs; the best is reported");
ABSL_FLAG(int, chunk_rows, 1024, "Rows a thread takes at a time");
ABSL_FLAG(bool, wkb, false,
          "Transform plain rows (batch::PlainWkb: points, lines, polygons "
          "and their collections without M or empty parts) straight from WKB "
          "to WKB, with no GEOS geometry, as the service does");

namespace geosrpc::bench {
namespace {

struct ProjDeleter {
  void operator()(PJ* p) const { proj_destroy(p); }
};
struct ContextDeleter {
  void operator()(PJ_CONTEXT* c) const { proj_context_destroy(c); }
};

// One thread's PROJ state. The transformation is destroyed before its
// context.
struct ThreadProj {
  std::unique_ptr<PJ_CONTEXT, ContextDeleter> context;
  std::unique_ptr<PJ, ProjDeleter> op;
};

struct Run {
  double seconds = 0;
  double cpu_s = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;
};

// `g` with every coordinate transformed by `op`, or null when PROJ
// answers a non-finite value (a row error in the service).
GEOSGeometry* Reproject(GEOSContextHandle_t h, PJ* op, const GEOSGeometry* g,
                        std::vector<double>* xy) {
  if (GEOSisEmpty_r(h, g) == 1) return GEOSGeom_clone_r(h, g);
  const int type = GEOSGeomTypeId_r(h, g);
  auto sequence = [&](const GEOSGeometry* part) -> GEOSCoordSequence* {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, part);
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(h, seq, &n);
    xy->resize(2 * size_t{n});
    GEOSCoordSeq_copyToBuffer_r(h, seq, xy->data(), 0, 0);
    proj_trans_generic(op, PJ_FWD, xy->data(), 2 * sizeof(double), n,
                       xy->data() + 1, 2 * sizeof(double), n, nullptr, 0, 0,
                       nullptr, 0, 0);
    for (double v : *xy) {
      if (!std::isfinite(v)) return nullptr;
    }
    return GEOSCoordSeq_copyFromBuffer_r(h, xy->data(), n, 0, 0);
  };
  switch (type) {
    case GEOS_POINT:
    case GEOS_LINESTRING:
    case GEOS_LINEARRING: {
      GEOSCoordSequence* s = sequence(g);
      if (s == nullptr) return nullptr;
      return type == GEOS_POINT        ? GEOSGeom_createPoint_r(h, s)
             : type == GEOS_LINESTRING ? GEOSGeom_createLineString_r(h, s)
                                       : GEOSGeom_createLinearRing_r(h, s);
    }
    case GEOS_POLYGON: {
      std::vector<GEOSGeometry*> rings;
      const int holes = GEOSGetNumInteriorRings_r(h, g);
      for (int i = -1; i < holes; ++i) {
        GEOSCoordSequence* s =
            sequence(i < 0 ? GEOSGetExteriorRing_r(h, g)
                           : GEOSGetInteriorRingN_r(h, g, i));
        if (s == nullptr) {
          for (GEOSGeometry* r : rings) GEOSGeom_destroy_r(h, r);
          return nullptr;
        }
        rings.push_back(GEOSGeom_createLinearRing_r(h, s));
      }
      return GEOSGeom_createPolygon_r(h, rings[0], rings.data() + 1,
                                      rings.size() - 1);
    }
    default: {
      std::vector<GEOSGeometry*> parts;
      for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
        GEOSGeometry* part = Reproject(h, op, GEOSGetGeometryN_r(h, g, i), xy);
        if (part == nullptr) {
          for (GEOSGeometry* p : parts) GEOSGeom_destroy_r(h, p);
          return nullptr;
        }
        parts.push_back(part);
      }
      return GEOSGeom_createCollection_r(h, type, parts.data(), parts.size());
    }
  }
}

Run Once(const WkbRows& rows, Team& team, std::vector<ThreadProj>& projs,
         int threads) {
  Run run;
  ChunkQueue chunks(rows.size(), absl::GetFlag(FLAGS_chunk_rows));
  std::vector<Run> results(threads);
  const int srid = absl::GetFlag(FLAGS_srid);
  const bool wkb = absl::GetFlag(FLAGS_wkb);
  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  team.Run([&](int t) {
    geos::Context c;
    const GEOSContextHandle_t h = c.handle();
    GEOSWKBWriter* writer = GEOSWKBWriter_create_r(h);
    GEOSWKBWriter_setIncludeSRID_r(h, writer, 1);
    PJ* op = projs[t].op.get();
    std::vector<double> xy;
    std::string out;  // The chunk's results, as the server packs them.
    Run r;            // Local: results[t] shares a cache line.
    for (size_t begin, end; chunks.Next(&begin, &end);) {
      out.clear();
      for (size_t i = begin; i < end; ++i) {
        if (wkb && batch::PlainWkb(rows.row(i))) {
          const size_t before = out.size();
          const absl::Status s = batch::RewriteWkb(
              rows.row(i), srid,
              [&](const double* in, double* xyz, size_t n, int dims) {
                std::copy(in, in + n * dims, xyz);
                const size_t stride = dims * sizeof(double);
                proj_trans_generic(op, PJ_FWD, xyz, stride, n, xyz + 1, stride,
                                   n, dims == 3 ? xyz + 2 : nullptr,
                                   dims == 3 ? stride : 0, dims == 3 ? n : 0,
                                   nullptr, 0, 0);
                for (size_t k = 0; k < n * dims; ++k) {
                  if (!std::isfinite(xyz[k])) {
                    return absl::InvalidArgumentError("not finite");
                  }
                }
                return absl::OkStatus();
              },
              &out);
          if (!s.ok()) {
            out.resize(before);
            ++r.errors;
          }
          continue;
        }
        absl::StatusOr<geos::GeometryPtr> g = c.ReadWkb(rows.row(i));
        GEOSGeometry* result =
            g.ok() ? Reproject(h, op, g->get(), &xy) : nullptr;
        if (result == nullptr) {
          ++r.errors;
          continue;
        }
        GEOSSetSRID_r(h, result, srid);
        size_t size = 0;
        unsigned char* wkb = GEOSWKBWriter_write_r(h, writer, result, &size);
        out.append(reinterpret_cast<char*>(wkb), size);
        GEOSFree_r(h, wkb);
        GEOSGeom_destroy_r(h, result);
      }
      r.bytes += out.size();
    }
    GEOSWKBWriter_destroy_r(h, writer);
    results[t] = r;
  });
  run.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  run.cpu_s = CpuSeconds() - cpu_start;
  for (const Run& r : results) {
    run.bytes += r.bytes;
    run.errors += r.errors;
  }
  return run;
}

int Main() {
  const std::string input = absl::GetFlag(FLAGS_input);
  WkbRows rows;
  size_t n = 0;
  if (absl::StartsWith(input, "random:") &&
      absl::SimpleAtoi(input.substr(7), &n)) {
    absl::StatusOr<Bounds> b = ParseBounds(absl::GetFlag(FLAGS_bounds));
    if (!b.ok()) {
      std::fprintf(stderr, "--bounds: %s\n", b.status().ToString().c_str());
      return 2;
    }
    rows = RandomPoints(n, *b, absl::GetFlag(FLAGS_seed));
  } else if (absl::StartsWith(input, "hexwkb:")) {
    absl::StatusOr<WkbRows> read = ReadHexWkbLines(input.substr(7));
    if (!read.ok()) {
      std::fprintf(stderr, "--input: %s\n", read.status().ToString().c_str());
      return 2;
    }
    rows = *std::move(read);
  } else {
    std::fprintf(stderr, "--input must be random:N or hexwkb:PATH\n");
    return 2;
  }
  const int threads = absl::GetFlag(FLAGS_threads);
  Team team(threads);
  // Each thread's PROJ context and transformation, made on that thread.
  std::vector<ThreadProj> projs(threads);
  const absl::Time setup_start = absl::Now();
  bool failed = false;
  team.Run([&](int t) {
    ThreadProj& p = projs[t];
    p.context.reset(proj_context_create());
    proj_context_set_enable_network(p.context.get(), 0);
    p.op.reset(proj_create_crs_to_crs(
        p.context.get(), absl::GetFlag(FLAGS_from_crs).c_str(),
        absl::GetFlag(FLAGS_to_crs).c_str(), nullptr));
    if (p.op != nullptr) {
      p.op.reset(proj_normalize_for_visualization(p.context.get(), p.op.get()));
    }
    if (p.op == nullptr) failed = true;  // Read after Run returns.
  });
  const double setup_s = absl::ToDoubleSeconds(absl::Now() - setup_start);
  if (failed) {
    std::fprintf(stderr, "PROJ cannot transform %s to %s\n",
                 absl::GetFlag(FLAGS_from_crs).c_str(),
                 absl::GetFlag(FLAGS_to_crs).c_str());
    return 2;
  }
  Run best{1e300, 1e300, 0, 0};
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    const Run run = Once(rows, team, projs, threads);
    best.seconds = std::min(best.seconds, run.seconds);
    best.cpu_s = std::min(best.cpu_s, run.cpu_s);
    best.bytes = run.bytes;
    best.errors = run.errors;
  }
  // Destroyed on the threads that made them.
  team.Run([&](int t) {
    projs[t].op.reset();
    projs[t].context.reset();
  });
  std::printf(
      "{\"threads\": %d, \"rows\": %zu, \"seconds\": %.4f, \"cpu_s\": %.4f, "
      "\"setup_s\": %.4f, \"rows_per_s\": %.0f, \"bytes\": %llu, "
      "\"errors\": %llu}\n",
      threads, rows.size(), best.seconds, best.cpu_s, setup_s,
      rows.size() / best.seconds, static_cast<unsigned long long>(best.bytes),
      static_cast<unsigned long long>(best.errors));
  return 0;
}

}  // namespace
}  // namespace geosrpc::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return geosrpc::bench::Main();
}
