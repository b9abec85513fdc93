#include "server/exec/compute_job.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/sync.h"
#include "server/batch/coordinates.h"
#include "server/geos/context.h"
#include "tests/testing/batches.h"
#include "tests/testing/random_geometries.h"

namespace geosrpc::exec {
namespace {

struct Outcome {
  absl::Status start;  // Start()'s result.
  std::vector<v1::ResultChunk> chunks;
  v1::ComputeSummary summary;
};

// Runs `request` on `pool` without gRPC; returns once on_done has run.
Outcome RunJob(WorkerPool* pool, const v1::ComputeRequest& request,
               ComputeLimits limits = {},
               absl::Time deadline = absl::InfiniteFuture(),
               std::function<void(ComputeJob*)> after_start = nullptr,
               OperandCache* operands = nullptr) {
  Outcome out;
  Mutex mu;
  Notification done;
  auto job = ComputeJob::Start(
      pool, &request, limits, deadline,
      {.on_chunk =
           [&](std::unique_ptr<v1::ResultChunk> chunk, std::shared_ptr<void>) {
             MutexLock lock(&mu);
             out.chunks.push_back(std::move(*chunk));
           },
       .on_done =
           [&](const v1::ComputeSummary& summary) {
             out.summary = summary;
             done.Notify();
           }},
      operands);
  out.start = job.status();
  if (!job.ok()) return out;
  if (after_start) after_start(job->get());
  done.WaitForNotification();
  return out;
}

class ComputeJobTest : public ::testing::Test {
 protected:
  void SetUp() override { pool_ = *WorkerPool::Create({.num_workers = 2}); }
  v1::ComputeRequest AreaRequest(int rows) {
    testing::RandomGeometries random(3);
    v1::ComputeRequest request;
    request.mutable_operation()->set_op(v1::OP_CODE_AREA);
    std::vector<std::string> wkts;
    for (int i = 0; i < rows; ++i) wkts.push_back(random.PolygonWkt(10));
    *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_WKT, wkts);
    return request;
  }
  std::unique_ptr<WorkerPool> pool_;
};

TEST_F(ComputeJobTest, CoversEveryRowExactlyOnceAcrossChunks) {
  v1::ComputeRequest request = AreaRequest(1000);
  request.set_chunk_rows(7);
  Outcome out = RunJob(pool_.get(), request);
  ASSERT_TRUE(out.start.ok()) << out.start;
  EXPECT_EQ(out.summary.status().code(), 0);
  EXPECT_EQ(out.summary.rows(), 1000u);
  EXPECT_EQ(out.summary.chunks(), 143u);  // ceil(1000 / 7)
  std::vector<int> seen(1000);
  for (const auto& c : out.chunks) {
    ASSERT_EQ(c.doubles().values_size(), static_cast<int>(c.row_count()));
    for (uint32_t i = 0; i < c.row_count(); ++i) {
      ++seen[c.row_offset() + i];
      EXPECT_GT(c.doubles().values(i), 0);
    }
  }
  for (int s : seen) EXPECT_EQ(s, 1);
}

TEST_F(ComputeJobTest, BroadcastMatchesDirectGeos) {
  testing::RandomGeometries random(5);
  std::vector<std::string> points;
  for (int i = 0; i < 500; ++i) points.push_back(random.PointWkt());
  const std::string polygon = random.PolygonWkt(50);
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_DISTANCE);
  *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_WKT, points);
  request.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKT);
  request.mutable_b_broadcast()->set_data(polygon);
  Outcome out = RunJob(pool_.get(), request);
  ASSERT_EQ(out.summary.status().code(), 0) << out.summary.status().message();

  geos::Context context;
  auto b = context.ReadWkt(polygon);
  for (const auto& c : out.chunks) {
    for (uint32_t i = 0; i < c.row_count(); ++i) {
      auto a = context.ReadWkt(points[c.row_offset() + i]);
      double expected;
      ASSERT_EQ(GEOSDistance_r(context.handle(), a->get(), b->get(), &expected),
                1);
      EXPECT_NEAR(c.doubles().values(i), expected, 1e-9 * (1 + expected));
    }
  }
}

// Row i's result bytes, or "error <code>: <message>".
std::map<uint64_t, std::string> RowResults(const Outcome& out) {
  std::map<uint64_t, std::string> rows;
  for (const v1::ResultChunk& c : out.chunks) {
    const v1::BinaryColumn& g = c.geometries();
    for (uint32_t i = 0; i < c.row_count(); ++i) {
      rows[c.row_offset() + i] =
          g.data().substr(g.offsets(i), g.offsets(i + 1) - g.offsets(i));
    }
    for (const v1::RowError& e : c.errors()) {
      rows[e.row()] = absl::StrCat("error ", e.code(), ": ", e.message());
    }
  }
  return rows;
}

TEST_F(ComputeJobTest, TransformsWkbByteForByteAsThroughGeos) {
  geos::Context context;
  const auto wkb = [&](const char* wkt, int srid, geos::WkbOptions options) {
    auto g = context.ReadWkt(wkt);
    EXPECT_TRUE(g.ok()) << wkt;
    GEOSSetSRID_r(context.handle(), g->get(), srid);
    options.include_srid = srid != 0;
    std::string out;
    EXPECT_TRUE(context.WriteWkb(g->get(), options, &out).ok());
    return out;
  };
  // Plain rows (the short way for binary WKB) and what goes through GEOS.
  const std::vector<std::string> rows = {
      wkb("POINT (10 50)", 0, {}),
      wkb("POINT (10 50)", 0, {.big_endian = true}),
      wkb("POINT Z (10 50 100)", 0, {.iso = true}),
      wkb("POINT (-3 40)", 4326, {}),
      wkb("POINT Z (-3 40 7)", 4326, {.big_endian = true}),
      wkb("POINT (500000 4649776)", 32633, {}),
      wkb("POINT (0 91)", 0, {}),  // Beyond the pole: a row error.
      wkb("POINT EMPTY", 4326, {}),
      wkb("LINESTRING (0 0, 1 1)", 4326, {}),
      absl::HexStringToBytes(  // ISO POINT M (1 2 3).
          "01D1070000000000000000F03F00000000000000400000000000000840"),
      wkb("POLYGON ((0 0, 20 0, 20 20, 0 0), (1 1, 2 1, 2 2, 1 1))", 4326,
          {.big_endian = true}),
      wkb("MULTIPOLYGON Z (((0 0 5, 1 0 5, 1 1 5, 0 0 5)), ((5 5 1, 6 5 1, 6 6 "
          "1, 5 5 1)))",
          0, {.iso = true}),
      wkb("GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 50 50))", 4326,
          {}),
      wkb("GEOMETRYCOLLECTION (POINT (1 2), POINT EMPTY)", 4326, {}),
      // Its second ring leaves the domain: the message names the point.
      wkb("MULTILINESTRING ((0 0, 1 1), (0 0, 0 95))", 4326, {}),
  };
  std::vector<std::string> hex;
  for (const std::string& r : rows) hex.push_back(absl::BytesToHexString(r));
  for (const char* from_crs : {"EPSG:4326", ""}) {
    for (double densify : {0.0, 5.0}) {
      SCOPED_TRACE(absl::StrCat("from_crs '", from_crs, "' densify ", densify));
      v1::ComputeRequest request;
      request.mutable_operation()->set_op(v1::OP_CODE_TRANSFORM);
      v1::TransformParams* params =
          request.mutable_operation()->mutable_transform();
      params->set_from_crs(from_crs);
      params->set_to_crs("EPSG:3857");
      params->set_densify(densify);
      *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_WKB, rows);
      const Outcome short_way = RunJob(pool_.get(), request);
      // Hex rows are decoded by GEOS, every one.
      *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_HEX_WKB, hex);
      const Outcome through_geos = RunJob(pool_.get(), request);
      ASSERT_EQ(short_way.summary.status().code(), 0);
      const std::map<uint64_t, std::string> ours = RowResults(short_way);
      ASSERT_EQ(ours.size(), rows.size());
      EXPECT_EQ(ours, RowResults(through_geos));
      // EPSG:4326: the UTM point's coordinates, (0, 91) and the line to
      // (0, 95) are out of range; SRIDs: the rows without one too, but
      // not the UTM point.
      EXPECT_EQ(short_way.summary.error_rows(), from_crs[0] ? 3 : 7);
      EXPECT_NE(ours.at(14).find("cannot transform (0 95)"), std::string::npos)
          << ours.at(14);
      // (10, 50) in Web Mercator, from the projection's formulas.
      auto g = context.ReadWkb(ours.at(0));
      ASSERT_TRUE(from_crs[0] ? g.ok() : !g.ok()) << ours.at(0);
      if (!g.ok()) continue;
      double x, y;
      GEOSGeomGetX_r(context.handle(), g->get(), &x);
      GEOSGeomGetY_r(context.handle(), g->get(), &y);
      constexpr double kR = 6378137, kPi = 3.14159265358979323846;
      EXPECT_NEAR(x, kR * 10 * kPi / 180, 1e-6);
      EXPECT_NEAR(y, kR * std::log(std::tan(kPi / 4 + 50 * kPi / 360)), 1e-6);
      EXPECT_EQ(GEOSGetSRID_r(context.handle(), g->get()), 3857);
    }
  }
}

// `wkts` as a coordinate batch, through the result column's builder.
v1::GeometryBatch CoordinateBatch(const std::vector<std::string>& wkts) {
  geos::Context context;
  batch::CoordinateColumnBuilder builder;
  for (const std::string& wkt : wkts) {
    std::string wkb;
    EXPECT_TRUE(context.WriteWkb(context.ReadWkt(wkt)->get(), {}, &wkb).ok());
    EXPECT_TRUE(builder.Append(wkb).ok()) << wkt;
  }
  batch::CoordinateColumnBuilder::Column c = builder.Take();
  v1::GeometryBatch out;
  out.set_encoding(v1::ENCODING_COORDINATES);
  v1::CoordinateArray* a = out.mutable_coordinates();
  a->set_kind(static_cast<v1::CoordinateKind>(c.kind));
  a->set_dimensions(c.dimensions);
  a->set_coords(c.coords);
  a->mutable_geometry_offsets()->Add(c.geometry_offsets.begin(),
                                     c.geometry_offsets.end());
  a->mutable_part_offsets()->Add(c.part_offsets.begin(), c.part_offsets.end());
  a->mutable_ring_offsets()->Add(c.ring_offsets.begin(), c.ring_offsets.end());
  return out;
}

// One value as comparable text: WKT of the geometry normalized, a multi
// geometry of one part as that part (a coordinate column promotes singles),
// "EMPTY" for any empty geometry.
std::string Canonical(geos::Context& context, absl::string_view wkb) {
  auto g = context.ReadWkb(wkb);
  if (!g.ok()) return absl::StrCat("unreadable: ", g.status().message());
  const GEOSContextHandle_t h = context.handle();
  if (GEOSisEmpty_r(h, g->get()) == 1) return "EMPTY";
  geos::GeometryPtr one(
      GEOSGeom_clone_r(h, GEOSGetNumGeometries_r(h, g->get()) == 1
                              ? GEOSGetGeometryN_r(h, g->get(), 0)
                              : g->get()),
      {h});
  GEOSNormalize_r(h, one.get());
  std::string wkt;
  EXPECT_TRUE(context.WriteWkt(one.get(), {}, &wkt).ok());
  return wkt;
}

// Each value of a job's chunks (by row, or by part for expanding
// operations), whichever column holds it, or its row's error.
std::map<uint64_t, std::string> CanonicalValues(const Outcome& out) {
  geos::Context context;
  std::map<uint64_t, std::string> values;
  for (const v1::ResultChunk& c : out.chunks) {
    std::vector<std::string> wkb;
    if (c.has_coordinates()) {
      const v1::CoordinateArray& a = c.coordinates();
      auto rows = batch::CoordinatesToWkb(
          {.kind = static_cast<batch::CoordinateKind>(a.kind()),
           .dimensions = static_cast<int>(a.dimensions()),
           .coords = a.coords(),
           .geometry_offsets = absl::MakeConstSpan(a.geometry_offsets()),
           .part_offsets = absl::MakeConstSpan(a.part_offsets()),
           .ring_offsets = absl::MakeConstSpan(a.ring_offsets())},
          "result");
      EXPECT_TRUE(rows.ok()) << rows.status();
      if (!rows.ok()) continue;
      const batch::BatchView view = (*rows)->view();
      for (size_t i = 0; i < view.size(); ++i) {
        wkb.push_back(std::string(view.row(i)));
      }
    } else {
      const v1::BinaryColumn& g = c.geometries();
      for (int i = 0; i + 1 < g.offsets_size(); ++i) {
        wkb.push_back(
            g.data().substr(g.offsets(i), g.offsets(i + 1) - g.offsets(i)));
      }
    }
    const bool parts = c.mapping() == v1::RESULT_MAPPING_PER_PART;
    for (size_t i = 0; i < wkb.size(); ++i) {
      const uint64_t key =
          parts ? c.source_rows(i) * 1000 + i : c.row_offset() + i;
      values[key] = Canonical(context, wkb[i]);
    }
    for (const v1::RowError& e : c.errors()) {
      values[e.row()] = absl::StrCat("error ", e.code(), ": ", e.message());
    }
  }
  return values;
}

TEST_F(ComputeJobTest, CoordinatesInAndOutAgreeWithWkt) {
  testing::RandomGeometries random(17);
  std::vector<std::string> polygons;
  for (int i = 0; i < 40; ++i) polygons.push_back(random.PolygonWkt(12));
  polygons.push_back(
      "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 4 2, 4 4, "
      "2 2))");
  polygons.push_back("POLYGON EMPTY");
  polygons.push_back("POLYGON ((0 0, 1 0, 1 1, 0 0))");
  for (v1::OpCode op : {v1::OP_CODE_CENTROID, v1::OP_CODE_BUFFER,
                        v1::OP_CODE_BOUNDARY, v1::OP_CODE_CONVEX_HULL,
                        v1::OP_CODE_GET_RINGS, v1::OP_CODE_TRANSFORM}) {
    SCOPED_TRACE(v1::OpCode_Name(op));
    v1::ComputeRequest request;
    request.mutable_operation()->set_op(op);
    if (op == v1::OP_CODE_BUFFER) {
      request.mutable_operation()->mutable_buffer()->set_radius(0.5);
    }
    if (op == v1::OP_CODE_TRANSFORM) {
      request.mutable_operation()->mutable_transform()->set_from_crs(
          "EPSG:4326");
      request.mutable_operation()->mutable_transform()->set_to_crs("EPSG:3857");
    }
    request.set_chunk_rows(7);
    *request.mutable_a() = testing::WktBatch(polygons);
    const Outcome wkt = RunJob(pool_.get(), request);
    *request.mutable_a() = CoordinateBatch(polygons);
    request.set_result_encoding(v1::ENCODING_COORDINATES);
    const Outcome coordinates = RunJob(pool_.get(), request);
    ASSERT_TRUE(coordinates.start.ok()) << coordinates.start;
    ASSERT_EQ(coordinates.summary.status().code(), 0);
    for (const v1::ResultChunk& c : coordinates.chunks) {
      EXPECT_TRUE(c.has_coordinates());
    }
    EXPECT_EQ(CanonicalValues(coordinates), CanonicalValues(wkt));
    EXPECT_EQ(coordinates.summary.result_rows(), wkt.summary.result_rows());
  }
}

TEST_F(ComputeJobTest, TransformsCoordinateRunsAsRowByRow) {
  // Arrays the coordinate kernel maps whole, and runs it leaves to the
  // row-by-row way: an empty point, a coordinate out of the domain, an
  // open ring, rows without an SRID.
  const std::vector<std::vector<std::string>> arrays = {
      {"POINT (10 50)", "POINT (-3 40)", "POINT (170 -60)", "POINT (0 0)"},
      {"POINT (10 50)", "POINT EMPTY", "POINT (1 2)"},
      {"POINT (10 50)", "POINT (0 91)", "POINT (1 2)", "POINT (3 4)"},
      {"POINT Z (10 50 100)", "POINT Z (1 2 3)"},
      {"LINESTRING (0 0, 10 10, 20 0)", "LINESTRING EMPTY",
       "LINESTRING (1 1, 2 2)"},
      {"POLYGON ((0 0, 20 0, 20 20, 0 0), (1 1, 2 1, 2 2, 1 1))",
       "POLYGON EMPTY", "POLYGON ((5 5, 6 5, 6 6, 5 5))"},
      {"MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
       "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))"},
      {"MULTILINESTRING ((0 0, 1 1), (0 0, 0 95))",
       "MULTILINESTRING ((1 "
       "1, 2 2))"},
  };
  for (size_t k = 0; k < arrays.size(); ++k) {
    for (bool srid : {true, false}) {
      for (uint32_t chunk_rows : {1u, 2u, 100u}) {
        SCOPED_TRACE(absl::StrCat("array ", k, " srid ", srid, " chunk_rows ",
                                  chunk_rows));
        v1::ComputeRequest request;
        request.mutable_operation()->set_op(v1::OP_CODE_TRANSFORM);
        v1::TransformParams* params =
            request.mutable_operation()->mutable_transform();
        if (!srid) params->set_from_crs("EPSG:4326");
        params->set_to_crs("EPSG:3857");
        request.set_chunk_rows(chunk_rows);
        request.set_result_encoding(v1::ENCODING_COORDINATES);
        *request.mutable_a() = CoordinateBatch(arrays[k]);
        if (srid) request.mutable_a()->mutable_coordinates()->set_srid(4326);
        // Small chunks: runs split by their bytes too.
        const Outcome runs =
            RunJob(pool_.get(), request, {.max_chunk_bytes = 100});
        ASSERT_TRUE(runs.start.ok()) << runs.start;
        ASSERT_EQ(runs.summary.status().code(), 0);
        // The same rows as WKB: every one the row-by-row way.
        auto wkb = batch::CoordinatesToWkb(
            {.kind = static_cast<batch::CoordinateKind>(
                 request.a().coordinates().kind()),
             .dimensions =
                 static_cast<int>(request.a().coordinates().dimensions()),
             .coords = request.a().coordinates().coords(),
             .geometry_offsets = absl::MakeConstSpan(
                 request.a().coordinates().geometry_offsets()),
             .part_offsets =
                 absl::MakeConstSpan(request.a().coordinates().part_offsets()),
             .ring_offsets =
                 absl::MakeConstSpan(request.a().coordinates().ring_offsets()),
             .srid = request.a().coordinates().srid()},
            "a");
        ASSERT_TRUE(wkb.ok());
        const batch::BatchView view = (*wkb)->view();
        *request.mutable_a() = testing::ProtoBatch(
            v1::ENCODING_WKB,
            std::vector<std::string>(
                view.data.data() == nullptr ? 0 : view.size(), ""));
        request.mutable_a()->set_data(std::string(view.data));
        request.mutable_a()->clear_offsets();
        for (uint64_t o : view.offsets) request.mutable_a()->add_offsets(o);
        const Outcome rows = RunJob(pool_.get(), request);
        EXPECT_EQ(CanonicalValues(runs), CanonicalValues(rows));
        EXPECT_EQ(runs.summary.error_rows(), rows.summary.error_rows());
        EXPECT_EQ(runs.summary.result_rows(), rows.summary.result_rows());
      }
    }
  }
}

TEST_F(ComputeJobTest, ACoordinateResultItsChunkCannotHoldIsARowError) {
  // envelope gives points for points and polygons for the rest: in one
  // chunk, the first decides.
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_ENVELOPE);
  *request.mutable_a() = testing::WktBatch(
      {"POINT (1 1)", "LINESTRING (0 0, 2 2)", "MULTIPOINT ((0 0), (3 3))",
       "POINT (2 2)", "LINESTRING (0 0, 1 nan)"});
  request.set_result_encoding(v1::ENCODING_COORDINATES);
  const Outcome out = RunJob(pool_.get(), request);
  ASSERT_EQ(out.chunks.size(), 1u);
  const v1::ResultChunk& c = out.chunks[0];
  EXPECT_EQ(c.coordinates().kind(), v1::COORDINATE_KIND_POINT);
  ASSERT_EQ(c.errors_size(), 3);
  EXPECT_EQ(c.errors(0).row(), 1u);
  EXPECT_EQ(c.errors(0).code(), 3);
  EXPECT_EQ(c.errors(0).message(),
            "a Polygon among points: a coordinate array holds one family of "
            "geometry; ask for WKB (result_encoding) to carry mixed results");
  EXPECT_EQ(c.errors(1).row(), 2u);
  EXPECT_EQ(c.errors(2).row(), 4u);  // Its input: WKT with a NaN.
  EXPECT_EQ(out.summary.error_rows(), 3u);
  // Five slots: two points, three placeholders (NaN, NaN).
  ASSERT_EQ(c.coordinates().coords().size(), 5 * 16u);
  const std::map<uint64_t, std::string> values = CanonicalValues(out);
  EXPECT_EQ(values.at(0), "POINT (1 1)");
  EXPECT_EQ(values.at(3), "POINT (2 2)");
}

TEST_F(ComputeJobTest, PartsAsCoordinatesKeepTheirSourceRows) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_GET_PARTS);
  *request.mutable_a() = CoordinateBatch(
      {"MULTIPOINT ((0 0), (1 1))", "MULTIPOINT EMPTY", "MULTIPOINT ((2 2))"});
  request.set_result_encoding(v1::ENCODING_COORDINATES);
  const Outcome out = RunJob(pool_.get(), request);
  ASSERT_EQ(out.chunks.size(), 1u);
  const v1::ResultChunk& c = out.chunks[0];
  EXPECT_EQ(c.coordinates().kind(), v1::COORDINATE_KIND_POINT);
  EXPECT_EQ(
      std::vector<uint64_t>(c.source_rows().begin(), c.source_rows().end()),
      (std::vector<uint64_t>{0, 0, 2}));
  const double want[] = {0, 0, 1, 1, 2, 2};
  ASSERT_EQ(c.coordinates().coords().size(), sizeof(want));
  EXPECT_EQ(std::memcmp(c.coordinates().coords().data(), want, sizeof(want)),
            0);
}

TEST_F(ComputeJobTest, SplitsChunksAtTheByteLimit) {
  testing::RandomGeometries random(9);
  std::vector<std::string> polygons;
  for (int i = 0; i < 200; ++i) polygons.push_back(random.PolygonWkt(100));
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_CONVEX_HULL);
  *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_WKT, polygons);
  request.set_chunk_rows(200);
  Outcome out = RunJob(pool_.get(), request, {.max_chunk_bytes = 4096});
  ASSERT_EQ(out.summary.status().code(), 0);
  EXPECT_GT(out.chunks.size(), 5u);
  uint64_t rows = 0;
  for (const auto& c : out.chunks) {
    rows += c.row_count();
    EXPECT_EQ(c.geometries().offsets_size(),
              static_cast<int>(c.row_count()) + 1);
    // One geometry may overshoot; never two.
    EXPECT_LT(c.geometries().data().size(), 4096u + 2000u);
  }
  EXPECT_EQ(rows, 200u);
}

TEST_F(ComputeJobTest, CancelStopsTheRemainingChunks) {
  v1::ComputeRequest request = AreaRequest(20000);
  request.set_chunk_rows(16);
  Outcome out = RunJob(pool_.get(), request, {}, absl::InfiniteFuture(),
                       [](ComputeJob* job) {
                         job->Cancel(absl::CancelledError("test cancelled"));
                       });
  EXPECT_EQ(out.summary.status().code(),
            static_cast<int>(absl::StatusCode::kCancelled));
  EXPECT_EQ(out.summary.status().message(), "test cancelled");
  EXPECT_LT(out.chunks.size(), 1250u);
}

TEST_F(ComputeJobTest, PastDeadlineEndsWithDeadlineExceeded) {
  Outcome out =
      RunJob(pool_.get(), AreaRequest(100), {}, absl::Now() - absl::Seconds(1));
  EXPECT_EQ(out.summary.status().code(),
            static_cast<int>(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(out.chunks.empty());
}

TEST_F(ComputeJobTest, BadBroadcastOperandFailsTheBatch) {
  v1::ComputeRequest request = AreaRequest(10);
  request.mutable_operation()->set_op(v1::OP_CODE_INTERSECTS);
  request.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKT);
  request.mutable_b_broadcast()->set_data("POINT (1");
  Outcome out = RunJob(pool_.get(), request);
  EXPECT_EQ(out.summary.status().code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(out.summary.status().message(),
            "b_broadcast: invalid WKT: unclosed '('");
}

TEST_F(ComputeJobTest, RowErrorsCarryTheOperandAndKeepTheRest) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_INTERSECTION);
  *request.mutable_a() = testing::ProtoBatch(
      v1::ENCODING_WKT, {"POINT (0 0)", "POINT (nan 0)", "POINT (1 1)"});
  *request.mutable_b_rows() = testing::ProtoBatch(
      v1::ENCODING_WKT, {"POINT (0 0)", "POINT (0 0)", "LINESTRING (0"});
  Outcome out = RunJob(pool_.get(), request);
  ASSERT_EQ(out.chunks.size(), 1u);
  const auto& c = out.chunks[0];
  ASSERT_EQ(c.errors_size(), 2);
  EXPECT_EQ(c.errors(0).row(), 1u);
  EXPECT_EQ(c.errors(0).message(), "a: invalid WKT: non-finite coordinate");
  EXPECT_EQ(c.errors(1).row(), 2u);
  EXPECT_EQ(c.errors(1).message(), "b: invalid WKT: unclosed '('");
  EXPECT_GT(c.geometries().offsets(1), 0u);  // Row 0 has a result.
  EXPECT_EQ(out.summary.error_rows(), 2u);
}

TEST_F(ComputeJobTest, StartReportsAMalformedRequestAndCallsNothing) {
  v1::ComputeRequest request = AreaRequest(3);
  request.mutable_operation()->set_op(v1::OP_CODE_CONTAINS);
  Outcome out = RunJob(pool_.get(), request);
  EXPECT_EQ(out.start.message(),
            "operation 'contains' is binary: set b_broadcast or b_rows");
  EXPECT_TRUE(out.chunks.empty());
}

TEST_F(ComputeJobTest, ReusesACachedBroadcastOperandButNeverABadOne) {
  OperandCache operands;
  v1::ComputeRequest request = AreaRequest(50);
  request.mutable_operation()->set_op(v1::OP_CODE_DISTANCE);
  request.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKT);
  request.mutable_b_broadcast()->set_data("POINT (50 50)");
  auto distances = [&] {
    Outcome out = RunJob(pool_.get(), request, {}, absl::InfiniteFuture(),
                         nullptr, &operands);
    std::vector<double> d(50);
    for (const auto& c : out.chunks) {
      for (uint32_t i = 0; i < c.row_count(); ++i) {
        d[c.row_offset() + i] = c.doubles().values(i);
      }
    }
    return d;
  };
  const std::vector<double> first = distances();
  ASSERT_NE(operands.Find(batch::Encoding::kWkt, "POINT (50 50)"), nullptr);
  EXPECT_EQ(distances(), first);  // Second run: operand from the cache.
  EXPECT_EQ(operands.size(), 1u);

  request.mutable_b_broadcast()->set_data("POINT (50");
  Outcome bad = RunJob(pool_.get(), request, {}, absl::InfiniteFuture(),
                       nullptr, &operands);
  EXPECT_EQ(bad.summary.status().code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(operands.size(), 1u);
}

TEST_F(ComputeJobTest, StopsABatchOverItsVertexLimit) {
  v1::ComputeRequest request = AreaRequest(200);  // 200 11-vertex rings.
  request.set_chunk_rows(16);
  Outcome over = RunJob(pool_.get(), request, {.max_vertices = 1000});
  EXPECT_EQ(over.summary.status().code(),
            static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(over.summary.status().message(),
            "batch has more than 1000 vertices (max_vertices_per_batch)");
  Outcome within = RunJob(pool_.get(), request, {.max_vertices = 2200});
  EXPECT_EQ(within.summary.status().code(), 0);
  EXPECT_EQ(within.summary.rows(), 200u);
}

TEST_F(ComputeJobTest, EmptyBatchCompletes) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_AREA);
  Outcome out = RunJob(pool_.get(), request);
  ASSERT_TRUE(out.start.ok());
  EXPECT_EQ(out.summary.status().code(), 0);
  EXPECT_EQ(out.summary.rows(), 0u);
  EXPECT_TRUE(out.chunks.empty());
}

// Partial results are written by the chunk tasks on both workers and read
// by the reducing task: TSan checks that hand-off.
TEST_F(ComputeJobTest, ReducesEveryChunkThenTheChunksOnce) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_UNION_ALL);
  std::vector<std::string> squares;
  for (int x = 0; x < 300; ++x) {
    squares.push_back(absl::StrCat("POLYGON ((", x, " 0, ", x + 1, " 0, ",
                                   x + 1, " 1, ", x, " 1, ", x, " 0))"));
  }
  squares[17] = "POLYGON ((0 0";  // A bad row is reported, not reduced.
  *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_WKT, squares);
  request.set_chunk_rows(8);
  Outcome out = RunJob(pool_.get(), request);
  ASSERT_TRUE(out.start.ok()) << out.start;
  EXPECT_EQ(out.summary.status().code(), 0);
  EXPECT_EQ(out.summary.result_rows(), 1u);
  EXPECT_EQ(out.summary.error_rows(), 1u);
  int values = 0;
  for (const v1::ResultChunk& chunk : out.chunks) {
    EXPECT_EQ(chunk.mapping(), v1::RESULT_MAPPING_ONE_PER_BATCH);
    if (!chunk.has_geometries()) {
      ASSERT_EQ(chunk.errors_size(), 1);  // Only the bad row's chunk.
      EXPECT_EQ(chunk.errors(0).row(), 17u);
      continue;
    }
    ++values;
    EXPECT_EQ(chunk.row_offset(), 0u);
    EXPECT_EQ(chunk.row_count(), 1u);
    geos::Context context;
    const std::string& data = chunk.geometries().data();
    auto g = context.ReadWkb(data);
    ASSERT_TRUE(g.ok()) << g.status();
    double area = 0;
    GEOSArea_r(context.handle(), g->get(), &area);
    EXPECT_NEAR(area, 299, 1e-9);  // 300 unit squares less the bad one.
  }
  EXPECT_EQ(values, 1);
}

// Groups that lie in one chunk are answered by it, groups that span chunks
// by the task of the chunk they start in: every group exactly once.
TEST_F(ComputeJobTest, ReducesEveryGroupOnceWhereverItsRowsFall) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_UNION_ALL);
  std::vector<std::string> squares;
  std::map<int64_t, int> rows_of;
  for (int x = 0; x < 300; ++x) {
    squares.push_back(absl::StrCat("POLYGON ((", x, " 0, ", x + 1, " 0, ",
                                   x + 1, " 1, ", x, " 1, ", x, " 0))"));
    // Group sizes 1, 2, ..., so some fit in a chunk and some span many.
    int64_t key = 0;
    for (int n = x; n > key; ++key) n -= key + 1;
    request.add_group_keys(1000 - key);
    ++rows_of[1000 - key];
  }
  *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_WKT, squares);
  request.set_chunk_rows(5);
  Outcome out = RunJob(pool_.get(), request);
  ASSERT_TRUE(out.start.ok()) << out.start;
  EXPECT_EQ(out.summary.status().code(), 0);
  EXPECT_EQ(out.summary.result_rows(), rows_of.size());
  std::map<int64_t, double> area_of;
  geos::Context context;
  for (const v1::ResultChunk& chunk : out.chunks) {
    EXPECT_EQ(chunk.mapping(), v1::RESULT_MAPPING_ONE_PER_GROUP);
    ASSERT_EQ(chunk.group_keys_size(), static_cast<int>(chunk.row_count()));
    const v1::BinaryColumn& column = chunk.geometries();
    for (int i = 0; i < chunk.group_keys_size(); ++i) {
      const int64_t key = chunk.group_keys(i);
      // Groups are numbered in ascending key order: descending size here.
      EXPECT_EQ(std::next(rows_of.begin(), chunk.row_offset() + i)->first, key);
      auto g = context.ReadWkb(column.data().substr(
          column.offsets(i), column.offsets(i + 1) - column.offsets(i)));
      ASSERT_TRUE(g.ok()) << g.status();
      double area = 0;
      GEOSArea_r(context.handle(), g->get(), &area);
      EXPECT_FALSE(area_of.count(key)) << "group " << key << " twice";
      area_of[key] = area;
    }
  }
  ASSERT_EQ(area_of.size(), rows_of.size());
  for (const auto& [key, rows] : rows_of) EXPECT_NEAR(area_of[key], rows, 1e-9);
}

// Without a chunk size, a reduction first orders rows by position (keys
// computed on both workers) and gives each worker a strip.
TEST_F(ComputeJobTest, ReducesSpatialStripsAndNamesBadRowsByTheirIndex) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_UNION_ALL);
  std::vector<std::string> squares;
  for (int i = 0; i < 300; ++i) {
    const int x = (i * 97) % 300;  // Out of spatial order.
    squares.push_back(absl::StrCat("POLYGON ((", x, " 0, ", x + 1, " 0, ",
                                   x + 1, " 1, ", x, " 1, ", x, " 0))"));
  }
  squares[5] = "POLYGON ((0 0";
  squares[250] = "POINT EMPTY";
  *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_WKT, squares);
  Outcome out = RunJob(pool_.get(), request);
  ASSERT_TRUE(out.start.ok()) << out.start;
  EXPECT_EQ(out.summary.status().code(), 0) << out.summary.status().message();
  std::vector<uint64_t> error_rows;
  double area = -1;
  for (const v1::ResultChunk& chunk : out.chunks) {
    for (const auto& e : chunk.errors()) error_rows.push_back(e.row());
    if (!chunk.has_geometries()) continue;
    geos::Context context;
    auto g = context.ReadWkb(chunk.geometries().data());
    ASSERT_TRUE(g.ok()) << g.status();
    GEOSArea_r(context.handle(), g->get(), &area);
  }
  EXPECT_EQ(error_rows, std::vector<uint64_t>{5});
  EXPECT_NEAR(area, 298, 1e-9);  // Less the bad row and the empty one.
}

// Stopping a reduction during its key pass or its strips ends it with the
// reason and no value.
TEST_F(ComputeJobTest, PartitionedReductionStopsOnCancelOrDeadline) {
  v1::ComputeRequest request = AreaRequest(4000);
  request.mutable_operation()->set_op(v1::OP_CODE_UNION_ALL);
  Outcome out = RunJob(pool_.get(), request, {}, absl::InfiniteFuture(),
                       [](ComputeJob* job) {
                         job->Cancel(absl::CancelledError("test cancelled"));
                       });
  EXPECT_EQ(out.summary.status().code(),
            static_cast<int>(absl::StatusCode::kCancelled));
  EXPECT_EQ(out.summary.result_rows(), 0u);

  out = RunJob(pool_.get(), request, {}, absl::Now() - absl::Seconds(1));
  EXPECT_EQ(out.summary.status().code(),
            static_cast<int>(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(out.chunks.empty());
}

TEST_F(ComputeJobTest, ExpandsPartsWithTheirSourceRows) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_GET_PARTS);
  std::vector<std::string> rows;
  for (int i = 0; i < 200; ++i) {
    rows.push_back(i % 3 == 0
                       ? "GEOMETRYCOLLECTION EMPTY"
                       : absl::StrCat("MULTIPOINT ((", i, " 0), (", i, " 1))"));
  }
  *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_WKT, rows);
  request.set_chunk_rows(9);
  Outcome out = RunJob(pool_.get(), request);
  ASSERT_TRUE(out.start.ok()) << out.start;
  std::map<uint64_t, int> parts;
  uint64_t values = 0;
  for (const v1::ResultChunk& chunk : out.chunks) {
    EXPECT_EQ(chunk.mapping(), v1::RESULT_MAPPING_PER_PART);
    ASSERT_EQ(chunk.source_rows_size() + 1, chunk.geometries().offsets_size());
    for (uint64_t row : chunk.source_rows()) {
      EXPECT_GE(row, chunk.row_offset());
      EXPECT_LT(row, chunk.row_offset() + chunk.row_count());
      ++parts[row];
      ++values;
    }
  }
  EXPECT_EQ(out.summary.result_rows(), values);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(parts[i], i % 3 == 0 ? 0 : 2) << i;
}

// A client that reads nothing holds the job to max_unsent_chunks computed
// chunks; each chunk it lets go of lets one more through; every row is
// answered once it has read them all.
TEST_F(ComputeJobTest, ASlowReaderHoldsTheJobToItsWindow) {
  v1::ComputeRequest request = AreaRequest(2000);
  request.set_chunk_rows(10);  // 200 chunks.
  Mutex mu;
  CondVar arrived;
  std::vector<std::pair<v1::ResultChunk, std::shared_ptr<void>>> held;
  bool finished = false;
  v1::ComputeSummary summary;
  auto job = ComputeJob::Start(
      pool_.get(), &request, {.max_unsent_chunks = 4}, absl::InfiniteFuture(),
      {.on_chunk =
           [&](std::unique_ptr<v1::ResultChunk> chunk,
               std::shared_ptr<void> sent) {
             MutexLock lock(&mu);
             held.emplace_back(std::move(*chunk), std::move(sent));
             arrived.SignalAll();
           },
       .on_done =
           [&](const v1::ComputeSummary& s) {
             MutexLock lock(&mu);
             summary = s;
             finished = true;
             arrived.SignalAll();
           }});
  ASSERT_TRUE(job.ok());
  absl::SleepFor(absl::Milliseconds(200));  // Time to run ahead, if it could.
  std::vector<int> seen(2000);
  size_t taken = 0;
  for (;;) {
    std::shared_ptr<void> release;
    {
      MutexLock lock(&mu);
      // Never more than the window unread.
      EXPECT_LE(held.size() - taken, 4u);
      arrived.Wait(&mu, [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return held.size() > taken || finished;
      });
      if (held.size() == taken) break;
      const v1::ResultChunk& c = held[taken].first;
      for (uint32_t i = 0; i < c.row_count(); ++i) ++seen[c.row_offset() + i];
      release = std::move(held[taken].second);
      ++taken;
    }
    release.reset();  // "Written": room for the next chunk.
  }
  MutexLock lock(&mu);
  EXPECT_EQ(summary.status().code(), 0);
  EXPECT_EQ(taken, 200u);
  for (int s : seen) EXPECT_EQ(s, 1);
}

// A cancelled job whose chunks nobody reads still finishes: its held-back
// tasks are let through and skipped.
TEST_F(ComputeJobTest, CancellingAHeldBackJobFinishesIt) {
  v1::ComputeRequest request = AreaRequest(1000);
  request.set_chunk_rows(10);
  Mutex mu;
  std::vector<std::shared_ptr<void>> never_released;
  Notification done;
  v1::ComputeSummary summary;
  auto job = ComputeJob::Start(
      pool_.get(), &request, {.max_unsent_chunks = 2}, absl::InfiniteFuture(),
      {.on_chunk =
           [&](std::unique_ptr<v1::ResultChunk>, std::shared_ptr<void> sent) {
             MutexLock lock(&mu);
             never_released.push_back(std::move(sent));
           },
       .on_done =
           [&](const v1::ComputeSummary& s) {
             summary = s;
             done.Notify();
           }});
  ASSERT_TRUE(job.ok());
  absl::SleepFor(absl::Milliseconds(50));
  {
    MutexLock lock(&mu);
    EXPECT_LE(never_released.size(), 2u);
  }
  (*job)->Cancel(absl::CancelledError("client gone"));
  done.WaitForNotification();
  EXPECT_EQ(summary.status().message(), "client gone");
  EXPECT_LT(summary.chunks(), 100u);
}

}  // namespace
}  // namespace geosrpc::exec
