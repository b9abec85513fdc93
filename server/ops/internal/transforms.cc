// Coordinate transforms: a's coordinates rewritten, its structure kept
// (rewrite.h). Dimensions (force_2d, force_3d, Shapely's), affine maps
// (affine as PostGIS's ST_Affine; rotate, scale, skew, translate as
// Shapely's shapely.affinity), and PostGIS's ST_SnapToGrid.
#include <cmath>
#include <utility>

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "server/ops/internal/families.h"
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
  return SetRewritten(
      RewriteCoordinates(c, r.a,
                         [](Part, Coords& coords, bool*) {
                           if (coords.dims == 2) return absl::OkStatus();
                           Coords xy{.dims = 2};
                           for (size_t i = 0; i < coords.size(); ++i) {
                             xy.v.push_back(coords.at(i)[0]);
                             xy.v.push_back(coords.at(i)[1]);
                           }
                           coords = std::move(xy);
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
  return SetRewritten(
      RewriteCoordinates(c, r.a,
                         [z](Part, Coords& coords, bool*) {
                           if (coords.dims == 3) return absl::OkStatus();
                           Coords xyz{.dims = 3};
                           for (size_t i = 0; i < coords.size(); ++i) {
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
    .description = "The fixed point: a's bounds' centre, its centroid, or "
                   "(origin_x, origin_y[, origin_z])."};
constexpr ParamSpec kOriginX =
    Coefficient("origin_x", 0, "x of the fixed point (TRANSFORM_ORIGIN_POINT).");
constexpr ParamSpec kOriginY =
    Coefficient("origin_y", 0, "y of the fixed point (TRANSFORM_ORIGIN_POINT).");
constexpr ParamSpec kUseRadians = {.name = "use_radians",
                                   .type = ParamType::kBool,
                                   .min = 0,
                                   .max = 1,
                                   .description = "Angles in radians, not "
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
  ASSIGN_OR_RETURN(const Origin o,
                   FindOrigin(c, r.a, p.integer(kRotateOrigin),
                              {.x = p.number(kRotateX), .y = p.number(kRotateY)}));
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
    Coefficient("origin_z", 0, "z of the fixed point (TRANSFORM_ORIGIN_POINT)."),
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
  ASSIGN_OR_RETURN(const Origin o,
                   FindOrigin(c, r.a, p.integer(kScaleOrigin),
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

absl::Status Skew(geos::Context& c, const Row& r, const Params& p,
                  Value* out) {
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
      RewriteCoordinates(
          c, r.a,
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

constexpr OpSpec kOperations[] = {
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
};

}  // namespace

absl::Span<const OpSpec> TransformOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
