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
// With --coordinates (random points only), what a numpy user holding the
// points as an (n, 2) array would do, the baseline for transform_rpc
// --coordinates: the points are one interleaved x, y double array (made
// before the runs); each run allocates the output array (as np.empty, or
// pyproj's Transformer.transform returning new arrays), and the threads take
// chunks of rows, copy each chunk's coordinates into the output and
// transform them there in place with ONE proj_trans_generic call a chunk
// (x and y strides of 16 bytes), then mark the rows PROJ could not
// transform (not finite: NaN, NaN, as the service's coordinate results
// hold them). The timed run ends with the output filled (it is freed
// after).
//
// Prints one line of JSON: the best of `repeat` runs (wall and CPU seconds),
// the output bytes (WKB, or 16 a point with --coordinates), the rows PROJ
// could not transform, and xy_sum_milli: bench_data.h's XySum over every
// output coordinate of the rows without error, from one more run after the
// timed ones (untimed; --checksum=false skips it), to compare the modes
// with each other and with transform_rpc.
//
//   transform_inprocess --input=random:1000000 --bounds=-180,-85,180,85
//       --to_crs=EPSG:3857 --threads=2 --repeat=3
//   transform_inprocess --input=random:1000000 --bounds=-180,-85,180,85
//       --to_crs=EPSG:3857 --threads=2 --coordinates
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
ABSL_FLAG(bool, coordinates, false,
          "Random points only: transform them as one interleaved x, y array, "
          "one proj_trans_generic call a chunk of rows, into an output "
          "array (a numpy user's (n, 2) array)");
ABSL_FLAG(bool, checksum, true,
          "Digest the output (xy_sum_milli) in one more, untimed, run");

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
  uint64_t xy_sum = 0;  // XySum over the output; only when asked.
};

// `g` with every coordinate transformed by `op`, or null when PROJ
// answers a non-finite value (a row error in the service). With `xy_sum`,
// adds XySum of the transformed coordinates to it.
GEOSGeometry* Reproject(GEOSContextHandle_t h, PJ* op, const GEOSGeometry* g,
                        std::vector<double>* xy, uint64_t* xy_sum) {
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
    if (xy_sum != nullptr) {
      for (unsigned i = 0; i < n; ++i) {
        *xy_sum += XySum((*xy)[2 * i], (*xy)[2 * i + 1]);
      }
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
        GEOSGeometry* part =
            Reproject(h, op, GEOSGetGeometryN_r(h, g, i), xy, xy_sum);
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

// One run of the WKB loops (GEOS, or --wkb); with `digest`, Run::xy_sum
// too.
Run Once(const WkbRows& rows, Team& team, std::vector<ThreadProj>& projs,
         int threads, bool digest) {
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
        uint64_t row_sum = 0;  // Added to r.xy_sum if the row succeeds.
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
                if (digest) {
                  for (size_t k = 0; k < n; ++k) {
                    row_sum += XySum(xyz[k * dims], xyz[k * dims + 1]);
                  }
                }
                return absl::OkStatus();
              },
              &out);
          if (!s.ok()) {
            out.resize(before);
            ++r.errors;
          } else {
            r.xy_sum += row_sum;
          }
          continue;
        }
        absl::StatusOr<geos::GeometryPtr> g = c.ReadWkb(rows.row(i));
        GEOSGeometry* result = g.ok() ? Reproject(h, op, g->get(), &xy,
                                                  digest ? &row_sum : nullptr)
                                      : nullptr;
        if (result == nullptr) {
          ++r.errors;
          continue;
        }
        r.xy_sum += row_sum;
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
    run.xy_sum += r.xy_sum;
  }
  return run;
}

// One run of --coordinates over `in` (x, y interleaved); with `digest`,
// Run::xy_sum too (after the output is complete).
Run OnceCoordinates(const std::vector<double>& in, Team& team,
                    std::vector<ThreadProj>& projs, int threads, bool digest) {
  Run run;
  const size_t n = in.size() / 2;
  ChunkQueue chunks(n, absl::GetFlag(FLAGS_chunk_rows));
  std::vector<Run> results(threads);
  const double cpu_start = CpuSeconds();
  const absl::Time start = absl::Now();
  // Not initialized, as np.empty: the threads' copies touch it first.
  std::unique_ptr<double[]> out(new double[2 * n]);
  team.Run([&](int t) {
    PJ* op = projs[t].op.get();
    constexpr size_t kStride = 2 * sizeof(double);
    Run r;  // Local: results[t] shares a cache line.
    for (size_t begin, end; chunks.Next(&begin, &end);) {
      double* xy = out.get() + 2 * begin;
      const size_t m = end - begin;
      std::copy(in.data() + 2 * begin, in.data() + 2 * end, xy);
      proj_trans_generic(op, PJ_FWD, xy, kStride, m, xy + 1, kStride, m,
                         nullptr, 0, 0, nullptr, 0, 0);
      for (size_t k = 0; k < m; ++k) {
        if (!std::isfinite(xy[2 * k]) || !std::isfinite(xy[2 * k + 1])) {
          xy[2 * k] = xy[2 * k + 1] = std::nan("");
          ++r.errors;
        }
      }
      r.bytes += m * kStride;
    }
    results[t] = r;
  });
  run.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  run.cpu_s = CpuSeconds() - cpu_start;
  for (const Run& r : results) {
    run.bytes += r.bytes;
    run.errors += r.errors;
  }
  if (digest) {
    for (size_t i = 0; i < n; ++i) {
      run.xy_sum += XySum(out[2 * i], out[2 * i + 1]);  // NaN adds nothing.
    }
  }
  return run;
}

int Main() {
  const std::string input = absl::GetFlag(FLAGS_input);
  const bool coordinates = absl::GetFlag(FLAGS_coordinates);
  WkbRows rows;
  size_t n = 0;
  if (coordinates && !absl::StartsWith(input, "random:")) {
    std::fprintf(
        stderr,
        "--coordinates: only points are supported (--input=random:N)\n");
    return 2;
  }
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
  // --coordinates: the points as one array, made before the runs.
  std::vector<double> xy;
  if (coordinates) {
    absl::StatusOr<std::vector<double>> read = PointCoordinates(rows);
    if (!read.ok()) {
      std::fprintf(stderr, "--coordinates: %s\n",
                   read.status().ToString().c_str());
      return 2;
    }
    xy = *std::move(read);
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
  const auto once = [&](bool digest) {
    return coordinates ? OnceCoordinates(xy, team, projs, threads, digest)
                       : Once(rows, team, projs, threads, digest);
  };
  Run best{1e300, 1e300, 0, 0};
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    const Run run = once(false);
    best.seconds = std::min(best.seconds, run.seconds);
    best.cpu_s = std::min(best.cpu_s, run.cpu_s);
    best.bytes = run.bytes;
    best.errors = run.errors;
  }
  const bool checksum = absl::GetFlag(FLAGS_checksum);
  if (checksum) best.xy_sum = once(true).xy_sum;
  // Destroyed on the threads that made them.
  team.Run([&](int t) {
    projs[t].op.reset();
    projs[t].context.reset();
  });
  const char* mode = coordinates                ? "coordinates"
                     : absl::GetFlag(FLAGS_wkb) ? "wkb"
                                                : "geos";
  std::printf(
      "{\"mode\": \"%s\", \"threads\": %d, \"rows\": %zu, "
      "\"seconds\": %.4f, \"cpu_s\": %.4f, \"setup_s\": %.4f, "
      "\"rows_per_s\": %.0f, \"bytes\": %llu, \"errors\": %llu",
      mode, threads, rows.size(), best.seconds, best.cpu_s, setup_s,
      rows.size() / best.seconds, static_cast<unsigned long long>(best.bytes),
      static_cast<unsigned long long>(best.errors));
  if (checksum) {
    std::printf(", \"xy_sum_milli\": %lld",
                static_cast<long long>(best.xy_sum));
  }
  std::printf("}\n");
  return 0;
}

}  // namespace
}  // namespace geosrpc::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return geosrpc::bench::Main();
}
