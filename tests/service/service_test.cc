// End-to-end: a real server on loopback, the C++ client, and results
// checked row by row against direct GEOS calls.
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.pb.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/cpp/batch.h"
#include "client/cpp/client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "server/ops/operations.h"
#include "server/service/server.h"
#include "tests/testing/random_geometries.h"
#include "tests/testing/reference.h"

namespace geosrpc {
namespace {

using client::ComputeResult;

std::unique_ptr<service::Server> StartServer(
    service::Server::Options options = {}) {
  options.listen_address = "127.0.0.1:0";
  // No /metrics endpoint (tests/process scrapes one): stopping civetweb
  // waits out its poll interval, a second per test process.
  options.metrics_listen_address = "";
  if (options.num_workers == 0) options.num_workers = 2;
  auto server = service::Server::Create(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return *std::move(server);
}

std::unique_ptr<client::Client> Connect(const service::Server& server) {
  return *client::Client::Create(
      {.target = absl::StrCat("127.0.0.1:", server.port())});
}

class ServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = StartServer().release();
    client_ = Connect(*server_).release();
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
  }
  static service::Server* server_;
  static client::Client* client_;
};
service::Server* ServiceTest::server_ = nullptr;
client::Client* ServiceTest::client_ = nullptr;

// --- Every operation against GEOS ---------------------------------------

struct OpCase {
  std::string label;
  v1::Operation op;
};

std::vector<OpCase> AllOpCases() {
  std::vector<OpCase> cases;
  for (const ops::OpSpec& spec : ops::AllOperations()) {
    v1::Operation op;
    op.set_op(spec.code);
    cases.push_back({spec.name, op});
    switch (spec.code) {
      case v1::OP_CODE_BUFFER:
        cases.back().op.mutable_buffer()->set_radius(1.5);
        cases.back().op.mutable_buffer()->set_quadsegs(4);
        op.mutable_buffer()->set_radius(-0.5);
        op.mutable_buffer()->set_cap_style(v1::BUFFER_CAP_STYLE_SQUARE);
        op.mutable_buffer()->set_join_style(v1::BUFFER_JOIN_STYLE_MITRE);
        op.mutable_buffer()->set_mitre_limit(2);
        cases.push_back({"buffer_mitre", op});
        break;
      case v1::OP_CODE_DWITHIN:
        cases.back().op.mutable_distance()->set_distance(10);
        break;
      case v1::OP_CODE_SIMPLIFY:
        cases.back().op.mutable_simplify()->set_tolerance(0.5);
        op.mutable_simplify()->set_tolerance(2);
        op.mutable_simplify()->set_preserve_topology(false);
        cases.push_back({"simplify_dp", op});
        break;
      case v1::OP_CODE_MAKE_VALID:
        op.mutable_make_valid()->set_method(1);
        op.mutable_make_valid()->set_keep_collapsed(false);
        cases.push_back({"make_valid_structure", op});
        break;
      case v1::OP_CODE_TO_WKT:
        op.mutable_wkt()->set_rounding_precision(3);
        cases.push_back({"to_wkt_rounded", op});
        break;
      case v1::OP_CODE_TO_WKB:
        op.mutable_wkb()->set_big_endian(true);
        op.mutable_wkb()->set_iso(true);
        cases.push_back({"to_wkb_xdr_iso", op});
        break;
      case v1::OP_CODE_TO_GEOJSON:
        op.mutable_geojson()->set_indent(2);
        cases.push_back({"to_geojson_indented", op});
        break;
      case v1::OP_CODE_HAUSDORFF_DISTANCE:
      case v1::OP_CODE_FRECHET_DISTANCE:
        op.mutable_densify()->set_densify(0.25);
        cases.push_back({std::string(spec.name) + "_densified", op});
        break;
      case v1::OP_CODE_INTERSECTION:
      case v1::OP_CODE_UNION:
      case v1::OP_CODE_DIFFERENCE:
      case v1::OP_CODE_SYMMETRIC_DIFFERENCE:
      case v1::OP_CODE_UNARY_UNION:
        op.mutable_overlay()->set_grid_size(0.5);
        cases.push_back({std::string(spec.name) + "_grid", op});
        break;
      case v1::OP_CODE_LINE_LOCATE_POINT:
        op.mutable_locate()->set_normalized(true);
        cases.push_back({"line_locate_point_normalized", op});
        break;
      case v1::OP_CODE_EQUALS_EXACT:
        cases.back().op.mutable_tolerance()->set_tolerance(0);
        op.mutable_tolerance()->set_tolerance(1e-9);
        cases.push_back({"equals_exact_tolerance", op});
        op.mutable_tolerance()->set_normalize(true);
        cases.push_back({"equals_exact_normalize", op});
        break;
      case v1::OP_CODE_RELATE_PATTERN:
        cases.back().op.mutable_relate_pattern()->set_pattern("T*F**F***");
        break;
      case v1::OP_CODE_OFFSET_CURVE:
        cases.back().op.mutable_offset_curve()->set_distance(1.5);
        op.mutable_offset_curve()->set_distance(-0.5);
        op.mutable_offset_curve()->set_join_style(v1::BUFFER_JOIN_STYLE_MITRE);
        cases.push_back({"offset_curve_mitre", op});
        op.mutable_offset_curve()->set_legacy(true);
        cases.push_back({"offset_curve_legacy", op});
        break;
      case v1::OP_CODE_CONCAVE_HULL:
        op.mutable_concave_hull()->set_ratio(0.3);
        op.mutable_concave_hull()->set_allow_holes(true);
        cases.push_back({"concave_hull_holes", op});
        break;
      case v1::OP_CODE_SEGMENTIZE:
      case v1::OP_CODE_DENSIFY:
        cases.back().op.mutable_segmentize()->set_max_segment_length(2);
        break;
      case v1::OP_CODE_REMOVE_REPEATED_POINTS:
        op.mutable_tolerance()->set_tolerance(1);
        cases.push_back({"remove_repeated_points_tolerance", op});
        break;
      case v1::OP_CODE_SNAP:
        cases.back().op.mutable_tolerance()->set_tolerance(1);
        break;
      case v1::OP_CODE_CLIP_BY_RECT: {
        auto* r = cases.back().op.mutable_clip();
        r->set_xmin(20), r->set_ymin(10), r->set_xmax(70), r->set_ymax(60);
        break;
      }
      case v1::OP_CODE_DELAUNAY_TRIANGLES:
      case v1::OP_CODE_VORONOI_POLYGONS:
        op.mutable_triangulation()->set_only_edges(true);
        op.mutable_triangulation()->set_tolerance(0.5);
        cases.push_back({std::string(spec.name) + "_edges", op});
        if (spec.code == v1::OP_CODE_VORONOI_POLYGONS) {
          auto* t = op.mutable_triangulation();
          t->set_only_edges(false);
          t->set_extend_to_xmin(-50), t->set_extend_to_ymin(-20);
          t->set_extend_to_xmax(300), t->set_extend_to_ymax(120);
          cases.push_back({"voronoi_polygons_extend_to", op});
        }
        break;
      case v1::OP_CODE_FORCE_3D:
        op.mutable_force_3d()->set_z(-2.5);
        cases.push_back({"force_3d_z", op});
        break;
      case v1::OP_CODE_ORIENT_POLYGONS:
        op.mutable_orient_polygons()->set_exterior_cw(true);
        cases.push_back({"orient_polygons_exterior_cw", op});
        break;
      case v1::OP_CODE_EMPTY:
        for (int type : {0, 2, 3, 7}) {
          op.mutable_empty()->set_type_id(type);
          cases.push_back({absl::StrCat("empty_type", type), op});
        }
        break;
      case v1::OP_CODE_AFFINE: {
        auto* m = cases.back().op.mutable_affine();
        m->set_a(0.5), m->set_b(-1.25), m->set_d(2), m->set_e(0.75);
        m->set_xoff(10), m->set_yoff(-3);
        m = op.mutable_affine();  // 3D: z terms too.
        m->set_c(0.5), m->set_g(1), m->set_h(-1), m->set_i(2), m->set_zoff(4);
        cases.push_back({"affine_3d", op});
        break;
      }
      case v1::OP_CODE_ROTATE:
        cases.back().op.mutable_rotate()->set_angle(30);
        op.mutable_rotate()->set_angle(-1.1);
        op.mutable_rotate()->set_use_radians(true);
        op.mutable_rotate()->set_origin(v1::TRANSFORM_ORIGIN_CENTROID);
        cases.push_back({"rotate_centroid", op});
        op.mutable_rotate()->set_angle(90);
        op.mutable_rotate()->set_use_radians(false);
        op.mutable_rotate()->set_origin(v1::TRANSFORM_ORIGIN_POINT);
        op.mutable_rotate()->set_origin_x(5);
        op.mutable_rotate()->set_origin_y(-7);
        cases.push_back({"rotate_point", op});
        break;
      case v1::OP_CODE_SCALE:
        cases.back().op.mutable_scale()->set_xfact(2);
        cases.back().op.mutable_scale()->set_yfact(-0.5);
        op.mutable_scale()->set_zfact(3);
        op.mutable_scale()->set_origin(v1::TRANSFORM_ORIGIN_POINT);
        op.mutable_scale()->set_origin_x(1);
        op.mutable_scale()->set_origin_z(2);
        cases.push_back({"scale_point_3d", op});
        break;
      case v1::OP_CODE_SKEW:
        cases.back().op.mutable_skew()->set_xs(20);
        cases.back().op.mutable_skew()->set_ys(-10);
        op.mutable_skew()->set_xs(0.3);
        op.mutable_skew()->set_use_radians(true);
        op.mutable_skew()->set_origin(v1::TRANSFORM_ORIGIN_CENTROID);
        cases.push_back({"skew_centroid", op});
        break;
      case v1::OP_CODE_TRANSLATE:
        cases.back().op.mutable_translate()->set_xoff(-3.5);
        cases.back().op.mutable_translate()->set_yoff(1e3);
        op.mutable_translate()->set_zoff(7);
        cases.push_back({"translate_z", op});
        break;
      case v1::OP_CODE_SNAP_TO_GRID:
        cases.back().op.mutable_snap_to_grid()->set_size_x(4);
        op.mutable_snap_to_grid()->set_size_x(8);
        op.mutable_snap_to_grid()->set_size_y(0.5);
        op.mutable_snap_to_grid()->set_origin_x(1.5);
        op.mutable_snap_to_grid()->set_origin_y(-0.25);
        cases.push_back({"snap_to_grid_origin", op});
        break;
      case v1::OP_CODE_LINE_SUBSTRING:
        cases.back().op.mutable_line_substring()->set_start_fraction(0.25);
        cases.back().op.mutable_line_substring()->set_end_fraction(0.8);
        op.mutable_line_substring()->set_start_fraction(0.5);
        op.mutable_line_substring()->set_end_fraction(0.5);
        cases.push_back({"line_substring_point", op});
        break;
      case v1::OP_CODE_SUBDIVIDE:
        op.mutable_subdivide()->set_max_vertices(5);
        cases.push_back({"subdivide_5", op});
        op.mutable_subdivide()->set_max_vertices(9);
        op.mutable_subdivide()->set_grid_size(0.01);
        cases.push_back({"subdivide_grid", op});
        break;
      case v1::OP_CODE_TILE_ENVELOPE:
        cases.back().op.mutable_tile_envelope()->set_zoom(3);
        break;
      case v1::OP_CODE_AS_MVT_GEOM: {
        auto* t = cases.back().op.mutable_mvt_geom();
        t->set_xmin(20), t->set_ymin(20), t->set_xmax(60), t->set_ymax(60);
        t->set_extent(256), t->set_buffer(16);
        op.mutable_mvt_geom()->set_xmin(-10),
            op.mutable_mvt_geom()->set_ymin(0);
        op.mutable_mvt_geom()->set_xmax(110),
            op.mutable_mvt_geom()->set_ymax(90);
        op.mutable_mvt_geom()->set_clip_geom(false);
        cases.push_back({"as_mvt_geom_unclipped", op});
        break;
      }
      case v1::OP_CODE_SET_PRECISION:
        cases.back().op.mutable_set_precision()->set_grid_size(0.5);
        for (int mode : {1, 2}) {
          op.mutable_set_precision()->set_grid_size(2);
          op.mutable_set_precision()->set_mode(mode);
          cases.push_back({absl::StrCat("set_precision_mode", mode), op});
        }
        break;
      case v1::OP_CODE_LINE_INTERPOLATE_POINT:
        cases.back().op.mutable_interpolate()->set_distance(3);
        op.mutable_interpolate()->set_distance(-0.25);
        op.mutable_interpolate()->set_normalized(true);
        cases.push_back({"line_interpolate_point_normalized", op});
        break;
      case v1::OP_CODE_SET_SRID:
        cases.back().op.mutable_srid()->set_srid(4326);
        break;
      case v1::OP_CODE_GET_INTERIOR_RING:
      case v1::OP_CODE_GET_GEOMETRY:
      case v1::OP_CODE_GET_POINT:
        cases.back().op.mutable_index()->set_index(0);
        op.mutable_index()->set_index(-1);
        cases.push_back({std::string(spec.name) + "_from_end", op});
        break;
      case v1::OP_CODE_LINE_MERGE:
        op.mutable_line_merge()->set_directed(true);
        cases.push_back({"line_merge_directed", op});
        break;
      case v1::OP_CODE_GET_COORDINATES:
        op.mutable_coordinates()->set_include_z(true);
        cases.push_back({"get_coordinates_z", op});
        break;
      case v1::OP_CODE_TRANSFORM:
        // The random coordinates, [0, 100]^2, as longitude/latitude: rows
        // with latitudes beyond 90 fail, the others transform.
        cases.back().op.mutable_transform()->set_from_crs("EPSG:4326");
        cases.back().op.mutable_transform()->set_to_crs("EPSG:3857");
        op.mutable_transform()->set_from_crs("EPSG:4326");
        op.mutable_transform()->set_to_crs("EPSG:3035");
        cases.push_back({"transform_laea", op});
        op.mutable_transform()->set_to_crs("+proj=utm +zone=33 +datum=WGS84");
        op.mutable_transform()->set_always_xy(false);
        cases.push_back({"transform_utm_latlon", op});
        break;
      default:
        break;
    }
  }
  return cases;
}

struct ModeCase {
  OpCase op;
  bool broadcast;
};

void PrintTo(const ModeCase& c, std::ostream* os) {
  *os << c.op.label << (c.broadcast ? " broadcast" : " rows");
}

std::string Name(const ::testing::TestParamInfo<ModeCase>& info) {
  return info.param.op.label + (info.param.broadcast ? "_broadcast" : "_rows");
}

// Reductions have one result per batch: ReductionTest checks them.
std::vector<ModeCase> AllModeCases() {
  std::vector<ModeCase> out;
  for (const OpCase& c : AllOpCases()) {
    if ((*ops::FindOperation(c.op.op()))->reducer != nullptr) continue;
    const int arity = (*ops::FindOperation(c.op.op()))->arity;
    out.push_back({c, false});
    if (arity == 2) out.push_back({c, true});
  }
  return out;
}

// Same structure and coordinates (so 0 == -0), same WKB size.
bool EqualsExact(geos::Context& context, const std::string& x,
                 const std::string& y) {
  auto gx = context.ReadWkb(x);
  auto gy = context.ReadWkb(y);
  return x.size() == y.size() && gx.ok() && gy.ok() &&
         GEOSEqualsExact_r(context.handle(), gx->get(), gy->get(), 0) == 1;
}

// Lines Shapely's creation functions take or refuse, for every third row
// of theirs in EveryOperationTest (the random rows have no closed or 3D
// lines): closed ones (shells), open ones in 3D, closed ones in 2D only (z
// differs at their ends), and closed ones too short for a ring.
std::string CreationRow(testing::RandomGeometries& random, int i) {
  const double x = i % 97, y = i % 89;
  switch (i / 3 % 4) {
    case 0: {  // A random polygon's shell: "POLYGON ((...))".
      const std::string polygon = random.PolygonWkt(3 + i % 20);
      return absl::StrCat("LINESTRING ",
                          polygon.substr(9, polygon.size() - 10));
    }
    case 1:
      return absl::StrCat("LINESTRING Z (", x, " ", y, " 1, ", x + 3, " ", y,
                          " 2, ", x, " ", y + 4, " 3)");
    case 2:
      return absl::StrCat("LINESTRING Z (", x, " ", y, " 1, ", x + 3, " ", y,
                          " 2, ", x + 3, " ", y + 4, " 3, ", x, " ", y, " 4)");
    default:
      return absl::StrCat("LINESTRING (", x, " ", y, ", ", x + 1, " ", y + 2,
                          ", ", x, " ", y, ")");
  }
}

class EveryOperationTest : public ServiceTest,
                           public ::testing::WithParamInterface<ModeCase> {};

TEST_P(EveryOperationTest, MatchesDirectGeosCalls) {
  constexpr int kRows = 2000;
  const ModeCase& mode = GetParam();
  const ops::OpSpec& spec = **ops::FindOperation(mode.op.op.op());
  testing::RandomGeometries random(1000 + mode.op.op.op());
  std::vector<std::string> a_wkt = random.Wkts(kRows);
  if (spec.code == v1::OP_CODE_TILE_ENVELOPE) {
    // Tiles of zoom 3 (and some that are not).
    for (int i = 0; i < kRows; ++i) {
      a_wkt[i] = absl::StrCat("POINT (", i % 9, " ", (i / 9) % 10 - 1, ")");
    }
  }
  switch (spec.code) {
    case v1::OP_CODE_IDENTITY:
    case v1::OP_CODE_POINTS:
    case v1::OP_CODE_LINESTRINGS:
    case v1::OP_CODE_LINEARRINGS:
    case v1::OP_CODE_POLYGONS:
      for (int i = 0; i < kRows; i += 3) a_wkt[i] = CreationRow(random, i);
      break;
    default:
      break;
  }
  std::vector<std::string> b_wkt = random.Wkts(kRows);
  if (spec.code == v1::OP_CODE_SET_COORDINATES) {
    // Two rows in three get as many new points as a has coordinates (a's
    // own, moved, in 3D every other time); the third keeps a random b,
    // whose count is the row's error.
    geos::Context context;
    for (int i = 0; i < kRows; ++i) {
      if (i % 3 == 2) continue;
      auto g = context.ReadWkt(a_wkt[i]);
      const int n = GEOSGetNumCoordinates_r(context.handle(), g->get());
      std::string points = n == 0  ? "MULTIPOINT EMPTY"
                           : i % 2 ? "MULTIPOINT Z ("
                                   : "MULTIPOINT (";
      for (int k = 0; k < n; ++k) {
        absl::StrAppend(&points, k ? ", " : "", "(", i % 50 + k * 0.5, " ",
                        k - i % 7, i % 2 ? absl::StrCat(" ", k) : "", ")");
      }
      if (n != 0) points += ")";
      b_wkt[i] = points;
    }
  }
  // The broadcast operand: a polygon, except where the operation needs b to
  // be a point or a line to succeed at all.
  std::string broadcast_wkt = random.PolygonWkt(64);
  if (spec.code == v1::OP_CODE_LINE_LOCATE_POINT)
    broadcast_wkt = random.PointWkt();
  // One point: the new coordinate of every row that has one.
  if (spec.code == v1::OP_CODE_SET_COORDINATES) broadcast_wkt = "POINT (3 4)";
  if (spec.code == v1::OP_CODE_SHARED_PATHS) {
    broadcast_wkt = "LINESTRING (0 0, 30 70, 60 20, 100 100)";
  }

  // a as WKB, b rows as WKT, the broadcast operand as hex WKB: every
  // decoder on every operation.
  v1::ComputeRequest request;
  *request.mutable_operation() = mode.op.op;
  *request.mutable_a() =
      client::MakeBatch(v1::ENCODING_WKB, testing::WktToWkb(a_wkt));
  if (spec.arity == 2 && mode.broadcast) {
    request.mutable_b_broadcast()->set_encoding(v1::ENCODING_HEX_WKB);
    request.mutable_b_broadcast()->set_data(
        absl::BytesToHexString(testing::WktToWkb({broadcast_wkt})[0]));
  } else if (spec.arity == 2) {
    *request.mutable_b_rows() = client::MakeBatch(v1::ENCODING_WKT, b_wkt);
  }
  auto result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->rows(), static_cast<size_t>(kRows));
  EXPECT_EQ(result->summary.status().code(), 0);

  geos::Context context;
  auto broadcast = context.ReadWkt(broadcast_wkt);
  geos::PreparedPtr prepared(GEOSPrepare_r(context.handle(), broadcast->get()),
                             {context.handle()});
  std::map<uint64_t, const v1::RowError*> errors;
  for (const auto& e : result->errors) errors[e.row()] = &e;
  std::map<uint64_t, std::vector<std::string>> parts;
  std::map<uint64_t, std::vector<double>> numbers;  // get_coordinates
  for (size_t i = 0; i < result->source_rows.size(); ++i) {
    const uint64_t row = result->source_rows[i];
    if (spec.result == ops::ResultType::kDouble) {
      numbers[row].insert(numbers[row].end(),
                          result->doubles.begin() + i * result->width,
                          result->doubles.begin() + (i + 1) * result->width);
    } else {
      parts[row].push_back(result->binary[i]);
    }
  }
  int geos_failures = 0;
  for (int i = 0; i < kRows; ++i) {
    SCOPED_TRACE(absl::StrCat("row ", i, ": a=", a_wkt[i]));
    auto a = context.ReadWkt(a_wkt[i]);
    geos::GeometryPtr b_row;
    const GEOSGeometry* b = nullptr;
    if (spec.arity == 2) {
      if (mode.broadcast) {
        b = broadcast->get();
      } else {
        b_row = *context.ReadWkt(b_wkt[i]);
        b = b_row.get();
      }
    }
    testing::Expected expected =
        testing::Reference(context, mode.op.op, a->get(), b);
    // Broadcast uses GEOS's prepared form where there is one (and the row is
    // not empty): that direct call is the reference. Where both forms
    // succeed they must agree.
    if (mode.broadcast && GEOSisEmpty_r(context.handle(), a->get()) == 0) {
      if (auto p = testing::PreparedReference(context, mode.op.op, a->get(),
                                              prepared.get())) {
        if (p->ok && expected.ok) {
          EXPECT_EQ(p->flag, expected.flag);
          EXPECT_NEAR(p->number, expected.number,
                      1e-12 * (1 + expected.number));
        }
        expected = *p;
      }
    }
    if (expected.unchecked) continue;
    if (expected.may_fail && errors.count(i)) {
      ++geos_failures;
      EXPECT_EQ(errors[i]->code(),
                static_cast<int>(absl::StatusCode::kFailedPrecondition))
          << errors[i]->message();
      continue;
    }
    if (!expected.ok) {
      ++geos_failures;
      ASSERT_TRUE(errors.count(i)) << "GEOS failed but the service did not";
      EXPECT_EQ(errors[i]->code(), static_cast<int>(expected.code))
          << errors[i]->message();
      continue;
    }
    ASSERT_FALSE(errors.count(i)) << errors[i]->message();
    if (expected.check) {  // Judged by its properties.
      expected.check(
          context, spec.expands ? parts[i]
                                : std::vector<std::string>{result->binary[i]});
      continue;
    }
    if (spec.expands && spec.result == ops::ResultType::kDouble) {
      // NaN (2D z) where the reference has NaN, equal elsewhere.
      const std::vector<double>& got = numbers[i];
      ASSERT_EQ(got.size(), expected.more.size());
      for (size_t k = 0; k < got.size(); ++k) {
        if (std::isnan(expected.more[k])) {
          EXPECT_TRUE(std::isnan(got[k])) << k;
        } else {
          EXPECT_EQ(got[k], expected.more[k]) << k;
        }
      }
      continue;
    }
    if (spec.expands) {
      EXPECT_EQ(parts[i], expected.parts);
      continue;
    }
    switch (spec.result) {
      case ops::ResultType::kDouble: {
        ASSERT_EQ(result->width, spec.values_per_row);
        std::vector<double> want = {expected.number};
        want.insert(want.end(), expected.more.begin(), expected.more.end());
        ASSERT_EQ(want.size(), static_cast<size_t>(result->width));
        for (int k = 0; k < result->width; ++k) {
          const double got = result->doubles[i * result->width + k];
          // GEOS answers some measures with NaN (e.g. Hausdorff distance to
          // an empty geometry): then the service must too.
          if (std::isnan(want[k])) {
            EXPECT_TRUE(std::isnan(got)) << got;
          } else if (expected.tolerance > 0) {
            EXPECT_NEAR(got, want[k], expected.tolerance * std::abs(want[k]));
          } else {
            EXPECT_EQ(got, want[k]);
          }
        }
        break;
      }
      case ops::ResultType::kString:
        EXPECT_EQ(result->strings[i], expected.text);
        break;
      case ops::ResultType::kBool:
        EXPECT_EQ(result->bools[i], expected.flag);
        break;
      case ops::ResultType::kInt:
        EXPECT_EQ(result->ints[i], expected.integer);
        break;
      case ops::ResultType::kGeometry:
        // Snap-rounding (grid overlays, set_precision) may give -0 for 0
        // from one call to the next; otherwise results are byte-identical.
        if (result->binary[i] != expected.bytes) {
          EXPECT_TRUE(EqualsExact(context, result->binary[i], expected.bytes))
              << "results differ beyond the sign of zero";
        }
        break;
      case ops::ResultType::kBytes:
        EXPECT_EQ(result->binary[i], expected.bytes);
        break;
    }
  }
  RecordProperty("geos_failures", geos_failures);
  // A kernel misreading GEOS's success code fails every row, and so would a
  // reference making the same mistake.
  EXPECT_LT(geos_failures, kRows) << "every row failed";
}

INSTANTIATE_TEST_SUITE_P(Service, EveryOperationTest,
                         ::testing::ValuesIn(AllModeCases()), Name);

// --- Bad input ----------------------------------------------------------

TEST_F(ServiceTest, HostileRowsGetErrorsWhileTheOthersComputeRight) {
  std::string nested;
  for (int i = 0; i < 5000; ++i)
    nested += absl::HexStringToBytes("010700000001000000");
  nested += client::PointWkb(0, 0);
  const std::vector<std::string> rows = {
      client::PointWkb(3, 4),
      absl::HexStringToBytes("0102000000FFFFFFFF"),  // 4 billion points
      nested,                                        // 5000-deep collection
      client::PointWkb(std::nan(""), 1),
      absl::HexStringToBytes("0301000000"),  // bad byte order
      "",
      client::PointWkb(6, 8),
  };
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_DISTANCE);
  *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKB, rows);
  request.mutable_b_broadcast()->set_data(client::PointWkb(0, 0));
  auto result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->doubles[0], 5);
  EXPECT_EQ(result->doubles[6], 10);
  ASSERT_EQ(result->errors.size(), 5u);
  const char* expected[] = {"claims 4294967295 points", "nested deeper than 32",
                            "non-finite coordinate",
                            "byte order must be 0 or 1", "a: empty geometry"};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(result->errors[i].row(), static_cast<uint64_t>(i + 1));
    EXPECT_EQ(result->errors[i].code(),
              static_cast<int>(absl::StatusCode::kInvalidArgument));
    EXPECT_NE(result->errors[i].message().find(expected[i]), std::string::npos)
        << result->errors[i].message();
  }
  EXPECT_EQ(result->summary.error_rows(), 5u);
}

// Well-formed rows that GEOS 3.11.1 crashes on, or that sit on the edge
// of what an operation defines: empties of every type, collections with
// empty members, zero-length and collapsed shapes. Every operation answers
// each row with a value or an error, and the server lives on.
const std::vector<std::string>& EdgeCaseWkts() {
  static const auto* wkts = new std::vector<std::string>{
      "POINT EMPTY",
      "LINESTRING EMPTY",
      "POLYGON EMPTY",
      "MULTIPOINT EMPTY",
      "MULTILINESTRING EMPTY",
      "MULTIPOLYGON EMPTY",
      "GEOMETRYCOLLECTION EMPTY",
      "GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING (0 0, 1 1))",
      "GEOMETRYCOLLECTION (POLYGON ((0 0, 1 0, 1 1, 0 0)), POINT EMPTY)",
      "GEOMETRYCOLLECTION (LINESTRING EMPTY, POINT (1 1))",
      "GEOMETRYCOLLECTION (GEOMETRYCOLLECTION EMPTY, "
      "GEOMETRYCOLLECTION (POINT EMPTY))",
      "MULTILINESTRING (EMPTY, (0 0, 2 2), (0 2, 2 0))",
      "MULTIPOLYGON (EMPTY, ((0 0, 1 0, 1 1, 0 0)))",
      "LINESTRING (1 1, 1 1)",
      "POLYGON ((0 0, 1 1, 2 2, 0 0))",
      "POLYGON ((0 0, 10 0, 0 10, 10 10, 0 0))",
      "LINESTRING Z (0 0 0, 1 1 1)",
      "POINT (1 1)",
      "POINT Z EMPTY",
      "MULTILINESTRING ((0 0, 1 1), EMPTY)",
      "GEOMETRYCOLLECTION (MULTIPOLYGON EMPTY, POINT (2 2))",
      "GEOMETRYCOLLECTION (MULTILINESTRING (EMPTY, (0 0, 5 5)), "
      "MULTIPOINT ((3 3)))",
      // Extreme magnitudes: GEOS crashes beyond ~1e300 (refused as input)
      // and on polygons under ~1e-160 across (maximum_inscribed_circle).
      "LINESTRING (-1e150 -1e150, 1e150 1e150)",
      "POLYGON ((0 0, 1e-300 0, 0 1e-300, 0 0))",
      "LINESTRING (0 0, 1e308 0)",
  };
  return *wkts;
}

TEST_F(ServiceTest, EveryOperationAnswersEmptiesAndDegenerates) {
  const std::vector<std::string>& wkts = EdgeCaseWkts();
  // Binary operations get every pair.
  std::vector<std::string> as, bs;
  for (const std::string& x : wkts) {
    for (const std::string& y : wkts) as.push_back(x), bs.push_back(y);
  }
  auto check = [&](const ops::OpSpec& spec, const v1::ComputeRequest& r) {
    auto result = client_->Compute(r);
    if (spec.reducer != nullptr) {
      // GEOS may refuse to reduce some of these (coverage_union of lines),
      // and a typed collect refuses rows of other types: that fails the
      // batch, by design.
      if (!result.ok()) {
        EXPECT_EQ(result.status().code(),
                  spec.keeps_order ? absl::StatusCode::kInvalidArgument
                                   : absl::StatusCode::kFailedPrecondition)
            << result.status();
        return;
      }
      EXPECT_EQ(result->summary.result_rows(), 1u);
      return;
    }
    ASSERT_TRUE(result.ok()) << result.status();
    const size_t rows = r.a().offsets_size() - 1;
    EXPECT_EQ(result->rows(), rows);
    for (const v1::RowError& e : result->errors) {
      EXPECT_LT(e.row(), rows);
      EXPECT_FALSE(e.message().empty());
    }
    EXPECT_EQ(result->summary.error_rows(), result->errors.size());
    if (!spec.expands) EXPECT_EQ(result->summary.result_rows(), rows);
  };
  for (const OpCase& c : AllOpCases()) {
    SCOPED_TRACE(c.label);
    const ops::OpSpec& spec = **ops::FindOperation(c.op.op());
    v1::ComputeRequest request;
    *request.mutable_operation() = c.op;
    if (spec.arity == 1) {
      *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, wkts);
      check(spec, request);
      // GEOS 3.11.1's WKT writer overruns a buffer on huge numbers.
      request.set_result_encoding(v1::ENCODING_WKT);
      check(spec, request);
      continue;
    }
    *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, as);
    *request.mutable_b_rows() = client::MakeBatch(v1::ENCODING_WKT, bs);
    check(spec, request);
    // Broadcast: the prepared kernels, where the operation has them.
    *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, wkts);
    for (const std::string& b : wkts) {
      SCOPED_TRACE(b);
      request.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKT);
      request.mutable_b_broadcast()->set_data(b);
      if (b == wkts.back()) {  // Refused input: as b, the whole request.
        EXPECT_EQ(client_->Compute(request).status().code(),
                  absl::StatusCode::kInvalidArgument);
        continue;
      }
      check(spec, request);
    }
  }
  // And a few answers GEOS would have crashed computing.
  auto answer = [&](v1::OpCode op, const std::string& wkt) {
    v1::ComputeRequest request;
    request.mutable_operation()->set_op(op);
    *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, {wkt});
    request.set_result_encoding(v1::ENCODING_WKT);
    auto result = client_->Compute(request);
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok() || result->binary.size() != 1) return std::string();
    return result->binary[0];
  };
  EXPECT_EQ(answer(v1::OP_CODE_UNARY_UNION, wkts[7]), "LINESTRING (0 0, 1 1)");
  EXPECT_EQ(answer(v1::OP_CODE_UNARY_UNION, wkts[9]), "POINT (1 1)");
  EXPECT_EQ(answer(v1::OP_CODE_NODE, wkts[11]),
            "MULTILINESTRING ((0 0, 1 1), (1 1, 2 2), (0 2, 1 1), (1 1, 2 0))");
  EXPECT_EQ(answer(v1::OP_CODE_UNION_ALL, wkts[8]),
            "POLYGON ((0 0, 1 0, 1 1, 0 0))");

  // An empty point inside a multipoint crashes nearly every GEOS operation:
  // such rows are refused as input.
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_CONVEX_HULL);
  *request.mutable_a() = client::MakeBatch(
      v1::ENCODING_WKT, {"MULTIPOINT (EMPTY, (1 1))", "POINT (2 2)"});
  auto result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->errors.size(), 1u);
  EXPECT_EQ(result->errors[0].row(), 0u);
  EXPECT_EQ(result->errors[0].code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(result->errors[0].message(),
              ::testing::HasSubstr("empty point inside a MULTIPOINT"));
  EXPECT_EQ(result->summary.error_rows(), 1u);

  // So are ordinates beyond 1e150; and GEOS cannot inscribe a circle in a
  // polygon a 1e-300 across.
  request.mutable_operation()->set_op(v1::OP_CODE_MAXIMUM_INSCRIBED_CIRCLE);
  *request.mutable_a() =
      client::MakeBatch(v1::ENCODING_WKT, {wkts.end()[-1], wkts.end()[-2]});
  result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->errors.size(), 2u);
  EXPECT_THAT(result->errors[0].message(),
              ::testing::HasSubstr("coordinate 1e+308 is beyond +-1e+150"));
  EXPECT_THAT(result->errors[1].message(),
              ::testing::HasSubstr("extent 1e-300 is below 1e-150"));
  for (const v1::RowError& e : result->errors) {
    EXPECT_EQ(e.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  }
}

absl::Status ComputeStatus(client::Client* c, const v1::ComputeRequest& r) {
  return c->Compute(r).status();
}

TEST_F(ServiceTest, MalformedRequestsAreInvalidArgument) {
  v1::ComputeRequest request;
  *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, {"POINT (1 1)"});

  request.mutable_operation()->set_op(static_cast<v1::OpCode>(4242));
  absl::Status s = ComputeStatus(client_, request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown operation code 4242"), std::string::npos);

  request.mutable_operation()->set_op(v1::OP_CODE_BUFFER);
  request.mutable_operation()->mutable_buffer()->set_quadsegs(5000);
  s = ComputeStatus(client_, request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "parameter 'buffer.quadsegs' of 'buffer' must be in [1, 1000], "
            "got 5000");

  request.mutable_operation()->mutable_buffer()->clear_quadsegs();
  request.mutable_a()->add_offsets(99);
  s = ComputeStatus(client_, request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "a: last offset is 99 but data holds 11 bytes");
}

TEST(ServiceLimitsTest, OversizedRequestsAreResourceExhausted) {
  service::Server::Options options;
  options.max_message_bytes = 1 << 20;
  options.service.limits.max_rows = 1000;
  auto server = StartServer(options);
  auto c = Connect(*server);

  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_AREA);
  client::BatchBuilder big(v1::ENCODING_WKB);
  for (int i = 0; i < 60000; ++i) big.AddPoint(i, i);  // ~1.3 MB
  *request.mutable_a() = big.Build();
  absl::Status s = ComputeStatus(c.get(), request);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;

  client::BatchBuilder rows(v1::ENCODING_WKB);
  for (int i = 0; i < 1001; ++i) rows.AddPoint(i, i);
  *request.mutable_a() = rows.Build();
  s = ComputeStatus(c.get(), request);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(),
            "batch has 1001 rows; the limit is 1000 (max_rows_per_batch)");
}

// Admission: work beyond the queue bound is refused at once, retryably,
// rather than queued without limit; admitted work is unaffected.
TEST(ServiceLimitsTest, AFullQueueRefusesNewWorkAtOnce) {
  service::Server::Options options;
  options.num_workers = 1;
  options.max_queued_tasks = 64;
  auto server = StartServer(options);
  auto c = Connect(*server);

  v1::ComputeRequest big;  // 200 one-row chunks: more than the queue holds.
  big.mutable_operation()->set_op(v1::OP_CODE_AREA);
  std::vector<std::string> rows(200, "POLYGON ((0 0, 1 0, 1 1, 0 0))");
  *big.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, rows);
  big.set_chunk_rows(1);
  absl::Status s = ComputeStatus(c.get(), big);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("server busy"), std::string::npos) << s;

  // The same with a broadcast operand decoded first: the job's chunks are
  // counted at admission too.
  v1::ComputeRequest binary = big;
  binary.mutable_operation()->set_op(v1::OP_CODE_INTERSECTS);
  binary.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKT);
  binary.mutable_b_broadcast()->set_data("POINT (0 0)");
  EXPECT_EQ(ComputeStatus(c.get(), binary).code(),
            absl::StatusCode::kResourceExhausted);

  big.set_chunk_rows(8);  // 25 chunks fit.
  auto result = c->Compute(big);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->doubles[199], 0.5);
}

// --- Cancellation and deadlines -----------------------------------------

v1::ComputeRequest HeavyRequest(int rows) {
  testing::RandomGeometries random(77);
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_BUFFER);
  request.mutable_operation()->mutable_buffer()->set_radius(3);
  request.mutable_operation()->mutable_buffer()->set_quadsegs(256);
  std::vector<std::string> polygons;
  for (int i = 0; i < rows; ++i) polygons.push_back(random.PolygonWkt(24));
  *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, polygons);
  request.set_chunk_rows(16);
  return request;
}

TEST_F(ServiceTest, ClientCancellingMidBatchLeavesTheServerServing) {
  const v1::ComputeRequest request = HeavyRequest(20000);
  for (int attempt = 0; attempt < 3; ++attempt) {
    grpc::ClientContext context;
    auto reader = client_->stub()->Compute(&context, request);
    v1::ComputeResponse response;
    ASSERT_TRUE(reader->Read(&response));  // The batch is under way.
    context.TryCancel();
    while (reader->Read(&response)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // The pool is free again: a small request is answered correctly.
  v1::ComputeRequest small;
  small.mutable_operation()->set_op(v1::OP_CODE_AREA);
  *small.mutable_a() = client::MakeBatch(
      v1::ENCODING_WKT, {"POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))"});
  auto result = client_->Compute(small);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->doubles[0], 4);
}

TEST_F(ServiceTest, DeadlineStopsTheRemainingChunks) {
  const v1::ComputeRequest request = HeavyRequest(20000);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(100));
  auto reader = client_->stub()->Compute(&context, request);
  v1::ComputeResponse response;
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

// A single row whose buffer GEOS would take seconds (minutes at larger
// sizes) over: the deadline interrupts it inside GEOS, and a concurrent
// request on the other worker still gets exact results.
TEST_F(ServiceTest, PathologicalRowEndsAtItsDeadlineWithoutHarmingOthers) {
  v1::ComputeRequest heavy;
  heavy.mutable_operation()->set_op(v1::OP_CODE_BUFFER);
  heavy.mutable_operation()->mutable_buffer()->set_radius(5);
  heavy.mutable_operation()->mutable_buffer()->set_quadsegs(32);
  *heavy.mutable_a() =
      client::MakeBatch(v1::ENCODING_WKT, {testing::RandomWalkWkt(5000)});

  std::thread other([] {
    auto c = Connect(*server_);
    for (int round = 0; round < 20; ++round) {
      v1::ComputeRequest request;
      request.mutable_operation()->set_op(v1::OP_CODE_BUFFER);
      request.mutable_operation()->mutable_buffer()->set_radius(1);
      *request.mutable_a() = client::MakeBatch(
          v1::ENCODING_WKT, {"LINESTRING (0 0, 10 0, 10 10)", "POINT (3 3)"});
      request.set_result_encoding(v1::ENCODING_WKT);
      auto result = c->Compute(request);
      ASSERT_TRUE(result.ok()) << result.status();
      ASSERT_TRUE(result->errors.empty()) << result->errors[0].message();
      geos::Context context;
      auto a = context.ReadWkt("LINESTRING (0 0, 10 0, 10 10)");
      geos::GeometryPtr expected =
          context.Own(GEOSBuffer_r(context.handle(), a->get(), 1, 8));
      std::string wkt;
      ASSERT_TRUE(context.WriteWkt(expected.get(), {}, &wkt).ok());
      EXPECT_EQ(result->binary[0], wkt);
    }
  });
  for (int attempt = 0; attempt < 2; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(200));
    const absl::Time start = absl::Now();
    auto reader = client_->stub()->Compute(&context, heavy);
    v1::ComputeResponse response;
    while (reader->Read(&response)) {
    }
    EXPECT_EQ(reader->Finish().error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
    // Reported, not asserted: bench/ owns timings.
    RecordProperty(
        absl::StrCat("deadline_exceeded_after_ms_", attempt),
        static_cast<int>(absl::ToInt64Milliseconds(absl::Now() - start)));
  }
  other.join();
}

// --- Streams, discovery, encodings ------------------------------------------

TEST_F(ServiceTest, ComputeStreamPipelinesBatchesByIdAndSurvivesABadOne) {
  grpc::ClientContext context;
  auto stream = client_->stub()->ComputeStream(&context);
  constexpr int kBatches = 12;
  for (int id = 0; id < kBatches; ++id) {
    v1::ComputeStreamRequest request;
    request.set_id(100 + id);
    v1::ComputeRequest* r = request.mutable_request();
    r->mutable_operation()->set_op(id == 5 ? v1::OP_CODE_UNSPECIFIED
                                           : v1::OP_CODE_AREA);
    std::vector<std::string> squares;
    for (int i = 0; i < 50; ++i) {
      const int side = id + 1;
      squares.push_back(absl::StrCat("POLYGON ((0 0, ", side, " 0, ", side, " ",
                                     side, ", 0 ", side, ", 0 0))"));
    }
    *r->mutable_a() = client::MakeBatch(v1::ENCODING_WKT, squares);
    r->set_chunk_rows(16);
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  std::map<uint64_t, int> rows;
  std::map<uint64_t, v1::ComputeSummary> summaries;
  v1::ComputeStreamResponse response;
  while (stream->Read(&response)) {
    const uint64_t id = response.id();
    if (response.response().has_summary()) {
      EXPECT_FALSE(summaries.count(id)) << "two summaries for " << id;
      summaries[id] = response.response().summary();
      continue;
    }
    EXPECT_FALSE(summaries.count(id)) << "chunk after summary for " << id;
    const auto& chunk = response.response().chunk();
    const double side = id - 100 + 1;
    for (double area : chunk.doubles().values()) EXPECT_EQ(area, side * side);
    rows[id] += chunk.row_count();
  }
  EXPECT_TRUE(stream->Finish().ok());
  ASSERT_EQ(summaries.size(), static_cast<size_t>(kBatches));
  for (int id = 0; id < kBatches; ++id) {
    if (id == 5) {
      EXPECT_EQ(summaries[105].status().code(),
                static_cast<int>(absl::StatusCode::kInvalidArgument));
      EXPECT_EQ(summaries[105].status().message(), "operation.op is not set");
    } else {
      EXPECT_EQ(summaries[100 + id].status().code(), 0);
      EXPECT_EQ(rows[100 + id], 50);
    }
  }
}

// Batches that fail validation end on the reading thread while good ones end
// on workers: both start the next read, and only one read may be in flight.
TEST_F(ServiceTest, ComputeStreamBatchesEndingOnEveryThreadReadOneAtATime) {
  grpc::ClientContext context;
  auto stream = client_->stub()->ComputeStream(&context);
  constexpr int kBatches = 400;
  for (int id = 0; id < kBatches; ++id) {
    v1::ComputeStreamRequest request;
    request.set_id(id);
    v1::ComputeRequest* r = request.mutable_request();
    r->mutable_operation()->set_op(id % 3 == 0 ? v1::OP_CODE_UNSPECIFIED
                                               : v1::OP_CODE_AREA);
    *r->mutable_a() = client::MakeBatch(
        v1::ENCODING_WKT, {"POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))"});
    ASSERT_TRUE(stream->Write(request));
  }
  stream->WritesDone();
  std::map<uint64_t, v1::ComputeSummary> summaries;
  v1::ComputeStreamResponse response;
  while (stream->Read(&response)) {
    if (response.response().has_summary()) {
      summaries[response.id()] = response.response().summary();
    } else {
      EXPECT_EQ(response.response().chunk().doubles().values(0), 4.0);
    }
  }
  EXPECT_TRUE(stream->Finish().ok());
  ASSERT_EQ(summaries.size(), static_cast<size_t>(kBatches));
  for (const auto& [id, summary] : summaries) {
    EXPECT_EQ(
        summary.status().code(),
        id % 3 == 0 ? static_cast<int>(absl::StatusCode::kInvalidArgument) : 0)
        << id;
  }
}

TEST_F(ServiceTest, ComputeStreamCancelledMidwayEnds) {
  const v1::ComputeRequest heavy = HeavyRequest(5000);
  grpc::ClientContext context;
  auto stream = client_->stub()->ComputeStream(&context);
  for (int id = 0; id < 3; ++id) {
    v1::ComputeStreamRequest request;
    request.set_id(id);
    *request.mutable_request() = heavy;
    ASSERT_TRUE(stream->Write(request));
  }
  v1::ComputeStreamResponse response;
  ASSERT_TRUE(stream->Read(&response));
  context.TryCancel();
  while (stream->Read(&response)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ServiceTest, ListOperationsDescribesTheTable) {
  auto list = client_->ListOperations();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->operations_size(),
            static_cast<int>(ops::AllOperations().size()));
  auto buffer = client_->DescribeOperation("buffer");
  ASSERT_TRUE(buffer.ok());
  EXPECT_EQ(buffer->parameters_size(), 6);
  EXPECT_EQ(client_->DescribeOperation("nope").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(ServiceTest, GeometryResultsComeInTheRequestedEncoding) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_ENVELOPE);
  *request.mutable_a() =
      client::MakeBatch(v1::ENCODING_WKT, {"LINESTRING (0 0, 2 1)"});
  request.set_result_encoding(v1::ENCODING_WKT);
  auto wkt = client_->Compute(request);
  ASSERT_TRUE(wkt.ok());
  EXPECT_EQ(wkt->binary_encoding, v1::ENCODING_WKT);
  EXPECT_EQ(wkt->binary[0], "POLYGON ((0 0, 2 0, 2 1, 0 1, 0 0))");
  request.set_result_encoding(v1::ENCODING_HEX_WKB);
  auto hex = client_->Compute(request);
  ASSERT_TRUE(hex.ok());
  EXPECT_EQ(hex->binary_encoding, v1::ENCODING_HEX_WKB);
  EXPECT_EQ(hex->binary[0].substr(0, 10), "0103000000");
}

TEST_F(ServiceTest, GeoJsonRowsInAndOut) {
  std::string deep = R"({"type":"Point","coordinates":[1,2]})";
  for (int i = 0; i < 100; ++i) {
    deep = absl::StrCat(R"({"type":"GeometryCollection","geometries":[)", deep,
                        "]}");
  }
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_CENTROID);
  *request.mutable_a() = client::MakeBatch(
      v1::ENCODING_GEOJSON,
      {R"({"type":"LineString","coordinates":[[0,0],[4,0]]})",
       R"({"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[5,6]}})",
       R"({"type":"Point","coordinates":[1e999,0]})", deep, "{nope"});
  request.set_result_encoding(v1::ENCODING_GEOJSON);
  auto result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->binary_encoding, v1::ENCODING_GEOJSON);
  EXPECT_EQ(result->binary[0], R"({"type":"Point","coordinates":[2.0,0.0]})");
  EXPECT_EQ(result->binary[1], R"({"type":"Point","coordinates":[5.0,6.0]})");
  ASSERT_EQ(result->errors.size(), 3u);
  EXPECT_THAT(result->errors[0].message(),
              ::testing::HasSubstr("number overflow"));
  EXPECT_THAT(result->errors[1].message(),
              ::testing::HasSubstr("nested deeper than"));
  EXPECT_THAT(result->errors[2].message(), ::testing::HasSubstr("GeoJSON"));
  for (const auto& e : result->errors) {
    EXPECT_EQ(e.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  }

  request.mutable_operation()->set_op(v1::OP_CODE_TO_GEOJSON);
  request.mutable_operation()->mutable_geojson()->set_indent(1);
  *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, {"POINT (1 2)"});
  result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(
      result->binary[0],
      "{\n \"type\": \"Point\",\n \"coordinates\": [\n  1.0,\n  2.0\n ]\n}");
}

TEST_F(ServiceTest, EveryWkbFlavorDecodes) {
  auto wkb = [](absl::string_view hex) { return absl::HexStringToBytes(hex); };
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_TO_WKT);
  *request.mutable_a() = client::MakeBatch(
      v1::ENCODING_WKB,
      {
          // ISO Z, extended Z, extended with SRID, ISO M (GEOS 3.11 drops
          // M), ISO ZM, big-endian.
          wkb("01E9030000000000000000F03F00000000000000400000000000000840"),
          wkb("0101000080000000000000F03F00000000000000400000000000000840"),
          wkb("0101000020E6100000000000000000F03F0000000000000040"),
          wkb("01D1070000000000000000F03F00000000000000400000000000000840"),
          wkb("01B90B0000000000000000F03F000000000000004000000000000008400000"
              "000000001040"),
          wkb("00000000013FF00000000000004000000000000000"),
      });
  auto result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->errors.empty());
  EXPECT_THAT(result->binary,
              ::testing::ElementsAre("POINT Z (1 2 3)", "POINT Z (1 2 3)",
                                     "POINT (1 2)", "POINT (1 2)",
                                     "POINT Z (1 2 3)", "POINT (1 2)"));
}

TEST_F(ServiceTest, SridsRoundTripThroughExtendedWkb) {
  geos::Context context;
  auto point = context.ReadWkt("POINT (1 2)");
  GEOSSetSRID_r(context.handle(), point->get(), 3857);
  std::string ewkb;
  ASSERT_TRUE(
      context.WriteWkb(point->get(), {.include_srid = true}, &ewkb).ok());

  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_GET_SRID);
  *request.mutable_a() =
      client::MakeBatch(v1::ENCODING_WKB, {ewkb, client::PointWkb(0, 0)});
  auto result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->ints, ::testing::ElementsAre(3857, 0));

  request.mutable_operation()->set_op(v1::OP_CODE_SET_SRID);
  request.mutable_operation()->mutable_srid()->set_srid(4326);
  result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  for (const std::string& wkb : result->binary) {
    auto g = context.ReadWkb(wkb);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(GEOSGetSRID_r(context.handle(), g->get()), 4326);
  }
}

TEST_F(ServiceTest, CreationOpsKeepTheSrid) {
  geos::Context context;
  auto ewkb = [&](const std::string& wkt) {
    auto g = context.ReadWkt(wkt);
    GEOSSetSRID_r(context.handle(), g->get(), 3857);
    std::string out;
    EXPECT_TRUE(context.WriteWkb(g->get(), {.include_srid = true}, &out).ok());
    return out;
  };
  const std::string point = ewkb("POINT (1 2)");
  const std::string open_line = ewkb("LINESTRING Z (0 0 1, 4 0 2, 4 3 3)");
  const std::string closed_line = ewkb("LINESTRING (0 0, 4 0, 4 3, 0 0)");
  const std::pair<v1::OpCode, std::string> cases[] = {
      {v1::OP_CODE_IDENTITY, open_line},
      {v1::OP_CODE_POINTS, point},
      {v1::OP_CODE_LINESTRINGS, open_line},
      {v1::OP_CODE_LINEARRINGS, open_line},
      {v1::OP_CODE_POLYGONS, closed_line},
  };
  for (const auto& [op, row] : cases) {
    SCOPED_TRACE(ops::OperationName(op));
    v1::ComputeRequest request;
    request.mutable_operation()->set_op(op);
    *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKB, {row});
    auto result = client_->Compute(request);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_TRUE(result->errors.empty()) << result->errors[0].message();
    ASSERT_EQ(result->binary.size(), 1u);
    auto g = context.ReadWkb(result->binary[0]);
    ASSERT_TRUE(g.ok()) << g.status();
    EXPECT_EQ(GEOSGetSRID_r(context.handle(), g->get()), 3857);
  }
}

// The reductions, over many chunks, against one direct GEOS call on the
// whole batch. Chunk-wise reduction may order vertices differently, so
// results are compared as point sets (symmetric difference area).
class ReductionTest : public ServiceTest {
 protected:
  absl::StatusOr<ComputeResult> Reduce(v1::OpCode op,
                                       const std::vector<std::string>& wkts) {
    v1::ComputeRequest request;
    request.mutable_operation()->set_op(op);
    *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, wkts);
    request.set_chunk_rows(7);
    return client_->Compute(request);
  }

  // Checks `wkb` covers the same points as `expected`.
  void ExpectSameArea(const std::string& wkb, GEOSGeometry* expected) {
    geos::GeometryPtr owned = context_.Own(expected);
    auto got = context_.ReadWkb(wkb);
    ASSERT_TRUE(got.ok()) << got.status();
    double area = 0, diff_area = 0;
    GEOSArea_r(context_.handle(), expected, &area);
    geos::GeometryPtr diff = context_.Own(
        GEOSSymDifference_r(context_.handle(), got->get(), expected));
    GEOSArea_r(context_.handle(), diff.get(), &diff_area);
    EXPECT_GT(area, 0);
    EXPECT_LE(diff_area, 1e-9 * area);
  }

  // The rows as one GEOS collection, for the direct call.
  geos::GeometryPtr Collect(const std::vector<std::string>& wkts) {
    std::vector<GEOSGeometry*> parts;
    for (const auto& w : wkts) parts.push_back(context_.ReadWkt(w)->release());
    return context_.Own(
        GEOSGeom_createCollection_r(context_.handle(), GEOS_GEOMETRYCOLLECTION,
                                    parts.data(), parts.size()));
  }

  geos::Context context_;
};

TEST_F(ReductionTest, UnionAllMatchesOneUnaryUnion) {
  testing::RandomGeometries random(7);
  std::vector<std::string> wkts;
  for (int i = 0; i < 200; ++i) wkts.push_back(random.PolygonWkt(12));
  auto result = Reduce(v1::OP_CODE_UNION_ALL, wkts);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->summary.result_rows(), 1u);
  ASSERT_EQ(result->binary.size(), 1u);
  EXPECT_TRUE(result->errors.empty());
  ExpectSameArea(result->binary[0],
                 GEOSUnaryUnion_r(context_.handle(), Collect(wkts).get()));
}

TEST_F(ReductionTest, IntersectionAllMatchesAFold) {
  std::vector<std::string> wkts;
  for (int i = 0; i < 40; ++i) {
    wkts.push_back(absl::StrCat("POLYGON ((", i * 0.1, " 0, 10 0, 10 10, ",
                                i * 0.1, " 10, ", i * 0.1, " 0))"));
  }
  auto result = Reduce(v1::OP_CODE_INTERSECTION_ALL, wkts);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->binary.size(), 1u);
  ExpectSameArea(
      result->binary[0],
      context_.ReadWkt("POLYGON ((3.9 0, 10 0, 10 10, 3.9 10, 3.9 0))")
          ->release());
}

TEST_F(ReductionTest, CoverageUnionOfAGridIsItsOutline) {
  std::vector<std::string> wkts;
  for (int x = 0; x < 10; ++x) {
    for (int y = 0; y < 10; ++y) {
      wkts.push_back(absl::StrCat("POLYGON ((", x, " ", y, ", ", x + 1, " ", y,
                                  ", ", x + 1, " ", y + 1, ", ", x, " ", y + 1,
                                  ", ", x, " ", y, "))"));
    }
  }
  auto result = Reduce(v1::OP_CODE_COVERAGE_UNION, wkts);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->binary.size(), 1u);
  ExpectSameArea(
      result->binary[0],
      context_.ReadWkt("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))")->release());
}

TEST_F(ReductionTest, SymmetricDifferenceAllKeepsOddCover) {
  // Strips [i, i+2] x [0, 1]: every point of [1, 20] is covered twice.
  std::vector<std::string> wkts;
  for (int i = 0; i < 20; ++i) {
    wkts.push_back(absl::StrCat("POLYGON ((", i, " 0, ", i + 2, " 0, ", i + 2,
                                " 1, ", i, " 1, ", i, " 0))"));
  }
  auto result = Reduce(v1::OP_CODE_SYMMETRIC_DIFFERENCE_ALL, wkts);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->binary.size(), 1u);
  ExpectSameArea(result->binary[0],
                 context_
                     .ReadWkt("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 1, 0 0)), "
                              "((20 0, 21 0, 21 1, 20 1, 20 0)))")
                     ->release());
}

// Shapely's polygonize takes the whole array, as GEOSPolygonize does: a
// grid of lines, seven rows to a chunk, makes its cells only together.
TEST_F(ReductionTest, PolygonizeAllMatchesOneGeosPolygonize) {
  // The unit edges of a 10 x 10 grid: noded, as polygonize wants them.
  std::vector<std::string> wkts;
  for (int i = 0; i <= 10; ++i) {
    for (int j = 0; j < 10; ++j) {
      wkts.push_back(
          absl::StrCat("LINESTRING (", i, " ", j, ", ", i, " ", j + 1, ")"));
      wkts.push_back(
          absl::StrCat("LINESTRING (", j, " ", i, ", ", j + 1, " ", i, ")"));
    }
  }
  wkts.push_back("LINESTRING (10 10, 12 12)");  // A dangle.
  std::vector<const GEOSGeometry*> rows;
  std::vector<geos::GeometryPtr> owned;
  for (const auto& w : wkts) {
    owned.push_back(*context_.ReadWkt(w));
    rows.push_back(owned.back().get());
  }
  auto result = Reduce(v1::OP_CODE_POLYGONIZE_ALL, wkts);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->binary.size(), 1u);
  auto got = context_.ReadWkb(result->binary[0]);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(GEOSGetNumGeometries_r(context_.handle(), got->get()), 100);
  ExpectSameArea(result->binary[0],
                 GEOSPolygonize_r(context_.handle(), rows.data(), rows.size()));

  result = Reduce(v1::OP_CODE_POLYGONIZE_FULL_ALL, wkts);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->binary.size(), 1u);
  got = context_.ReadWkb(result->binary[0]);
  ASSERT_TRUE(got.ok());
  const GEOSContextHandle_t h = context_.handle();
  ASSERT_EQ(GEOSGetNumGeometries_r(h, got->get()), 4);
  EXPECT_EQ(GEOSGetNumGeometries_r(h, GEOSGetGeometryN_r(h, got->get(), 0)),
            100);
  EXPECT_EQ(GEOSGetNumGeometries_r(h, GEOSGetGeometryN_r(h, got->get(), 1)),
            0);  // No cut edges.
  geos::GeometryPtr dangle = *context_.ReadWkt("LINESTRING (10 10, 12 12)");
  const GEOSGeometry* dangles = GEOSGetGeometryN_r(h, got->get(), 2);
  ASSERT_EQ(GEOSGetNumGeometries_r(h, dangles), 1);
  EXPECT_EQ(GEOSEquals_r(h, GEOSGetGeometryN_r(h, dangles, 0), dangle.get()),
            1);
}

// coverage_union_all is coverage_union; disjoint_subset_union_all answers
// union_all's union on GEOS 3.11.
TEST_F(ReductionTest, TheAliasesAnswerAsTheirOriginals) {
  std::vector<std::string> wkts;
  for (int x = 0; x < 6; ++x) {
    wkts.push_back(absl::StrCat("POLYGON ((", x, " 0, ", x + 1, " 0, ", x + 1,
                                " 1, ", x, " 1, ", x, " 0))"));
  }
  for (v1::OpCode op : {v1::OP_CODE_COVERAGE_UNION_ALL,
                        v1::OP_CODE_DISJOINT_SUBSET_UNION_ALL}) {
    auto result = Reduce(op, wkts);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->binary.size(), 1u);
    ExpectSameArea(
        result->binary[0],
        context_.ReadWkt("POLYGON ((0 0, 6 0, 6 1, 0 1, 0 0))")->release());
  }
}

TEST_F(ReductionTest, BadRowsAreReportedAndTheRestReduced) {
  auto result = Reduce(v1::OP_CODE_UNION_ALL, {"POLYGON ((0 0, 1 0, 1 1, 0 0))",
                                               "POLYGON ((0 0", "POINT (5 5)"});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->errors.size(), 1u);
  EXPECT_EQ(result->errors[0].row(), 1u);
  ASSERT_EQ(result->binary.size(), 1u);
  auto g = context_.ReadWkb(result->binary[0]);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(GEOSGeomTypeId_r(context_.handle(), g->get()),
            GEOS_GEOMETRYCOLLECTION);
  EXPECT_EQ(GEOSGetNumGeometries_r(context_.handle(), g->get()), 2);

  // Rows GEOS cannot reduce fail the batch, naming them.
  result = Reduce(v1::OP_CODE_COVERAGE_UNION, {"POINT (0 0)"});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(),
              ::testing::HasSubstr("rows 0-0: GEOS: IllegalArgumentException"));

  result = Reduce(v1::OP_CODE_UNION_ALL, {});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->binary.size(), 1u);
  g = context_.ReadWkb(result->binary[0]);
  EXPECT_EQ(GEOSisEmpty_r(context_.handle(), g->get()), 1);
}

// Rows grouped by key, each group against one direct GEOSUnaryUnion_r of
// its rows; chunk sizes the server picks and ones that split most groups.
TEST_F(ReductionTest, GroupedUnionAllMatchesAUnionPerGroup) {
  testing::RandomGeometries random(11);
  std::vector<std::string> wkts;
  std::vector<int64_t> keys;
  std::map<int64_t, std::vector<std::string>> groups;
  for (int i = 0; i < 300; ++i) {
    wkts.push_back(random.PolygonWkt(10));
    keys.push_back((i * 37) % 7 - 3);  // -3..3, interleaved.
    groups[keys.back()].push_back(wkts.back());
  }
  for (const uint32_t chunk_rows : {0u, 11u, 1000u}) {
    v1::ComputeRequest request;
    request.mutable_operation()->set_op(v1::OP_CODE_UNION_ALL);
    *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, wkts);
    request.mutable_group_keys()->Add(keys.begin(), keys.end());
    request.set_chunk_rows(chunk_rows);
    auto result = client_->Compute(request);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->mapping, v1::RESULT_MAPPING_ONE_PER_GROUP);
    EXPECT_EQ(result->summary.result_rows(), groups.size());
    EXPECT_TRUE(result->errors.empty());
    EXPECT_TRUE(result->group_errors.empty());
    ASSERT_EQ(result->group_keys.size(), groups.size());
    ASSERT_EQ(result->binary.size(), groups.size());
    size_t g = 0;
    for (const auto& [key, rows] : groups) {
      SCOPED_TRACE(absl::StrCat("chunk_rows ", chunk_rows, ", key ", key));
      EXPECT_EQ(result->group_keys[g], key);
      ExpectSameArea(result->binary[g],
                     GEOSUnaryUnion_r(context_.handle(), Collect(rows).get()));
      ++g;
    }
  }
}

TEST_F(ReductionTest, GroupedReductionReportsRowsAndGroupsApart) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_COVERAGE_UNION);
  // Group 5: two squares sharing an edge. Group 7: a point, which coverage
  // union refuses. Group 9: only a row that does not decode.
  *request.mutable_a() = client::MakeBatch(
      v1::ENCODING_WKT,
      {"POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))", "POINT (3 3)", "POLYGON ((0 0",
       "POLYGON ((1 0, 2 0, 2 1, 1 1, 1 0))"});
  for (const int64_t k : {5, 7, 9, 5}) request.add_group_keys(k);
  request.set_chunk_rows(1);
  auto result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->summary.status().code(), 0);
  ASSERT_EQ(result->group_keys, (std::vector<int64_t>{5, 7, 9}));
  ASSERT_EQ(result->errors.size(), 1u);
  EXPECT_EQ(result->errors[0].row(), 2u);  // A row of a.
  ASSERT_EQ(result->group_errors.size(), 1u);
  EXPECT_EQ(result->group_errors[0].row(), 1u);  // Group 1: key 7.
  EXPECT_EQ(result->group_errors[0].code(),
            static_cast<int>(absl::StatusCode::kFailedPrecondition));
  ASSERT_EQ(result->binary.size(), 3u);
  ExpectSameArea(
      result->binary[0],
      context_.ReadWkt("POLYGON ((0 0, 2 0, 2 1, 0 1, 0 0))")->release());
  EXPECT_TRUE(result->binary[1].empty());
  auto empty = context_.ReadWkb(result->binary[2]);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(GEOSisEmpty_r(context_.handle(), empty->get()), 1);
}

// The collects against GEOS collections made directly from the rows, in
// order: 40 points over chunks of 7 (several partial results), and per
// group with interleaved keys, each group split over chunks.
TEST_F(ReductionTest, CollectsKeepRowOrderAcrossChunksAndGroups) {
  const GEOSContextHandle_t h = context_.handle();
  std::vector<std::string> wkts;
  for (int i = 0; i < 40; ++i) {
    wkts.push_back(absl::StrCat("POINT (", (i * 37) % 41, " ", i, ")"));
  }
  // What GEOS makes of `rows` as a collection of `type`.
  const auto direct = [&](int type, const std::vector<std::string>& rows) {
    std::vector<GEOSGeometry*> parts;
    for (const auto& w : rows) parts.push_back(context_.ReadWkt(w)->release());
    geos::GeometryPtr g = context_.Own(GEOSGeom_createCollection_r(
        h, type, parts.data(), static_cast<unsigned>(parts.size())));
    std::string wkb;
    EXPECT_TRUE(context_.WriteWkb(g.get(), {}, &wkb).ok());
    return wkb;
  };
  auto result = Reduce(v1::OP_CODE_MULTIPOINTS, wkts);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->binary.size(), 1u);
  EXPECT_EQ(result->binary[0], direct(GEOS_MULTIPOINT, wkts));

  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_MULTIPOINTS);
  *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, wkts);
  std::map<int64_t, std::vector<std::string>> groups;
  for (size_t i = 0; i < wkts.size(); ++i) {
    const int64_t key = (i * 7) % 3 - 1;  // -1, 0, 1 interleaved.
    request.add_group_keys(key);
    groups[key].push_back(wkts[i]);
  }
  for (const uint32_t chunk_rows : {0u, 1u, 5u}) {
    request.set_chunk_rows(chunk_rows);
    result = client_->Compute(request);
    ASSERT_TRUE(result.ok()) << result.status();
    ASSERT_EQ(result->group_keys, (std::vector<int64_t>{-1, 0, 1}));
    for (size_t g = 0; g < 3; ++g) {
      EXPECT_EQ(result->binary[g],
                direct(GEOS_MULTIPOINT, groups[result->group_keys[g]]))
          << "group " << g << ", chunk_rows " << chunk_rows;
    }
  }
}

TEST_F(ReductionTest, CollectsTakeTheirTypeOrFail) {
  const std::vector<std::string> lines = {
      "LINESTRING (0 0, 1 1)", "LINESTRING EMPTY", "LINESTRING (5 5, 6 6)"};
  const auto wkt = [&](const std::string& wkb) {
    std::string out;
    EXPECT_TRUE(context_.WriteWkt(context_.ReadWkb(wkb)->get(), {}, &out).ok());
    return out;
  };
  auto result = Reduce(v1::OP_CODE_MULTILINESTRINGS, lines);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(wkt(result->binary[0]), "MULTILINESTRING ((0 0, 1 1), (5 5, 6 6))");
  result = Reduce(v1::OP_CODE_COLLECT, lines);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(wkt(result->binary[0]), "MULTILINESTRING ((0 0, 1 1), (5 5, 6 6))");
  const std::vector<std::string> mixed = {
      "POINT (1 2)", "POLYGON ((0 0, 1 0, 1 1, 0 0))", "POINT EMPTY"};
  result = Reduce(v1::OP_CODE_COLLECT, mixed);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(wkt(result->binary[0]),
            "GEOMETRYCOLLECTION (POINT (1 2), POLYGON ((0 0, 1 0, 1 1, 0 0)), "
            "POINT EMPTY)");
  result = Reduce(v1::OP_CODE_GEOMETRYCOLLECTIONS, lines);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(wkt(result->binary[0]),
            "GEOMETRYCOLLECTION (LINESTRING (0 0, 1 1), LINESTRING EMPTY, "
            "LINESTRING (5 5, 6 6))");
  // A row of another type: the batch fails, or (grouped) its group.
  result = Reduce(v1::OP_CODE_MULTIPOLYGONS, mixed);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              ::testing::HasSubstr("multipolygons: row 0 of the collected "
                                   "rows is a Point, not a Polygon"));
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_MULTIPOLYGONS);
  *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, mixed);
  for (const int64_t k : {1, 2, 2}) request.add_group_keys(k);
  result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->group_errors.size(), 2u);  // Both hold a point.
  // Coordinates cannot carry a reduction's result.
  request.set_result_encoding(v1::ENCODING_COORDINATES);
  EXPECT_EQ(client_->Compute(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ReductionTest, GroupKeysNeedAReductionAndOneKeyPerRow) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_AREA);
  *request.mutable_a() =
      client::MakeBatch(v1::ENCODING_WKT, {"POINT (0 0)", "POINT (1 1)"});
  for (const int64_t k : {1, 2}) request.add_group_keys(k);
  auto result = client_->Compute(request);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              ::testing::HasSubstr("group_keys: operation 'area' is not a "
                                   "reduction"));
  request.mutable_operation()->set_op(v1::OP_CODE_UNION_ALL);
  request.clear_group_keys();
  for (const int64_t k : {1}) request.add_group_keys(k);
  result = client_->Compute(request);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(result.status().message(),
            "group_keys has 1 keys but a has 2 rows");
}

TEST_F(ReductionTest, TotalBoundsIsTheEnvelopeOfEveryRow) {
  const std::vector<std::string> wkts = {
      "POINT (3 -1)", "LINESTRING (0 0, 10 2)", "POINT EMPTY",
      "POLYGON ((-5 1, -4 1, -4 8, -5 1))", "POINT (100 100)"};
  auto result = Reduce(v1::OP_CODE_TOTAL_BOUNDS, wkts);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->doubles, (std::vector<double>{-5, -1, 100, 100}));

  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_TOTAL_BOUNDS);
  *request.mutable_a() = client::MakeBatch(v1::ENCODING_WKT, wkts);
  for (const int64_t k : {1, 1, 2, 1, 3}) request.add_group_keys(k);
  result = client_->Compute(request);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->group_keys, (std::vector<int64_t>{1, 2, 3}));
  ASSERT_EQ(result->doubles.size(), 12u);
  EXPECT_EQ(
      std::vector<double>(result->doubles.begin(), result->doubles.begin() + 4),
      (std::vector<double>{-5, -1, 10, 8}));
  for (int i = 4; i < 8; ++i) EXPECT_TRUE(std::isnan(result->doubles[i]));
  EXPECT_EQ(
      std::vector<double>(result->doubles.begin() + 8, result->doubles.end()),
      (std::vector<double>{100, 100, 100, 100}));
}

TEST_F(ServiceTest, ConcurrentClientsGetTheirOwnAnswers) {
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([t, &failures] {
      auto c = Connect(*server_);
      v1::ComputeRequest request;
      request.mutable_operation()->set_op(v1::OP_CODE_DISTANCE);
      client::BatchBuilder points(v1::ENCODING_WKB);
      for (int i = 0; i < 3000; ++i) points.AddPoint(i, t);
      *request.mutable_a() = points.Build();
      request.mutable_b_broadcast()->set_data(client::PointWkb(0, 0));
      auto result = c->Compute(request);
      if (!result.ok()) {
        ++failures;
        return;
      }
      for (int i = 0; i < 3000; ++i) {
        if (result->doubles[i] != std::hypot(i, t)) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

// --- Operability
// ---------------------------------------------------------------

grpc::health::v1::HealthCheckResponse::ServingStatus Health(
    const service::Server& server, const std::string& service_name) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server.port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service_name);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status s = stub->Check(&context, request, &response);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return response.status();
}

TEST_F(ServiceTest, HealthReportsServing) {
  EXPECT_EQ(Health(*server_, ""),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(*server_, "geosrpc.v1.GeometryService"),
            grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST(ServiceShutdownTest,
     DrainingReportsNotServingAndRefusesNewCallsRetryably) {
  service::Server::Options options;
  options.drain_delay = absl::Seconds(2);
  auto server = StartServer(options);
  auto c = Connect(*server);
  std::thread drain([&] { server->Shutdown(absl::Seconds(5)); });
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(Health(*server, ""),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health(*server, "geosrpc.v1.GeometryService"),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  // During the delay new calls are refused, retryably, before any work.
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_AREA);
  *request.mutable_a() = client::MakeBatch(
      v1::ENCODING_WKT, {"POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))"});
  auto no_retry = *client::Client::Create(
      {.target = absl::StrCat("127.0.0.1:", server->port()),
       .retry_unavailable = false});
  absl::Status s = no_retry->Compute(request).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("retry elsewhere"), std::string::npos) << s;
  drain.join();
}

TEST(ServiceMetricsTest, CountsWhatTheServerDid) {
  auto server = StartServer();
  auto c = Connect(*server);
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_AREA);
  *request.mutable_a() = client::MakeBatch(
      v1::ENCODING_WKT,
      {"POLYGON ((0 0, 1 0, 1 1, 0 0))", "POINT (1", "POINT (0 0)"});
  ASSERT_TRUE(c->Compute(request).ok());
  request.mutable_operation()->set_op(static_cast<v1::OpCode>(999));
  ASSERT_FALSE(c->Compute(request).ok());
  const std::string text = server->metrics().Scrape();
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "geosrpc_rows_processed_total{op=\"area\"} 3"));
  EXPECT_THAT(
      text,
      ::testing::HasSubstr(
          "geosrpc_row_errors_total{code=\"INVALID_ARGUMENT\",op=\"area\"} 1"));
  EXPECT_THAT(
      text,
      ::testing::HasSubstr(
          "geosrpc_rpcs_handled_total{code=\"OK\",method=\"Compute\"} 1"));
  EXPECT_THAT(text,
              ::testing::HasSubstr("geosrpc_rpcs_handled_total{code=\"INVALID_"
                                   "ARGUMENT\",method=\"Compute\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr("geosrpc_workers 2"));
  // The refused batch ran nothing: it is not a batch in the histogram.
  EXPECT_THAT(text, ::testing::HasSubstr("geosrpc_batch_rows_count 1\n"));
}

TEST_F(ServiceTest, ReflectionListsTheServicesAndServesTheirSchemas) {
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                          grpc::InsecureChannelCredentials());
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> names;
  for (const auto& s : response.list_services_response().service()) {
    names.push_back(s.name());
  }
  EXPECT_THAT(names, ::testing::Contains("geosrpc.v1.GeometryService"));
  EXPECT_THAT(names, ::testing::Contains("grpc.health.v1.Health"));

  // Every listed service's schema resolves, as generic tools (grpcurl,
  // buf curl) ask for it before a call: the file holding the service, with
  // its methods.
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    request.set_file_containing_symbol(name);
    ASSERT_TRUE(stream->Write(request));
    ASSERT_TRUE(stream->Read(&response));
    ASSERT_TRUE(response.has_file_descriptor_response())
        << response.error_response().error_message();
    std::vector<std::string> services;
    for (const std::string& bytes :
         response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      ASSERT_TRUE(file.ParseFromString(bytes));
      for (const auto& service : file.service()) {
        services.push_back(absl::StrCat(file.package(), ".", service.name()));
        if (services.back() == "grpc.health.v1.Health") {
          EXPECT_EQ(file.name(), "grpc/health/v1/health.proto");
          EXPECT_EQ(service.method(0).name(), "Check");
        }
      }
    }
    EXPECT_THAT(services, ::testing::Contains(name));
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace geosrpc
