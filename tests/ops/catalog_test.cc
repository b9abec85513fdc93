// Known answers for the rest of Shapely 2.1 and PostGIS's favourites:
// hand-derived results and the examples of PostGIS's and Shapely's
// documentation, through each operation's kernel; and their hostile inputs
// (empties, collapses, extreme parameters) as row errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "server/geos/context.h"
#include "server/ops/operations.h"
#include "server/ops/params.h"

namespace geosrpc::ops {
namespace {

class CatalogTest : public ::testing::Test {
 protected:
  // The kernel's value for a (and b) as WKT, or its row error.
  absl::StatusOr<std::string> Run(const v1::Operation& op, const std::string& a,
                                  const std::string& b = "") {
    absl::StatusOr<const OpSpec*> spec = FindOperation(op.op());
    if (!spec.ok()) return spec.status();
    absl::StatusOr<Params> params = ResolveParams(**spec, op);
    if (!params.ok()) return params.status();
    absl::StatusOr<geos::GeometryPtr> ga = c_.ReadWkt(a);
    if (!ga.ok()) return ga.status();
    geos::GeometryPtr gb;
    if (!b.empty()) gb = *c_.ReadWkt(b);
    Value v;
    const absl::Status s =
        (*spec)->kernel(c_, {ga->get(), gb.get(), nullptr}, *params, &v);
    if (!s.ok()) return s;
    if ((*spec)->result == ResultType::kBool) return v.flag ? "true" : "false";
    std::string out;
    if (absl::Status w = c_.WriteWkt(v.geometry.get(), {}, &out); !w.ok()) {
      return w;
    }
    return out;
  }

  absl::StatusOr<std::string> Run(v1::OpCode code, const std::string& a,
                                  const std::string& b = "") {
    v1::Operation op;
    op.set_op(code);
    return Run(op, a, b);
  }

  geos::Context c_;
};

TEST_F(CatalogTest, Force2dAnd3d) {
  EXPECT_EQ(*Run(v1::OP_CODE_FORCE_2D, "LINESTRING Z (0 1 2, 3 4 5)"),
            "LINESTRING (0 1, 3 4)");
  EXPECT_EQ(*Run(v1::OP_CODE_FORCE_2D, "POINT Z EMPTY"), "POINT EMPTY");
  EXPECT_EQ(*Run(v1::OP_CODE_FORCE_3D, "POLYGON ((0 0, 1 0, 0 1, 0 0))"),
            "POLYGON Z ((0 0 0, 1 0 0, 0 1 0, 0 0 0))");
  v1::Operation op;
  op.set_op(v1::OP_CODE_FORCE_3D);
  op.mutable_force_3d()->set_z(7);
  // Coordinates that have a z keep it.
  EXPECT_EQ(*Run(op, "GEOMETRYCOLLECTION (POINT (1 2), POINT Z (3 4 5))"),
            "GEOMETRYCOLLECTION Z (POINT Z (1 2 7), POINT Z (3 4 5))");
}

TEST_F(CatalogTest, OrientPolygons) {
  // A clockwise shell with a clockwise hole.
  const std::string cw =
      "POLYGON ((0 0, 0 10, 10 10, 10 0, 0 0), (2 2, 2 4, 4 4, 4 2, 2 2))";
  EXPECT_EQ(*Run(v1::OP_CODE_ORIENT_POLYGONS, cw),
            "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), "
            "(2 2, 2 4, 4 4, 4 2, 2 2))");
  v1::Operation op;
  op.set_op(v1::OP_CODE_ORIENT_POLYGONS);
  op.mutable_orient_polygons()->set_exterior_cw(true);
  EXPECT_EQ(*Run(op, "MULTIPOLYGON (((0 0, 1 0, 0 1, 0 0)))"),
            "MULTIPOLYGON (((0 0, 0 1, 1 0, 0 0)))");
  // Lines are left alone.
  EXPECT_EQ(*Run(op, "LINESTRING (0 0, 1 0, 0 1, 0 0)"),
            "LINESTRING (0 0, 1 0, 0 1, 0 0)");
}

TEST_F(CatalogTest, EqualsIdenticalAndEqualsExactNormalized) {
  EXPECT_EQ(*Run(v1::OP_CODE_EQUALS_IDENTICAL, "POINT (0 1)", "POINT (-0 1)"),
            "true");
  EXPECT_EQ(
      *Run(v1::OP_CODE_EQUALS_IDENTICAL, "POINT (NaN 1)", "POINT (NaN 1)"),
      "true");
  EXPECT_EQ(
      *Run(v1::OP_CODE_EQUALS_IDENTICAL, "POINT (1 2)", "POINT Z (1 2 0)"),
      "false");
  EXPECT_EQ(*Run(v1::OP_CODE_EQUALS_IDENTICAL, "LINESTRING (0 0, 1 1)",
                 "LINEARRING (0 0, 1 1, 1 0, 0 0)"),
            "false");
  EXPECT_EQ(*Run(v1::OP_CODE_EQUALS_IDENTICAL, "LINESTRING (0 0, 1 1)",
                 "LINESTRING (1 1, 0 0)"),
            "false");
  EXPECT_EQ(*Run(v1::OP_CODE_EQUALS_IDENTICAL, "MULTIPOINT (0 0, 1 1)",
                 "MULTIPOINT (0 0, 1 1)"),
            "true");

  v1::Operation op;
  op.set_op(v1::OP_CODE_EQUALS_EXACT);
  const std::string a = "LINESTRING (0 0, 1 1)", b = "LINESTRING (1 1, 0 0)";
  EXPECT_EQ(*Run(op, a, b), "false");
  op.mutable_tolerance()->set_normalize(true);
  EXPECT_EQ(*Run(op, a, b), "true");
}

TEST_F(CatalogTest, IsClosedIsFalseForWhatIsNotALine) {
  EXPECT_EQ(*Run(v1::OP_CODE_IS_CLOSED, "POLYGON ((0 0, 1 0, 0 1, 0 0))"),
            "false");
  EXPECT_EQ(*Run(v1::OP_CODE_IS_CLOSED, "POINT (1 1)"), "false");
  EXPECT_EQ(*Run(v1::OP_CODE_IS_CLOSED, "LINESTRING (0 0, 1 0, 0 0)"), "true");
}

TEST_F(CatalogTest, Empty) {
  EXPECT_EQ(*Run(v1::OP_CODE_EMPTY, "LINESTRING (0 0, 1 1)"),
            "LINESTRING EMPTY");
  v1::Operation op;
  op.set_op(v1::OP_CODE_EMPTY);
  op.mutable_empty()->set_type_id(6);
  EXPECT_EQ(*Run(op, "POINT (1 1)"), "MULTIPOLYGON EMPTY");
  op.mutable_empty()->set_type_id(8);
  EXPECT_EQ(Run(op, "POINT (1 1)").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CatalogTest, PolygonizeFullSortsTheEdges) {
  // A closed square, a dangle off it, and a cut edge inside it.
  EXPECT_EQ(
      *Run(v1::OP_CODE_POLYGONIZE_FULL,
           "MULTILINESTRING ((0 0, 10 0, 10 10, 0 10, 0 0), (10 10, 12 12))"),
      "GEOMETRYCOLLECTION (GEOMETRYCOLLECTION (POLYGON ((0 0, 0 10, 10 10, 10 "
      "0, 0 0))), GEOMETRYCOLLECTION EMPTY, GEOMETRYCOLLECTION (LINESTRING (10 "
      "10, 12 12)), GEOMETRYCOLLECTION EMPTY)");
  EXPECT_EQ(*Run(v1::OP_CODE_POLYGONIZE_FULL, "POINT EMPTY"),
            "GEOMETRYCOLLECTION (GEOMETRYCOLLECTION EMPTY, GEOMETRYCOLLECTION "
            "EMPTY, GEOMETRYCOLLECTION EMPTY, GEOMETRYCOLLECTION EMPTY)");
}

TEST_F(CatalogTest, CoverageUnionOfAPair) {
  EXPECT_EQ(*Run(v1::OP_CODE_COVERAGE_UNION_PAIRWISE,
                 "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))",
                 "POLYGON ((1 0, 2 0, 2 1, 1 1, 1 0))"),
            "POLYGON ((2 1, 2 0, 1 0, 0 0, 0 1, 1 1, 2 1))");
}

TEST_F(CatalogTest, AffineFamily) {
  v1::Operation op;
  op.set_op(v1::OP_CODE_ROTATE);
  op.mutable_rotate()->set_angle(90);
  // About the bounds' centre (1 0): (0 0) goes to (1 -1).
  EXPECT_EQ(*Run(op, "LINESTRING (0 0, 2 0)"), "LINESTRING (1 -1, 1 1)");
  op.mutable_rotate()->set_origin(v1::TRANSFORM_ORIGIN_POINT);
  EXPECT_EQ(*Run(op, "POINT Z (1 0 5)"), "POINT Z (0 1 5)");
  EXPECT_EQ(*Run(op, "POLYGON EMPTY"), "POLYGON EMPTY");

  op.set_op(v1::OP_CODE_SCALE);
  op.mutable_scale()->set_xfact(2);
  op.mutable_scale()->set_zfact(-1);
  EXPECT_EQ(*Run(op, "LINESTRING Z (0 0 1, 1 1 2)"),
            "LINESTRING Z (-0.5 0 -1, 1.5 1 -2)");

  op.set_op(v1::OP_CODE_SKEW);
  op.mutable_skew()->set_xs(std::atan(0.5));  // tan: 0.49999999999999994.
  op.mutable_skew()->set_use_radians(true);
  op.mutable_skew()->set_origin(v1::TRANSFORM_ORIGIN_POINT);
  EXPECT_EQ(*Run(op, "POINT (0 2)"), "POINT (0.9999999999999999 2)");

  op.set_op(v1::OP_CODE_TRANSLATE);
  op.mutable_translate()->set_xoff(1);
  op.mutable_translate()->set_zoff(3);
  EXPECT_EQ(*Run(op, "MULTIPOINT (0 0, 1 1)"), "MULTIPOINT (1 0, 2 1)");
  EXPECT_EQ(*Run(op, "POINT Z (0 0 0)"), "POINT Z (1 0 3)");

  // PostGIS's ST_Affine: rotate 180 degrees about z, in 3D.
  op.set_op(v1::OP_CODE_AFFINE);
  auto* m = op.mutable_affine();
  m->set_a(-1), m->set_e(-1), m->set_i(1), m->set_c(0.5);
  EXPECT_EQ(*Run(op, "LINESTRING Z (1 2 3, 1 4 3)"),
            "LINESTRING Z (0.5 -2 3, 0.5 -4 3)");
  // Results beyond the coordinate limit are row errors.
  m->set_a(1e100);
  EXPECT_EQ(Run(op, "POINT (1e60 0)").status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(CatalogTest, SnapToGrid) {
  // As PostGIS documents it: the third point snaps onto the second and
  // goes.
  v1::Operation op;
  op.set_op(v1::OP_CODE_SNAP_TO_GRID);
  op.mutable_snap_to_grid()->set_size_x(0.25);
  EXPECT_EQ(*Run(op, "LINESTRING (1.1 2.13, 4.2 3.3, 4.21 3.26)"),
            "LINESTRING (1 2.25, 4.25 3.25)");
  // With an origin and two sizes.
  auto* g = op.mutable_snap_to_grid();
  g->set_size_x(1), g->set_size_y(2), g->set_origin_x(0.5), g->set_origin_y(1);
  EXPECT_EQ(*Run(op, "POINT (1.3 7.9)"), "POINT (1.5 7)");
  // Collapsed parts go: a hole, then a whole member.
  g->set_size_x(10), g->clear_size_y(), g->clear_origin_x(),
      g->clear_origin_y();
  EXPECT_EQ(*Run(op,
                 "MULTIPOLYGON (((0 0, 100 0, 100 100, 0 100, 0 0), (40 "
                 "40, 41 40, 41 41, 40 40)), ((1 1, 2 1, 2 2, 1 1)))"),
            "MULTIPOLYGON (((0 0, 100 0, 100 100, 0 100, 0 0)))");
  EXPECT_EQ(*Run(op, "LINESTRING (1 1, 2 2)"), "LINESTRING EMPTY");
  // A size of 0 leaves that ordinate alone.
  g->set_size_y(0);
  EXPECT_EQ(*Run(op, "POINT (14 1.25)"), "POINT (10 1.25)");
  // Negative sizes are refused.
  g->set_size_x(-1);
  EXPECT_EQ(Run(op, "POINT (1 1)").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CatalogTest, VoronoiExtendsToABox) {
  v1::Operation op;
  op.set_op(v1::OP_CODE_VORONOI_POLYGONS);
  auto* t = op.mutable_triangulation();
  t->set_extend_to_xmin(-100), t->set_extend_to_ymin(-100);
  t->set_extend_to_xmax(100), t->set_extend_to_ymax(100);
  absl::StatusOr<std::string> wkt = Run(op, "MULTIPOINT (0 0, 2 0)");
  ASSERT_TRUE(wkt.ok()) << wkt.status();
  absl::StatusOr<geos::GeometryPtr> g = c_.ReadWkt(*wkt);
  double xmin = 0;
  GEOSGeom_getXMin_r(c_.handle(), g->get(), &xmin);
  EXPECT_LE(xmin, -100);
  // All four or none, in order.
  t->clear_extend_to_ymax();
  EXPECT_EQ(Run(op, "MULTIPOINT (0 0, 2 0)").status().code(),
            absl::StatusCode::kInvalidArgument);
  t->set_extend_to_ymax(-200);
  EXPECT_EQ(Run(op, "MULTIPOINT (0 0, 2 0)").status().code(),
            absl::StatusCode::kInvalidArgument);
  // Only voronoi_polygons reads them.
  op.set_op(v1::OP_CODE_DELAUNAY_TRIANGLES);
  EXPECT_EQ(Run(op, "MULTIPOINT (0 0, 2 0)").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// True if WKT `a` and `b` are the same geometry in normal form.
bool SameNormalized(geos::Context& c, const std::string& a,
                    const std::string& b) {
  absl::StatusOr<geos::GeometryPtr> ga = c.ReadWkt(a), gb = c.ReadWkt(b);
  if (!ga.ok() || !gb.ok()) return false;
  GEOSNormalize_r(c.handle(), ga->get());
  GEOSNormalize_r(c.handle(), gb->get());
  return GEOSEqualsExact_r(c.handle(), ga->get(), gb->get(), 0) == 1;
}

TEST_F(CatalogTest, LineSubstringAndSplit) {
  v1::Operation op;
  op.set_op(v1::OP_CODE_LINE_SUBSTRING);
  op.mutable_line_substring()->set_start_fraction(0.2);
  op.mutable_line_substring()->set_end_fraction(0.75);
  EXPECT_EQ(*Run(op, "LINESTRING Z (0 0 0, 10 0 10, 10 10 20)"),
            "LINESTRING Z (4 0 4, 10 0 10, 10 5 15)");
  op.mutable_line_substring()->set_end_fraction(0.2);
  EXPECT_EQ(*Run(op, "LINESTRING (0 0, 10 0)"), "POINT (2 0)");
  EXPECT_EQ(*Run(op, "LINESTRING EMPTY"), "LINESTRING EMPTY");
  EXPECT_EQ(Run(op, "POLYGON ((0 0, 1 0, 0 1, 0 0))").status().code(),
            absl::StatusCode::kInvalidArgument);
  op.mutable_line_substring()->set_end_fraction(0.1);  // Before the start.
  EXPECT_EQ(Run(op, "LINESTRING (0 0, 10 0)").status().code(),
            absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(
      *Run(v1::OP_CODE_SPLIT, "LINESTRING (0 0, 10 0)", "POINT (4 0)"),
      "GEOMETRYCOLLECTION (LINESTRING (0 0, 4 0), LINESTRING (4 0, 10 0))");
  // A point off the line, or at its end, cuts nothing.
  EXPECT_EQ(*Run(v1::OP_CODE_SPLIT, "LINESTRING (0 0, 10 0)",
                 "MULTIPOINT (4 1, 10 0)"),
            "GEOMETRYCOLLECTION (LINESTRING (0 0, 10 0))");
  absl::StatusOr<std::string> halves =
      Run(v1::OP_CODE_SPLIT, "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
          "LINESTRING (4 -1, 4 11)");
  ASSERT_TRUE(halves.ok()) << halves.status();
  EXPECT_TRUE(SameNormalized(c_, *halves,
                             "GEOMETRYCOLLECTION (POLYGON ((0 0, 4 0, 4 10, 0 "
                             "10, 0 0)), POLYGON ((4 0, 10 0, 10 10, 4 10, 4 "
                             "0)))"))
      << *halves;
  // What PostGIS does not split: a row error.
  EXPECT_EQ(Run(v1::OP_CODE_SPLIT, "POLYGON ((0 0, 1 0, 0 1, 0 0))",
                "POLYGON ((0 0, 1 0, 0 1, 0 0))")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      Run(v1::OP_CODE_SPLIT, "LINESTRING (0 0, 10 0)", "LINESTRING (2 0, 5 0)")
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(CatalogTest, Subdivide) {
  // A 41-vertex square cut in two: the halves lose the vertices lying on
  // their straight edges (PostGIS answers these two).
  std::string ring = "POLYGON ((";
  for (int i = 0; i < 10; ++i) ring += absl::StrCat(i, " 0, ");
  for (int i = 0; i < 10; ++i) ring += absl::StrCat("10 ", i, ", ");
  for (int i = 10; i > 0; --i) ring += absl::StrCat(i, " 10, ");
  for (int i = 10; i > 0; --i) ring += absl::StrCat("0 ", i, ", ");
  ring += "0 0))";
  v1::Operation op;
  op.set_op(v1::OP_CODE_SUBDIVIDE);
  op.mutable_subdivide()->set_max_vertices(8);
  const OpSpec& spec = **FindOperation(v1::OP_CODE_SUBDIVIDE);
  absl::StatusOr<Params> params = ResolveParams(spec, op);
  ASSERT_TRUE(params.ok());
  geos::GeometryPtr square = *c_.ReadWkt(ring);
  Value v;
  ASSERT_TRUE(spec.kernel(c_, {square.get()}, *params, &v).ok());
  ASSERT_EQ(v.parts.size(), 2u);
  const char* halves[] = {"POLYGON ((0 0, 0 5, 10 5, 10 0, 0 0))",
                          "POLYGON ((10 5, 0 5, 0 10, 10 10, 10 5))"};
  for (int i = 0; i < 2; ++i) {
    std::string wkt;
    ASSERT_TRUE(c_.WriteWkt(v.parts[i].get(), {}, &wkt).ok());
    EXPECT_EQ(wkt, halves[i]);
  }
  // Fewer than 5 vertices a piece is refused, as PostGIS refuses it.
  op.mutable_subdivide()->set_max_vertices(4);
  EXPECT_EQ(ResolveParams(spec, op).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CatalogTest, TileEnvelopeAndMvtGeom) {
  // PostGIS's documentation.
  v1::Operation op;
  op.set_op(v1::OP_CODE_TILE_ENVELOPE);
  op.mutable_tile_envelope()->set_zoom(2);
  EXPECT_EQ(*Run(op, "POINT (1 1)"),
            "POLYGON ((-10018754.171394622 0, -10018754.171394622 "
            "10018754.171394622, 0 10018754.171394622, 0 0, "
            "-10018754.171394622 0))");
  auto* t = op.mutable_tile_envelope();
  t->set_zoom(3), t->set_xmin(-180), t->set_ymin(-90), t->set_xmax(180),
      t->set_ymax(90);
  EXPECT_EQ(*Run(op, "POINT (1 1)"),
            "POLYGON ((-135 45, -135 67.5, -90 67.5, -90 45, -135 45))");
  // Not a tile of the zoom level: a row error.
  for (const char* tile : {"POINT (8 0)", "POINT (0.5 1)", "POINT (-1 0)",
                           "LINESTRING (0 0, 1 1)", "POINT EMPTY"}) {
    EXPECT_EQ(Run(op, tile).status().code(), absl::StatusCode::kInvalidArgument)
        << tile;
  }
  t->set_zoom(32);
  EXPECT_EQ(Run(op, "POINT (0 0)").status().code(),
            absl::StatusCode::kInvalidArgument);

  // PostGIS's documentation: a bow tie, unclipped, is two triangles.
  op.Clear();
  op.set_op(v1::OP_CODE_AS_MVT_GEOM);
  auto* m = op.mutable_mvt_geom();
  m->set_xmin(0), m->set_ymin(0), m->set_xmax(4096), m->set_ymax(4096);
  m->set_buffer(0), m->set_clip_geom(false);
  absl::StatusOr<std::string> tie =
      Run(op, "POLYGON ((0 0, 10 0, 10 5, 0 -5, 0 0))");
  ASSERT_TRUE(tie.ok()) << tie.status();
  EXPECT_TRUE(SameNormalized(c_, *tie,
                             "MULTIPOLYGON (((5 4096, 10 4091, 10 4096, 5 "
                             "4096)), ((5 4096, 0 4101, 0 4096, 5 4096)))"))
      << *tie;
  // Clipped to the buffered tile, y down.
  m->set_buffer(10), m->set_clip_geom(true);
  EXPECT_EQ(*Run(op, "LINESTRING (-100 10, 100 10)"),
            "LINESTRING (-10 4086, 100 4086)");
  EXPECT_EQ(*Run(op, "POINT (5000 1)"), "POINT EMPTY");
  EXPECT_EQ(*Run(op, "MULTIPOINT (1 1, 1.2 1.3)"), "POINT (1 4095)");
  // A tile of no width is refused; one too small for its extent is a row
  // error.
  m->set_xmax(0);
  EXPECT_EQ(Run(op, "POINT (1 1)").status().code(),
            absl::StatusCode::kInvalidArgument);
  m->set_xmax(1e-320);
  EXPECT_EQ(Run(op, "POINT (0 0)").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Identity and Shapely's creation functions: known answers, the rows each
// refuses (INVALID_ARGUMENT, saying why), and what they keep (z, the SRID).
TEST_F(CatalogTest, SetCoordinatesReplacesEveryCoordinateInOrder) {
  EXPECT_EQ(*Run(v1::OP_CODE_SET_COORDINATES,
                 "POLYGON ((0 0, 4 0, 4 4, 0 0), (1 1, 2 1, 2 2, 1 1))",
                 "MULTIPOINT ((0 0), (8 0), (8 8), (0 0), (2 2), (4 2), (4 "
                 "4), (2 2))"),
            "POLYGON ((0 0, 8 0, 8 8, 0 0), (2 2, 4 2, 4 4, 2 2))");
  // b's dimensions: z added, or dropped.
  EXPECT_EQ(*Run(v1::OP_CODE_SET_COORDINATES,
                 "MULTILINESTRING ((0 0, 1 1), (2 2, 3 3))",
                 "MULTIPOINT Z ((1 1 1), (2 2 2), (3 3 3), (4 4 4))"),
            "MULTILINESTRING Z ((1 1 1, 2 2 2), (3 3 3, 4 4 4))");
  EXPECT_EQ(*Run(v1::OP_CODE_SET_COORDINATES, "POINT Z (1 2 3)", "POINT (5 6)"),
            "POINT (5 6)");
  EXPECT_EQ(
      *Run(v1::OP_CODE_SET_COORDINATES, "LINESTRING EMPTY", "MULTIPOINT EMPTY"),
      "LINESTRING EMPTY");
}

TEST_F(CatalogTest, SetCoordinatesRefusesAWrongCountOrType) {
  const auto count = Run(v1::OP_CODE_SET_COORDINATES, "LINESTRING (0 0, 1 1)",
                         "MULTIPOINT ((1 1))");
  EXPECT_EQ(count.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(count.status().message(),
            "set_coordinates: a has 2 coordinates but b holds 1 points");
  const auto type =
      Run(v1::OP_CODE_SET_COORDINATES, "POINT (0 0)", "LINESTRING (0 0, 1 1)");
  EXPECT_EQ(type.status().code(), absl::StatusCode::kInvalidArgument);
}

class CreationOpsTest : public CatalogTest {
 protected:
  // The kernel's geometry for `wkt` carrying `srid`.
  absl::StatusOr<geos::GeometryPtr> RunWithSrid(v1::OpCode code,
                                                const std::string& wkt,
                                                int srid) {
    absl::StatusOr<const OpSpec*> spec = FindOperation(code);
    if (!spec.ok()) return spec.status();
    absl::StatusOr<geos::GeometryPtr> a = c_.ReadWkt(wkt);
    if (!a.ok()) return a.status();
    GEOSSetSRID_r(c_.handle(), a->get(), srid);
    Value v;
    const absl::Status s =
        (*spec)->kernel(c_, {a->get(), nullptr, nullptr}, Params(), &v);
    if (!s.ok()) return s;
    return std::move(v.geometry);
  }
};

TEST_F(CreationOpsTest, IdentityKeepsTheRow) {
  for (const std::string wkt :
       {"POINT Z (1 2 3)", "LINEARRING (0 0, 1 0, 1 1, 0 0)",
        "GEOMETRYCOLLECTION (POLYGON ((0 0, 1 0, 0 1, 0 0)), LINESTRING EMPTY)",
        "MULTIPOINT EMPTY"}) {
    EXPECT_EQ(*Run(v1::OP_CODE_IDENTITY, wkt), wkt);
  }
}

TEST_F(CreationOpsTest, IdentityKeepsTheSrid) {
  absl::StatusOr<geos::GeometryPtr> g =
      RunWithSrid(v1::OP_CODE_IDENTITY, "LINESTRING (0 0, 1 1)", 4326);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(GEOSGetSRID_r(c_.handle(), g->get()), 4326);
  std::string wkt;
  ASSERT_TRUE(c_.WriteWkt(g->get(), {}, &wkt).ok());
  EXPECT_EQ(wkt, "LINESTRING (0 0, 1 1)");
}

TEST_F(CreationOpsTest, RebuiltRowsKeepTheSrid) {
  const std::pair<v1::OpCode, std::string> cases[] = {
      {v1::OP_CODE_POINTS, "POINT (1 2)"},
      {v1::OP_CODE_LINESTRINGS, "LINEARRING (0 0, 1 0, 1 1, 0 0)"},
      {v1::OP_CODE_LINEARRINGS, "LINESTRING (0 0, 1 0, 1 1)"},
      {v1::OP_CODE_POLYGONS, "LINESTRING (0 0, 1 0, 1 1, 0 0)"},
      {v1::OP_CODE_POLYGONS, "LINESTRING EMPTY"},
  };
  for (const auto& [code, wkt] : cases) {
    SCOPED_TRACE(wkt);
    absl::StatusOr<geos::GeometryPtr> g = RunWithSrid(code, wkt, 3857);
    ASSERT_TRUE(g.ok()) << g.status();
    EXPECT_EQ(GEOSGetSRID_r(c_.handle(), g->get()), 3857);
  }
}

TEST_F(CreationOpsTest, PointsTakesPointsAndEmptyPoints) {
  EXPECT_EQ(*Run(v1::OP_CODE_POINTS, "POINT Z (1 2 3)"), "POINT Z (1 2 3)");
  EXPECT_EQ(*Run(v1::OP_CODE_POINTS, "POINT EMPTY"), "POINT EMPTY");
}

TEST_F(CreationOpsTest, PointsRejectsALine) {
  EXPECT_EQ(
      Run(v1::OP_CODE_POINTS, "LINESTRING (0 0, 1 1)").status(),
      absl::InvalidArgumentError("points: row is a LineString, not a Point"));
  EXPECT_EQ(
      Run(v1::OP_CODE_POINTS, "MULTIPOINT (0 0, 1 1)").status(),
      absl::InvalidArgumentError("points: row is a MultiPoint, not a Point"));
}

TEST_F(CreationOpsTest, LinestringsTurnsARingIntoALine) {
  EXPECT_EQ(*Run(v1::OP_CODE_LINESTRINGS,
                 "LINEARRING Z (0 0 1, 1 0 2, 1 1 3, 0 0 4)"),
            "LINESTRING Z (0 0 1, 1 0 2, 1 1 3, 0 0 4)");
  EXPECT_EQ(*Run(v1::OP_CODE_LINESTRINGS, "LINEARRING EMPTY"),
            "LINESTRING EMPTY");
  EXPECT_EQ(*Run(v1::OP_CODE_LINESTRINGS, "LINESTRING (0 0, 1 1)"),
            "LINESTRING (0 0, 1 1)");
}

TEST_F(CreationOpsTest, LinestringsRejectsAPolygon) {
  EXPECT_EQ(
      Run(v1::OP_CODE_LINESTRINGS, "POLYGON ((0 0, 1 0, 0 1, 0 0))").status(),
      absl::InvalidArgumentError(
          "linestrings: row is a Polygon, not a LineString"));
}

TEST_F(CreationOpsTest, LinearringsClosesAnOpenLine) {
  EXPECT_EQ(*Run(v1::OP_CODE_LINEARRINGS, "LINESTRING (0 0, 1 0, 1 1)"),
            "LINEARRING (0 0, 1 0, 1 1, 0 0)");
}

TEST_F(CreationOpsTest, LinearringsKeepsZ) {
  EXPECT_EQ(*Run(v1::OP_CODE_LINEARRINGS, "LINESTRING Z (0 0 1, 1 0 2, 1 1 3)"),
            "LINEARRING Z (0 0 1, 1 0 2, 1 1 3, 0 0 1)");
}

TEST_F(CreationOpsTest, LinearringsLeavesALineClosedIn2dAsItIs) {
  // Closed as GEOS judges rings: x and y; z may differ.
  EXPECT_EQ(*Run(v1::OP_CODE_LINEARRINGS,
                 "LINESTRING Z (0 0 1, 1 0 2, 1 1 3, 0 0 9)"),
            "LINEARRING Z (0 0 1, 1 0 2, 1 1 3, 0 0 9)");
  EXPECT_EQ(*Run(v1::OP_CODE_LINEARRINGS, "LINEARRING (0 0, 1 0, 1 1, 0 0)"),
            "LINEARRING (0 0, 1 0, 1 1, 0 0)");
}

TEST_F(CreationOpsTest, LinearringsRejectsARingOfThreeCoordinates) {
  // Open, closed by a third coordinate; and closed already.
  for (const char* wkt : {"LINESTRING (0 0, 1 1)", "LINESTRING (0 0, 1 1, 0 0)",
                          "LINEARRING (0 0, 1 1, 0 0)"}) {
    EXPECT_EQ(Run(v1::OP_CODE_LINEARRINGS, wkt).status(),
              absl::InvalidArgumentError(
                  "linearrings: a ring needs at least 4 coordinates, got 3"))
        << wkt;
  }
  EXPECT_EQ(Run(v1::OP_CODE_LINEARRINGS, "LINESTRING (1 1, 1 1)").status(),
            absl::InvalidArgumentError(
                "linearrings: a ring needs at least 4 coordinates, got 2"));
}

TEST_F(CreationOpsTest, LinearringsOfAnEmptyLineIsAnEmptyRing) {
  EXPECT_EQ(*Run(v1::OP_CODE_LINEARRINGS, "LINESTRING EMPTY"),
            "LINEARRING EMPTY");
  EXPECT_EQ(*Run(v1::OP_CODE_LINEARRINGS, "LINEARRING EMPTY"),
            "LINEARRING EMPTY");
}

TEST_F(CreationOpsTest, LinearringsRejectsAPoint) {
  EXPECT_EQ(Run(v1::OP_CODE_LINEARRINGS, "POINT (1 1)").status(),
            absl::InvalidArgumentError("linearrings: row is a Point, not a "
                                       "LineString or LinearRing"));
}

TEST_F(CreationOpsTest, PolygonsTakesAClosedLineAsShell) {
  EXPECT_EQ(*Run(v1::OP_CODE_POLYGONS, "LINESTRING (0 0, 4 0, 4 3, 0 0)"),
            "POLYGON ((0 0, 4 0, 4 3, 0 0))");
  EXPECT_EQ(
      *Run(v1::OP_CODE_POLYGONS, "LINEARRING Z (0 0 1, 4 0 2, 4 3 3, 0 0 1)"),
      "POLYGON Z ((0 0 1, 4 0 2, 4 3 3, 0 0 1))");
  // The same polygon as GEOS makes from the ring directly.
  absl::StatusOr<geos::GeometryPtr> made = RunWithSrid(
      v1::OP_CODE_POLYGONS, "LINESTRING (0 0, 4 0, 4 3, 0 4, 0 0)", 0);
  ASSERT_TRUE(made.ok()) << made.status();
  geos::GeometryPtr ring = *c_.ReadWkt("LINEARRING (0 0, 4 0, 4 3, 0 4, 0 0)");
  geos::GeometryPtr direct =
      c_.Own(GEOSGeom_createPolygon_r(c_.handle(), ring.release(), nullptr, 0));
  EXPECT_EQ(GEOSEqualsExact_r(c_.handle(), made->get(), direct.get(), 0), 1);
  double area = 0;
  ASSERT_EQ(GEOSArea_r(c_.handle(), made->get(), &area), 1);
  EXPECT_EQ(area, 14);
}

TEST_F(CreationOpsTest, PolygonsKeepsAPolygon) {
  const std::string with_hole =
      "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 2 2))";
  EXPECT_EQ(*Run(v1::OP_CODE_POLYGONS, with_hole), with_hole);
}

TEST_F(CreationOpsTest, PolygonsRejectsAnOpenLine) {
  EXPECT_EQ(
      Run(v1::OP_CODE_POLYGONS, "LINESTRING (0 0, 4 0, 4 3, 0 3)").status(),
      absl::InvalidArgumentError(
          "polygons: the line is not closed (its first and last "
          "coordinates differ); linearrings closes it"));
}

TEST_F(CreationOpsTest, PolygonsRejectsAShellOfThreeCoordinates) {
  EXPECT_EQ(Run(v1::OP_CODE_POLYGONS, "LINESTRING (0 0, 1 1, 0 0)").status(),
            absl::InvalidArgumentError(
                "polygons: a shell needs at least 4 coordinates, got 3"));
}

TEST_F(CreationOpsTest, PolygonsRejectsOtherTypes) {
  EXPECT_EQ(Run(v1::OP_CODE_POLYGONS, "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))")
                .status(),
            absl::InvalidArgumentError("polygons: row is a MultiPolygon, not "
                                       "a Polygon, LineString or LinearRing"));
  EXPECT_EQ(Run(v1::OP_CODE_POLYGONS, "POINT EMPTY").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CreationOpsTest, PolygonsOfAnEmptyLineIsAnEmptyPolygon) {
  EXPECT_EQ(*Run(v1::OP_CODE_POLYGONS, "LINESTRING EMPTY"), "POLYGON EMPTY");
  EXPECT_EQ(*Run(v1::OP_CODE_POLYGONS, "LINEARRING EMPTY"), "POLYGON EMPTY");
  EXPECT_EQ(*Run(v1::OP_CODE_POLYGONS, "POLYGON EMPTY"), "POLYGON EMPTY");
}

}  // namespace
}  // namespace geosrpc::ops
