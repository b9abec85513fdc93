// Coordinate transforms: a's coordinates rewritten, its structure kept
// (rewrite.h). Dimensions (force_2d, force_3d, Shapely's), affine maps
// (affine as PostGIS's ST_Affine; rotate, scale, skew, translate as
// Shapely's shapely.affinity), PostGIS's ST_SnapToGrid, and PostGIS's
// vector tiles: ST_TileEnvelope, and ST_AsMVTGeom (clip to the tile, map
// to its coordinates, snap to its integer grid).
#include <algorithm>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/guards.h"
#include "server/ops/internal/kernels.h"
#include "server/ops/internal/rewrite.h"

namespace geosrpc::ops::internal {
namespace {

absl::Status SetRewritten(absl::StatusOr<geos::GeometryPtr> g, Value* out) {
  if (!g.ok()) return g.status();
  out->geometry = *std::move(g);
  return absl::OkStatus();
}

// --- Dimensions -----------------------------------------------------------

absl::Status Force2d(geos::Context& c, const Row& r, const Params&,
                     Value* out) {
  return SetRewritten(RewriteCoordinates(c, r.a,
                                         [](Part, Coords& coords, bool*) {
                                           if (coords.dims == 2)
                                             return absl::OkStatus();
                                           Coords xy{.dims = 2};
                                           for (size_t i = 0; i < coords.size();
                                                ++i) {
                                             xy.v.push_back(coords.at(i)[0]);
                                             xy.v.push_back(coords.at(i)[1]);
                                           }
                                           coords = std::move(xy);
                                           return absl::OkStatus();
                                         }),
                      out);
}

// Shapely's set_coordinates, a row at a time: b's points (a MULTIPOINT or
// a POINT, empty points not allowed) take the place of a's coordinates in
// a's order (WKB order: each part, shell before holes), with b's
// dimensions. A count that differs is the row's error.
absl::Status SetCoordinates(geos::Context& c, const Row& r, const Params&,
                            Value* out) {
  const GEOSContextHandle_t h = c.handle();
  const int b_type = GEOSGeomTypeId_r(h, r.b);
  if (b_type != GEOS_POINT && b_type != GEOS_MULTIPOINT) {
    return absl::InvalidArgumentError(
        absl::StrCat("set_coordinates: b is a ", TypeName(c, r.b),
                     ", not the MULTIPOINT of a's new coordinates"));
  }
  const bool empty_b = GEOSisEmpty_r(h, r.b) == 1;
  const int points = empty_b ? 0 : GEOSGetNumGeometries_r(h, r.b);
  const int needed = GEOSGetNumCoordinates_r(h, r.a);
  if (points != needed) {
    return absl::InvalidArgumentError(
        absl::StrCat("set_coordinates: a has ", needed,
                     " coordinates but b holds ", points, " points"));
  }
  const int dims = GEOSHasZ_r(h, r.b) == 1 ? 3 : 2;
  int next = 0;
  return SetRewritten(
      RewriteCoordinates(
          c, r.a,
          [&](Part, Coords& coords, bool*) -> absl::Status {
            Coords replaced{.dims = dims};
            replaced.v.resize(coords.size() * dims);
            for (size_t i = 0; i < coords.size(); ++i, ++next) {
              const GEOSGeometry* p = GEOSGetGeometryN_r(h, r.b, next);
              double* to = replaced.at(i);
              if (GEOSGeomGetX_r(h, p, &to[0]) != 1 ||
                  GEOSGeomGetY_r(h, p, &to[1]) != 1 ||
                  (dims == 3 && GEOSGeomGetZ_r(h, p, &to[2]) != 1)) {
                return GeosFailure(c);
              }
            }
            coords = std::move(replaced);
            return absl::OkStatus();
          }),
      out);
}

constexpr ParamSpec kForce3dParams[] = {
    {.name = "z",
     .type = ParamType::kDouble,
     .min = -kMaxAbsCoordinate,
     .max = kMaxAbsCoordinate,
     .description = "Z given to coordinates that have none."},
};
constexpr int kZ = ParamIndex(kForce3dParams, "z");

// Shapely's force_3d: 2D sequences get z; 3D ones keep theirs.
absl::Status Force3d(geos::Context& c, const Row& r, const Params& p,
                     Value* out) {
  const double z = p.number(kZ);
  return SetRewritten(RewriteCoordinates(c, r.a,
                                         [z](Part, Coords& coords, bool*) {
                                           if (coords.dims == 3)
                                             return absl::OkStatus();
                                           Coords xyz{.dims = 3};
                                           for (size_t i = 0; i < coords.size();
                                                ++i) {
                                             xyz.v.push_back(coords.at(i)[0]);
                                             xyz.v.push_back(coords.at(i)[1]);
                                             xyz.v.push_back(z);
                                           }
                                           coords = std::move(xyz);
                                           return absl::OkStatus();
                                         }),
                      out);
}

// --- Affine maps ----------------------------------------------------------

// x' = a x + b y + c z + xoff, y' = d x + e y + f z + yoff,
// z' = g x + h y + i z + zoff; 2D coordinates drop the z terms.
struct Matrix {
  double a = 1, b = 0, c = 0, d = 0, e = 1, f = 0, g = 0, h = 0, i = 1;
  double xoff = 0, yoff = 0, zoff = 0;
};

// Computed in PostGIS's order (ptarray_affine), as Shapely computes it.
absl::StatusOr<geos::GeometryPtr> Transform(geos::Context& c,
                                            const GEOSGeometry* g,
                                            const Matrix& m) {
  return RewriteCoordinates(c, g, [&m](Part, Coords& coords, bool*) {
    for (size_t k = 0; k < coords.size(); ++k) {
      double* p = coords.at(k);
      const double x = p[0], y = p[1];
      if (coords.dims == 3) {
        const double z = p[2];
        p[0] = m.a * x + m.b * y + m.c * z + m.xoff;
        p[1] = m.d * x + m.e * y + m.f * z + m.yoff;
        p[2] = m.g * x + m.h * y + m.i * z + m.zoff;
      } else {
        p[0] = m.a * x + m.b * y + m.xoff;
        p[1] = m.d * x + m.e * y + m.yoff;
      }
    }
    return absl::OkStatus();
  });
}

// A matrix coefficient or offset: any finite number.
constexpr ParamSpec Coefficient(const char* name, double default_value,
                                const char* description) {
  return {.name = name,
          .type = ParamType::kDouble,
          .default_value = default_value,
          .min = -kInf,
          .max = kInf,
          .description = description};
}

constexpr ParamSpec kAffineParams[] = {
    Coefficient("a", 1, "x' = a x + b y + c z + xoff."),
    Coefficient("b", 0, "x' = a x + b y + c z + xoff."),
    Coefficient("c", 0, "x' = a x + b y + c z + xoff (3D only)."),
    Coefficient("d", 0, "y' = d x + e y + f z + yoff."),
    Coefficient("e", 1, "y' = d x + e y + f z + yoff."),
    Coefficient("f", 0, "y' = d x + e y + f z + yoff (3D only)."),
    Coefficient("g", 0, "z' = g x + h y + i z + zoff (3D only)."),
    Coefficient("h", 0, "z' = g x + h y + i z + zoff (3D only)."),
    Coefficient("i", 1, "z' = g x + h y + i z + zoff (3D only)."),
    Coefficient("xoff", 0, "x' = a x + b y + c z + xoff."),
    Coefficient("yoff", 0, "y' = d x + e y + f z + yoff."),
    Coefficient("zoff", 0, "z' = g x + h y + i z + zoff (3D only)."),
};

constexpr int kA = ParamIndex(kAffineParams, "a");
constexpr int kB = ParamIndex(kAffineParams, "b");
constexpr int kC = ParamIndex(kAffineParams, "c");
constexpr int kD = ParamIndex(kAffineParams, "d");
constexpr int kE = ParamIndex(kAffineParams, "e");
constexpr int kF = ParamIndex(kAffineParams, "f");
constexpr int kG = ParamIndex(kAffineParams, "g");
constexpr int kH = ParamIndex(kAffineParams, "h");
constexpr int kI = ParamIndex(kAffineParams, "i");
constexpr int kAffineXOff = ParamIndex(kAffineParams, "xoff");
constexpr int kAffineYOff = ParamIndex(kAffineParams, "yoff");
constexpr int kAffineZOff = ParamIndex(kAffineParams, "zoff");

absl::Status Affine(geos::Context& c, const Row& r, const Params& p,
                    Value* out) {
  const Matrix m = {.a = p.number(kA),
                    .b = p.number(kB),
                    .c = p.number(kC),
                    .d = p.number(kD),
                    .e = p.number(kE),
                    .f = p.number(kF),
                    .g = p.number(kG),
                    .h = p.number(kH),
                    .i = p.number(kI),
                    .xoff = p.number(kAffineXOff),
                    .yoff = p.number(kAffineYOff),
                    .zoff = p.number(kAffineZOff)};
  return SetRewritten(Transform(c, r.a, m), out);
}

// Shapely's origin: the centre of a's bounds (z 0), its centroid (z 0), or
// a point.
constexpr ParamSpec kOriginParam = {
    .name = "origin",
    .type = ParamType::kEnum,
    .default_value = 1,
    .min = 1,
    .max = 3,
    .description =
        "The fixed point: a's bounds' centre, its centroid, or "
        "(origin_x, origin_y[, origin_z])."};
constexpr ParamSpec kOriginX = Coefficient(
    "origin_x", 0, "x of the fixed point (TRANSFORM_ORIGIN_POINT).");
constexpr ParamSpec kOriginY = Coefficient(
    "origin_y", 0, "y of the fixed point (TRANSFORM_ORIGIN_POINT).");
constexpr ParamSpec kUseRadians = {.name = "use_radians",
                                   .type = ParamType::kBool,
                                   .min = 0,
                                   .max = 1,
                                   .description =
                                       "Angles in radians, not "
                                       "degrees."};

struct Origin {
  double x = 0, y = 0, z = 0;
};

// The fixed point `origin` (a TransformOrigin) names for non-empty `g`.
absl::StatusOr<Origin> FindOrigin(geos::Context& c, const GEOSGeometry* g,
                                  int origin, Origin point) {
  const GEOSContextHandle_t h = c.handle();
  switch (origin) {
    case v1::TRANSFORM_ORIGIN_CENTROID: {
      geos::GeometryPtr centroid = c.Own(GEOSGetCentroid_r(h, g));
      Origin o;
      if (!centroid || GEOSGeomGetX_r(h, centroid.get(), &o.x) != 1 ||
          GEOSGeomGetY_r(h, centroid.get(), &o.y) != 1) {
        return GeosFailure(c);
      }
      return o;
    }
    case v1::TRANSFORM_ORIGIN_POINT:
      return point;
    default: {  // TRANSFORM_ORIGIN_CENTER
      double x0, y0, x1, y1;
      if (GEOSGeom_getExtent_r(h, g, &x0, &y0, &x1, &y1) != 1) {
        return GeosFailure(c);
      }
      return Origin{.x = (x1 + x0) / 2.0, .y = (y1 + y0) / 2.0};
    }
  }
}

// Shapely zeroes sines, cosines and tangents this small.
double Trim(double v) { return std::fabs(v) < 2.5e-16 ? 0.0 : v; }
double Radians(double angle, bool use_radians) {
  return use_radians ? angle : angle * M_PI / 180.0;
}

// Kernel K on a copy of an empty a: Shapely returns empties unchanged.
template <Kernel K>
absl::Status NonEmpty(geos::Context& c, const Row& r, const Params& p,
                      Value* out) {
  if (GEOSisEmpty_r(c.handle(), r.a) != 0) {
    return SetGeometry(c, GEOSGeom_clone_r(c.handle(), r.a), out);
  }
  return K(c, r, p, out);
}

constexpr ParamSpec kRotateParams[] = {
    {.name = "angle",
     .type = ParamType::kDouble,
     .required = true,
     .min = -kInf,
     .max = kInf,
     .description = "Counter-clockwise; degrees unless use_radians."},
    kUseRadians,
    kOriginParam,
    kOriginX,
    kOriginY,
};
constexpr int kAngle = ParamIndex(kRotateParams, "angle");
constexpr int kRotateRadians = ParamIndex(kRotateParams, "use_radians");
constexpr int kRotateOrigin = ParamIndex(kRotateParams, "origin");
constexpr int kRotateX = ParamIndex(kRotateParams, "origin_x");
constexpr int kRotateY = ParamIndex(kRotateParams, "origin_y");

absl::Status Rotate(geos::Context& c, const Row& r, const Params& p,
                    Value* out) {
  const double angle = Radians(p.number(kAngle), p.flag(kRotateRadians));
  const double cosp = Trim(std::cos(angle));
  const double sinp = Trim(std::sin(angle));
  ASSIGN_OR_RETURN(const Origin o, FindOrigin(c, r.a, p.integer(kRotateOrigin),
                                              {.x = p.number(kRotateX),
                                               .y = p.number(kRotateY)}));
  const Matrix m = {.a = cosp,
                    .b = -sinp,
                    .d = sinp,
                    .e = cosp,
                    .xoff = o.x - o.x * cosp + o.y * sinp,
                    .yoff = o.y - o.x * sinp - o.y * cosp};
  return SetRewritten(Transform(c, r.a, m), out);
}

constexpr ParamSpec kScaleParams[] = {
    Coefficient("xfact", 1, "Factor along x."),
    Coefficient("yfact", 1, "Factor along y."),
    Coefficient("zfact", 1, "Factor along z."),
    kOriginParam,
    kOriginX,
    kOriginY,
    Coefficient("origin_z", 0,
                "z of the fixed point (TRANSFORM_ORIGIN_POINT)."),
};
constexpr int kXFact = ParamIndex(kScaleParams, "xfact");
constexpr int kYFact = ParamIndex(kScaleParams, "yfact");
constexpr int kZFact = ParamIndex(kScaleParams, "zfact");
constexpr int kScaleOrigin = ParamIndex(kScaleParams, "origin");
constexpr int kScaleX = ParamIndex(kScaleParams, "origin_x");
constexpr int kScaleY = ParamIndex(kScaleParams, "origin_y");
constexpr int kScaleZ = ParamIndex(kScaleParams, "origin_z");

absl::Status Scale(geos::Context& c, const Row& r, const Params& p,
                   Value* out) {
  const double xf = p.number(kXFact), yf = p.number(kYFact),
               zf = p.number(kZFact);
  ASSIGN_OR_RETURN(const Origin o, FindOrigin(c, r.a, p.integer(kScaleOrigin),
                                              {.x = p.number(kScaleX),
                                               .y = p.number(kScaleY),
                                               .z = p.number(kScaleZ)}));
  const Matrix m = {.a = xf,
                    .e = yf,
                    .i = zf,
                    .xoff = o.x - o.x * xf,
                    .yoff = o.y - o.y * yf,
                    .zoff = o.z - o.z * zf};
  return SetRewritten(Transform(c, r.a, m), out);
}

constexpr ParamSpec kSkewParams[] = {
    Coefficient("xs", 0, "Shear angle along x; degrees unless use_radians."),
    Coefficient("ys", 0, "Shear angle along y; degrees unless use_radians."),
    kUseRadians,
    kOriginParam,
    kOriginX,
    kOriginY,
};
constexpr int kXs = ParamIndex(kSkewParams, "xs");
constexpr int kYs = ParamIndex(kSkewParams, "ys");
constexpr int kSkewRadians = ParamIndex(kSkewParams, "use_radians");
constexpr int kSkewOrigin = ParamIndex(kSkewParams, "origin");
constexpr int kSkewX = ParamIndex(kSkewParams, "origin_x");
constexpr int kSkewY = ParamIndex(kSkewParams, "origin_y");

absl::Status Skew(geos::Context& c, const Row& r, const Params& p, Value* out) {
  const bool radians = p.flag(kSkewRadians);
  const double tanx = Trim(std::tan(Radians(p.number(kXs), radians)));
  const double tany = Trim(std::tan(Radians(p.number(kYs), radians)));
  ASSIGN_OR_RETURN(const Origin o,
                   FindOrigin(c, r.a, p.integer(kSkewOrigin),
                              {.x = p.number(kSkewX), .y = p.number(kSkewY)}));
  const Matrix m = {
      .b = tanx, .d = tany, .xoff = -o.y * tanx, .yoff = -o.x * tany};
  return SetRewritten(Transform(c, r.a, m), out);
}

constexpr ParamSpec kTranslateParams[] = {
    Coefficient("xoff", 0, "Offset along x."),
    Coefficient("yoff", 0, "Offset along y."),
    Coefficient("zoff", 0, "Offset along z (3D coordinates only)."),
};
constexpr int kXOff = ParamIndex(kTranslateParams, "xoff");
constexpr int kYOff = ParamIndex(kTranslateParams, "yoff");
constexpr int kZOff = ParamIndex(kTranslateParams, "zoff");

absl::Status Translate(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  const Matrix m = {.xoff = p.number(kXOff),
                    .yoff = p.number(kYOff),
                    .zoff = p.number(kZOff)};
  return SetRewritten(Transform(c, r.a, m), out);
}

// --- Snapping to a grid ---------------------------------------------------

constexpr ParamSpec kSnapToGridParams[] = {
    {.name = "size_x",
     .type = ParamType::kDouble,
     .required = true,
     .min = 0,
     .max = kInf,
     .description = "Cell width; 0 leaves x alone."},
    {.name = "size_y",
     .type = ParamType::kDouble,
     .default_value = -1,
     .min = -1,
     .max = kInf,
     .description = "Cell height; -1 takes size_x, 0 leaves y alone."},
    Coefficient("origin_x", 0, "x of a grid point."),
    Coefficient("origin_y", 0, "y of a grid point."),
};
constexpr int kSizeX = ParamIndex(kSnapToGridParams, "size_x");
constexpr int kSizeY = ParamIndex(kSnapToGridParams, "size_y");
constexpr int kGridX = ParamIndex(kSnapToGridParams, "origin_x");
constexpr int kGridY = ParamIndex(kSnapToGridParams, "origin_y");

// PostGIS's ST_SnapToGrid (lwgeom_grid): consecutive duplicates go, lines
// under 2 points and rings under 4 collapse (a collapsed shell empties its
// polygon, a collapsed hole goes), and collections lose their empty
// members. The result may be invalid, as PostGIS's may.
absl::Status SnapToGridKernel(geos::Context& c, const Row& r, const Params& p,
                              Value* out) {
  const Grid grid = {
      .origin_x = p.number(kGridX),
      .origin_y = p.number(kGridY),
      .size_x = p.number(kSizeX),
      .size_y = p.number(kSizeY) < 0 ? p.number(kSizeX) : p.number(kSizeY)};
  // PostGIS returns empties, and everything when no size is set, as is.
  if (GEOSisEmpty_r(c.handle(), r.a) != 0 ||
      (grid.size_x == 0 && grid.size_y == 0)) {
    return SetGeometry(c, GEOSGeom_clone_r(c.handle(), r.a), out);
  }
  return SetRewritten(
      RewriteCoordinates(c, r.a,
                         [&grid](Part part, Coords& coords, bool* keep) {
                           SnapToGrid(grid, coords);
                           const size_t least = part == Part::kPoint  ? 0
                                                : part == Part::kLine ? 2
                                                                      : 4;
                           *keep = coords.size() >= least;
                           return absl::OkStatus();
                         },
                         {.drop_empty_members = true}),
      out);
}

// --- Vector tiles ---------------------------------------------------------

// Web Mercator's (EPSG:3857) square, PostGIS's default tiled area.
constexpr double kMercator = 20037508.342789244;

constexpr ParamSpec Bound(const char* name, double default_value,
                          const char* description) {
  return {.name = name,
          .type = ParamType::kDouble,
          .default_value = default_value,
          .min = -kMaxAbsCoordinate,
          .max = kMaxAbsCoordinate,
          .description = description};
}

constexpr ParamSpec kTileEnvelopeParams[] = {
    {.name = "zoom",
     .type = ParamType::kInt,
     .required = true,
     .min = 0,
     .max = 31,
     .description = "Zoom level: 2^zoom tiles across and down."},
    Bound("xmin", -kMercator, "The tiled area's west edge."),
    Bound("ymin", -kMercator, "The tiled area's south edge."),
    Bound("xmax", kMercator, "The tiled area's east edge."),
    Bound("ymax", kMercator, "The tiled area's north edge."),
    {.name = "margin",
     .type = ParamType::kDouble,
     .min = -0.5,
     .max = 1e6,
     .description = "Fraction of a tile to grow each side by (negative "
                    "shrinks); y stays within the area."},
};
constexpr int kZoom = ParamIndex(kTileEnvelopeParams, "zoom");
constexpr int kAreaXMin = ParamIndex(kTileEnvelopeParams, "xmin");
constexpr int kAreaYMin = ParamIndex(kTileEnvelopeParams, "ymin");
constexpr int kAreaXMax = ParamIndex(kTileEnvelopeParams, "xmax");
constexpr int kAreaYMax = ParamIndex(kTileEnvelopeParams, "ymax");
constexpr int kMargin = ParamIndex(kTileEnvelopeParams, "margin");

absl::Status CheckTileArea(const Params& p) {
  if (p.number(kAreaXMin) < p.number(kAreaXMax) &&
      p.number(kAreaYMin) < p.number(kAreaYMax)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "the tiled area needs xmin < xmax and ymin < ymax");
}

// The polygon from (x0 y0) up, across and down, as PostGIS builds an
// envelope.
absl::Status SetRectangle(geos::Context& c, double x0, double y0, double x1,
                          double y1, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  const double ring[] = {x0, y0, x0, y1, x1, y1, x1, y0, x0, y0};
  GEOSCoordSequence* seq = GEOSCoordSeq_copyFromBuffer_r(h, ring, 5, 0, 0);
  geos::GeometryPtr shell =
      c.Own(seq != nullptr ? GEOSGeom_createLinearRing_r(h, seq) : nullptr);
  if (!shell) return GeosFailure(c);
  ASSIGN_OR_RETURN(out->geometry, c.MakePolygon(std::move(shell)));
  return absl::OkStatus();
}

// PostGIS's ST_TileEnvelope(zoom, x, y, bounds, margin), a row being the
// tile POINT (x y): x counts from the west, y from the north.
absl::Status TileEnvelope(geos::Context& c, const Row& r, const Params& p,
                          Value* out) {
  const GEOSContextHandle_t h = c.handle();
  double x = 0, y = 0;
  if (GEOSGeomTypeId_r(h, r.a) != GEOS_POINT || GEOSisEmpty_r(h, r.a) != 0 ||
      GEOSGeomGetX_r(h, r.a, &x) != 1 || GEOSGeomGetY_r(h, r.a, &y) != 1) {
    return absl::InvalidArgumentError(
        "tile_envelope takes a tile as POINT (x y)");
  }
  const double tiles = std::ldexp(1.0, p.integer(kZoom));
  if (x != std::floor(x) || y != std::floor(y) || x < 0 || y < 0 ||
      x >= tiles || y >= tiles) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tile (", x, ", ", y, ") is not a tile of zoom ", p.integer(kZoom),
        ": x and y are integers in [0, ", tiles, ")"));
  }
  const double x_min = p.number(kAreaXMin), y_max = p.number(kAreaYMax);
  const double tile_width = (p.number(kAreaXMax) - x_min) / tiles;
  const double tile_height = (y_max - p.number(kAreaYMin)) / tiles;
  const double margin = p.number(kMargin);
  double x0, x1;
  if (1 + margin * 2 > tiles) {  // Wider than the area: the area.
    x0 = x_min, x1 = p.number(kAreaXMax);
  } else {
    x0 = x_min + tile_width * (x - margin);
    x1 = x_min + tile_width * (x + 1 + margin);
  }
  const double y0 =
      std::max(y_max - tile_height * (y + 1 + margin), p.number(kAreaYMin));
  const double y1 = std::min(y_max - tile_height * (y - margin), y_max);
  RETURN_IF_ERROR(SetRectangle(c, x0, y0, x1, y1, out));
  // The default area is EPSG:3857's.
  const bool mercator =
      p.number(kAreaXMin) == -kMercator && p.number(kAreaYMin) == -kMercator &&
      p.number(kAreaXMax) == kMercator && p.number(kAreaYMax) == kMercator;
  GEOSSetSRID_r(h, out->geometry.get(),
                mercator ? 3857 : GEOSGetSRID_r(h, r.a));
  return absl::OkStatus();
}

constexpr ParamSpec Required(ParamSpec p) {
  p.required = true;
  return p;
}

constexpr ParamSpec kMvtGeomParams[] = {
    Required(Bound("xmin", 0,
                   "The tile's west edge in a's coordinates "
                   "(tile_envelope's).")),
    Required(Bound("ymin", 0, "The tile's south edge.")),
    Required(Bound("xmax", 0, "The tile's east edge.")),
    Required(Bound("ymax", 0, "The tile's north edge.")),
    {.name = "extent",
     .type = ParamType::kInt,
     .default_value = 4096,
     .min = 1,
     .max = 1 << 24,
     .description = "The tile's width and height in its own units."},
    {.name = "buffer",
     .type = ParamType::kInt,
     .default_value = 256,
     .min = 0,
     .max = 1 << 24,
     .description = "Clip margin around the tile, in tile units."},
    {.name = "clip_geom",
     .type = ParamType::kBool,
     .default_value = 1,
     .min = 0,
     .max = 1,
     .description = "Clip to the tile grown by buffer."},
};
constexpr int kTileXMin = ParamIndex(kMvtGeomParams, "xmin");
constexpr int kTileYMin = ParamIndex(kMvtGeomParams, "ymin");
constexpr int kTileXMax = ParamIndex(kMvtGeomParams, "xmax");
constexpr int kTileYMax = ParamIndex(kMvtGeomParams, "ymax");
constexpr int kExtent = ParamIndex(kMvtGeomParams, "extent");
constexpr int kBuffer = ParamIndex(kMvtGeomParams, "buffer");
constexpr int kClipGeom = ParamIndex(kMvtGeomParams, "clip_geom");

absl::Status CheckTile(const Params& p) {
  if (p.number(kTileXMin) < p.number(kTileXMax) &&
      p.number(kTileYMin) < p.number(kTileYMax)) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "set the tile's bounds: xmin < xmax and ymin < ymax");
}

// The parts of `g` (flattened out of collections) of dimension `dim`, as
// one geometry: the part itself when there is one, else a multi-geometry.
absl::StatusOr<geos::GeometryPtr> PartsOfDimension(geos::Context& c,
                                                   const GEOSGeometry* g,
                                                   int dim) {
  const GEOSContextHandle_t h = c.handle();
  std::vector<geos::GeometryPtr> parts;
  std::vector<const GEOSGeometry*> stack = {g};
  while (!stack.empty()) {
    const GEOSGeometry* x = stack.back();
    stack.pop_back();
    const int type = GEOSGeomTypeId_r(h, x);
    if (type >= GEOS_MULTIPOINT) {
      for (int i = GEOSGetNumGeometries_r(h, x) - 1; i >= 0; --i) {
        stack.push_back(GEOSGetGeometryN_r(h, x, i));
      }
      continue;
    }
    if (GEOSisEmpty_r(h, x) != 0 || GEOSGeom_getDimensions_r(h, x) != dim) {
      continue;
    }
    parts.push_back(c.Own(GEOSGeom_clone_r(h, x)));
    if (!parts.back()) return GeosFailure(c);
  }
  if (parts.size() == 1) return std::move(parts[0]);
  const int multi = dim == 0   ? GEOS_MULTIPOINT
                    : dim == 1 ? GEOS_MULTILINESTRING
                               : GEOS_MULTIPOLYGON;
  return c.MakeCollection(multi, std::move(parts));
}

absl::StatusOr<geos::GeometryPtr> Owned(geos::Context& c, GEOSGeometry* g) {
  if (g == nullptr) return GeosFailure(c);
  return c.Own(g);
}

// Multipoint `g` less each point at the place of one before it
// (PostGIS's lwgeom_remove_repeated_points_in_place of a multipoint with
// no tolerance, in n log n rather than its quadratic scan).
absl::StatusOr<geos::GeometryPtr> WithoutRepeatedPoints(geos::Context& c,
                                                        const GEOSGeometry* g) {
  const GEOSContextHandle_t h = c.handle();
  std::set<std::pair<double, double>> seen;
  std::vector<geos::GeometryPtr> kept;
  for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
    const GEOSGeometry* point = GEOSGetGeometryN_r(h, g, i);
    double x, y;
    if (GEOSGeomGetX_r(h, point, &x) != 1 ||
        GEOSGeomGetY_r(h, point, &y) != 1) {
      return GeosFailure(c);
    }
    if (!seen.insert({x, y}).second) continue;
    kept.push_back(c.Own(GEOSGeom_clone_r(h, point)));
    if (!kept.back()) return GeosFailure(c);
  }
  return c.MakeCollection(GEOS_MULTIPOINT, std::move(kept));
}

// An empty geometry of dimension `dim`'s type, PostGIS's NULL.
absl::Status SetEmptyOfDimension(geos::Context& c, int dim, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  return SetGeometry(c,
                     dim == 0   ? GEOSGeom_createEmptyPoint_r(h)
                     : dim == 1 ? GEOSGeom_createEmptyLineString_r(h)
                                : GEOSGeom_createEmptyPolygon_r(h),
                     out);
}

// A multi-geometry of one part as that part, as PostGIS answers.
absl::StatusOr<geos::GeometryPtr> Unwrapped(geos::Context& c,
                                            geos::GeometryPtr g) {
  const GEOSContextHandle_t h = c.handle();
  if (GEOSGeomTypeId_r(h, g.get()) < GEOS_MULTIPOINT ||
      GEOSGetNumGeometries_r(h, g.get()) != 1) {
    return g;
  }
  return Owned(c, GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, g.get(), 0)));
}

// PostGIS's lwgeom_grid_in_place on the unit grid: integer coordinates,
// repeats gone, lines under 2 points and rings under 4 dropped,
// collections without their empty members. With `simplify`, then its
// lwgeom_simplify_in_place with a tolerance of 0 (collapsed parts not
// kept): vertices lying exactly on the line between their neighbours go
// too, and lines whose two ends are one point.
absl::StatusOr<geos::GeometryPtr> SnapToUnitGrid(geos::Context& c,
                                                 const GEOSGeometry* g,
                                                 bool simplify) {
  const Grid unit = {.size_x = 1, .size_y = 1};
  return RewriteCoordinates(
      c, g,
      [&unit, simplify](Part part, Coords& coords, bool* keep) {
        SnapToGrid(unit, coords);
        if (simplify && part != Part::kPoint) DropCollinear(coords, 0);
        const size_t least = part == Part::kPoint  ? 0
                             : part == Part::kLine ? 2
                                                   : 4;
        *keep = coords.size() >= least;
        if (simplify && part == Part::kLine && coords.size() == 2 &&
            coords.at(0)[0] == coords.at(1)[0] &&
            coords.at(0)[1] == coords.at(1)[1]) {
          *keep = false;
        }
        return absl::OkStatus();
      },
      {.drop_empty_members = true});
}

// PostGIS's ST_AsMVTGeom (3.3's steps), on GEOS: a's parts of its highest
// dimension; mapped to tile coordinates (x from the tile's west edge, y
// down from its north edge, the tile [0, extent] square); snapped to the
// integer grid, repeated points and vertices exactly on a straight line
// dropped; clipped to the tile grown by buffer; polygons made valid, their
// exterior rings counter-clockwise in tile coordinates (clockwise on a
// y-down screen, as the MVT specification has them). Empty where nothing
// is left (PostGIS's NULL). PostGIS clips and repairs polygons with Wagyu
// where built with it: polygons may differ in their start vertex, or, where
// the snapping made them invalid, in their repair.
absl::Status MvtGeom(geos::Context& c, const Row& r, const Params& p,
                     Value* out) {
  const GEOSContextHandle_t h = c.handle();
  // An empty collection has dimension -1.
  const int dim = GEOSGeom_getDimensions_r(h, r.a);
  if (GEOSisEmpty_r(h, r.a) != 0) {
    return SetEmptyOfDimension(c, std::max(dim, 0), out);
  }
  if (dim < 0) return GeosFailure(c);
  const double x_min = p.number(kTileXMin), y_max = p.number(kTileYMax);
  const double extent = p.integer(kExtent);
  const double fx = extent / (p.number(kTileXMax) - x_min);
  const double fy = -(extent / (y_max - p.number(kTileYMin)));
  if (!std::isfinite(fx) || !std::isfinite(fy)) {
    return absl::InvalidArgumentError("the tile is too small for its extent");
  }

  ASSIGN_OR_RETURN(geos::GeometryPtr g, PartsOfDimension(c, r.a, dim));
  const Matrix m = {.a = fx, .e = fy, .xoff = -x_min * fx, .yoff = -y_max * fy};
  ASSIGN_OR_RETURN(g, Transform(c, g.get(), m));
  ASSIGN_OR_RETURN(g, SnapToUnitGrid(c, g.get(), /*simplify=*/true));
  if (GEOSGeomTypeId_r(h, g.get()) == GEOS_MULTIPOINT) {
    ASSIGN_OR_RETURN(g, WithoutRepeatedPoints(c, g.get()));
  }
  if (GEOSisEmpty_r(h, g.get()) != 0) return SetEmptyOfDimension(c, dim, out);
  ASSIGN_OR_RETURN(g, Unwrapped(c, std::move(g)));

  const double lo = -p.integer(kBuffer), hi = extent + p.integer(kBuffer);
  bool clip = false;
  if (p.flag(kClipGeom)) {
    double x0, y0, x1, y1;
    if (GEOSGeom_getExtent_r(h, g.get(), &x0, &y0, &x1, &y1) != 1) {
      return GeosFailure(c);
    }
    if (x1 < lo || x0 > hi || y1 < lo || y0 > hi) {
      return SetEmptyOfDimension(c, dim, out);
    }
    clip = x0 < lo || x1 > hi || y0 < lo || y1 > hi;
  }
  if (clip) {
    ASSIGN_OR_RETURN(g, Owned(c, GEOSClipByRect_r(h, g.get(), lo, lo, hi, hi)));
  }
  if (dim == 2) {
    // Valid, then snap-rounded to the integer grid, which keeps it valid
    // (where PostGIS has Wagyu clip and repair in integers).
    ASSIGN_OR_RETURN(g, Owned(c, GEOSMakeValid_r(h, g.get())));
    ASSIGN_OR_RETURN(g, Owned(c, GEOSGeom_setPrecision_r(h, g.get(), 1, 0)));
    ASSIGN_OR_RETURN(g, PartsOfDimension(c, g.get(), 2));
    ASSIGN_OR_RETURN(g, OrientRings(c, g.get(), /*exterior_cw=*/false));
  } else if (clip) {
    // Clipping leaves fractions where lines cross the edge.
    ASSIGN_OR_RETURN(g, SnapToUnitGrid(c, g.get(), /*simplify=*/false));
  }
  if (GEOSisEmpty_r(h, g.get()) != 0) return SetEmptyOfDimension(c, dim, out);
  out->geometry = std::move(g);
  return absl::OkStatus();
}

constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_SET_COORDINATES,
     .arity = 2,
     .result = ResultType::kGeometry,
     .kernel = SetCoordinates,
     .description =
         "a with its coordinates, in order, replaced by the points of b (a "
         "MULTIPOINT per row, as many points as a has coordinates; b's "
         "dimensions): Shapely's set_coordinates, a row at a time."},
    {.code = v1::OP_CODE_FORCE_2D,
     .result = ResultType::kGeometry,
     .kernel = Force2d,
     .description = "a without Z (Shapely's force_2d)."},
    {.code = v1::OP_CODE_FORCE_3D,
     .result = ResultType::kGeometry,
     .params_field = "force_3d",
     .params = kForce3dParams,
     .kernel = Force3d,
     .description = "a with Z, z given where it has none (Shapely's "
                    "force_3d)."},
    {.code = v1::OP_CODE_AFFINE,
     .result = ResultType::kGeometry,
     .params_field = "affine",
     .params = kAffineParams,
     .kernel = Affine,
     .description = "a through an affine map (PostGIS's ST_Affine; "
                    "Shapely's affine_transform with 12 coefficients)."},
    {.code = v1::OP_CODE_ROTATE,
     .result = ResultType::kGeometry,
     .params_field = "rotate",
     .params = kRotateParams,
     .kernel = NonEmpty<Rotate>,
     .description = "a rotated about a fixed point (Shapely's "
                    "affinity.rotate)."},
    {.code = v1::OP_CODE_SCALE,
     .result = ResultType::kGeometry,
     .params_field = "scale",
     .params = kScaleParams,
     .kernel = NonEmpty<Scale>,
     .description = "a scaled about a fixed point (Shapely's "
                    "affinity.scale)."},
    {.code = v1::OP_CODE_SKEW,
     .result = ResultType::kGeometry,
     .params_field = "skew",
     .params = kSkewParams,
     .kernel = NonEmpty<Skew>,
     .description = "a sheared about a fixed point (Shapely's "
                    "affinity.skew)."},
    {.code = v1::OP_CODE_TRANSLATE,
     .result = ResultType::kGeometry,
     .params_field = "translate",
     .params = kTranslateParams,
     .kernel = Translate,
     .description = "a moved by offsets (Shapely's affinity.translate)."},
    {.code = v1::OP_CODE_SNAP_TO_GRID,
     .result = ResultType::kGeometry,
     .params_field = "snap_to_grid",
     .params = kSnapToGridParams,
     .kernel = SnapToGridKernel,
     .description =
         "a's vertices snapped to a grid with an origin, repeated ones "
         "dropped and collapsed parts removed (PostGIS's ST_SnapToGrid; may "
         "be invalid: set_precision keeps validity, without an origin)."},
    {.code = v1::OP_CODE_TILE_ENVELOPE,
     .result = ResultType::kGeometry,
     .params_field = "tile_envelope",
     .params = kTileEnvelopeParams,
     .kernel = TileEnvelope,
     .description = "The bounds of tile POINT (x y) of a zoom level, x from "
                    "the west and y from the north (PostGIS's "
                    "ST_TileEnvelope; Web Mercator's unless the area is "
                    "given).",
     .check_params = CheckTileArea},
    {.code = v1::OP_CODE_AS_MVT_GEOM,
     .result = ResultType::kGeometry,
     .params_field = "mvt_geom",
     .params = kMvtGeomParams,
     .kernel = MvtGeom,
     .description =
         "a in a vector tile's coordinates: clipped to the tile grown by "
         "buffer, mapped to [0, extent] with y down, snapped to the integer "
         "grid, polygons made valid (PostGIS's ST_AsMVTGeom on GEOS; empty "
         "for PostGIS's NULL).",
     .check_params = CheckTile},
};

}  // namespace

absl::Span<const OpSpec> TransformOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
