// Accessors: what a is made of. Counts, coordinates, SRID, type and
// dimension; parts, rings and points by index; and the expanding ones
// (get_parts, get_rings, get_coordinates) that yield any number of values
// per row.
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"
#include "server/geos/coordinates.h"
#include "server/geos/handles.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/kernels.h"

namespace geosrpc::ops::internal {
namespace {

// --- Counts and values --------------------------------------------------

// Shapely's accessors answer 0 / NaN for geometry types they do not apply
// to, where GEOS raises.
absl::Status NumPoints(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  const int type = GEOSGeomTypeId_r(c.handle(), r.a);
  if (type != GEOS_LINESTRING && type != GEOS_LINEARRING) {
    out->integer = 0;
    return absl::OkStatus();
  }
  return IntAccessor<GEOSGeomGetNumPoints_r>(c, r, p, out);
}

absl::Status NumInteriorRings(geos::Context& c, const Row& r, const Params& p,
                              Value* out) {
  if (GEOSGeomTypeId_r(c.handle(), r.a) != GEOS_POLYGON) {
    out->integer = 0;
    return absl::OkStatus();
  }
  return IntAccessor<GEOSGetNumInteriorRings_r>(c, r, p, out);
}

template <int (*Fn)(GEOSContextHandle_t, const GEOSGeometry*, double*)>
absl::Status PointCoordinate(geos::Context& c, const Row& r, const Params&,
                             Value* out) {
  if (GEOSGeomTypeId_r(c.handle(), r.a) != GEOS_POINT ||
      GEOSisEmpty_r(c.handle(), r.a) != 0) {
    out->number = std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  return SetMeasure(c, Fn(c.handle(), r.a, &out->number));
}

// GEOS cannot fail these; the kernels only widen the result.
absl::Status Srid(geos::Context& c, const Row& r, const Params&, Value* out) {
  out->integer = GEOSGetSRID_r(c.handle(), r.a);
  return absl::OkStatus();
}

absl::Status Dimensions(geos::Context& c, const Row& r, const Params&,
                        Value* out) {
  out->integer = GEOSGeom_getDimensions_r(c.handle(), r.a);
  return absl::OkStatus();
}

absl::Status CoordinateDimension(geos::Context& c, const Row& r, const Params&,
                                 Value* out) {
  const int d = GEOSGeom_getCoordinateDimension_r(c.handle(), r.a);
  if (d == 0) return GeosFailure(c);
  out->integer = d;
  return absl::OkStatus();
}

absl::Status Precision(geos::Context& c, const Row& r, const Params&,
                       Value* out) {
  const double d = GEOSGeom_getPrecision_r(c.handle(), r.a);
  if (d < 0) return GeosFailure(c);
  out->number = d;
  return absl::OkStatus();
}

constexpr ParamSpec kSridParams[] = {
    {.name = "srid",
     .type = ParamType::kInt,
     .required = true,
     .min = -2147483648.0,
     .max = 2147483647.0,
     .description = "The SRID."},
};
constexpr int kSrid = ParamIndex(kSridParams, "srid");

absl::Status SetSrid(geos::Context& c, const Row& r, const Params& p,
                     Value* out) {
  geos::GeometryPtr g = c.Own(GEOSGeom_clone_r(c.handle(), r.a));
  if (!g) return GeosFailure(c);
  GEOSSetSRID_r(c.handle(), g.get(), p.integer(kSrid));
  out->geometry = std::move(g);
  return absl::OkStatus();
}

// --- Parts by index -----------------------------------------------------

constexpr ParamSpec kIndexParams[] = {
    {.name = "index",
     .type = ParamType::kInt,
     .required = true,
     .min = -2147483648.0,
     .max = 2147483647.0,
     .description = "Zero-based; negative counts from the end."},
};
constexpr int kIndex = ParamIndex(kIndexParams, "index");

absl::Status WrongType(geos::Context& c, const GEOSGeometry* g,
                       absl::string_view wanted) {
  return absl::FailedPreconditionError(
      absl::StrCat("a is a ", TypeName(c, g), ", not a ", wanted));
}

// `index` resolved against `n` items, Shapely's way (negative from the end).
absl::StatusOr<int> ResolveIndex(int index, int n, absl::string_view what) {
  const int64_t i = index < 0 ? int64_t{n} + index : index;
  if (i < 0 || i >= n) {
    return absl::OutOfRangeError(
        absl::StrCat("index ", index, " is out of range for ", n, " ", what));
  }
  return static_cast<int>(i);
}

// A copy of a geometry owned by a row (GEOS's accessors lend them).
absl::Status SetCopy(geos::Context& c, const GEOSGeometry* g, Value* out) {
  if (g == nullptr) return GeosFailure(c);
  return SetGeometry(c, GEOSGeom_clone_r(c.handle(), g), out);
}

absl::Status ExteriorRing(geos::Context& c, const Row& r, const Params&,
                          Value* out) {
  if (GEOSGeomTypeId_r(c.handle(), r.a) != GEOS_POLYGON) {
    return WrongType(c, r.a, "Polygon");
  }
  return SetCopy(c, GEOSGetExteriorRing_r(c.handle(), r.a), out);
}

absl::Status InteriorRing(geos::Context& c, const Row& r, const Params& p,
                          Value* out) {
  if (GEOSGeomTypeId_r(c.handle(), r.a) != GEOS_POLYGON) {
    return WrongType(c, r.a, "Polygon");
  }
  ASSIGN_OR_RETURN(const int i,
                   ResolveIndex(p.integer(kIndex),
                                GEOSGetNumInteriorRings_r(c.handle(), r.a),
                                "interior rings"));
  return SetCopy(c, GEOSGetInteriorRingN_r(c.handle(), r.a, i), out);
}

absl::Status GeometryN(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  ASSIGN_OR_RETURN(
      const int i,
      ResolveIndex(p.integer(kIndex), GEOSGetNumGeometries_r(c.handle(), r.a),
                   "parts"));
  return SetCopy(c, GEOSGetGeometryN_r(c.handle(), r.a, i), out);
}

absl::Status PointN(geos::Context& c, const Row& r, const Params& p,
                    Value* out) {
  const int type = GEOSGeomTypeId_r(c.handle(), r.a);
  if (type != GEOS_LINESTRING && type != GEOS_LINEARRING) {
    return WrongType(c, r.a, "LineString");
  }
  ASSIGN_OR_RETURN(
      const int i,
      ResolveIndex(p.integer(kIndex), GEOSGeomGetNumPoints_r(c.handle(), r.a),
                   "points"));
  return SetGeometry(c, GEOSGeomGetPointN_r(c.handle(), r.a, i), out);
}

// --- Expanding: any number of values per row ----------------------------

// Appends a copy of `part` (null: GEOS failed) to an expanding value.
absl::Status AddPartCopy(geos::Context& c, const GEOSGeometry* part,
                         Value* out) {
  geos::GeometryPtr copy =
      c.Own(part != nullptr ? GEOSGeom_clone_r(c.handle(), part) : nullptr);
  if (!copy) return GeosFailure(c);
  out->parts.push_back(std::move(copy));
  return absl::OkStatus();
}

// a's parts, in order: a itself when it is not a collection, none for an
// empty collection.
absl::Status Parts(geos::Context& c, const Row& r, const Params&, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  const int n = GEOSGetNumGeometries_r(h, r.a);
  if (n < 0) return GeosFailure(c);
  for (int i = 0; i < n; ++i) {
    RETURN_IF_ERROR(AddPartCopy(c, GEOSGetGeometryN_r(h, r.a, i), out));
  }
  return absl::OkStatus();
}

// Shapely's get_rings: a polygon's exterior ring, then its interior
// rings; nothing for an empty polygon or any other type.
absl::Status Rings(geos::Context& c, const Row& r, const Params&, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  if (GEOSGeomTypeId_r(h, r.a) != GEOS_POLYGON || GEOSisEmpty_r(h, r.a) != 0) {
    return absl::OkStatus();
  }
  const int holes = GEOSGetNumInteriorRings_r(h, r.a);
  if (holes < 0) return GeosFailure(c);
  RETURN_IF_ERROR(AddPartCopy(c, GEOSGetExteriorRing_r(h, r.a), out));
  for (int i = 0; i < holes; ++i) {
    RETURN_IF_ERROR(AddPartCopy(c, GEOSGetInteriorRingN_r(h, r.a, i), out));
  }
  return absl::OkStatus();
}

constexpr ParamSpec kCoordinatesParams[] = {
    {.name = "include_z",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Three values per coordinate, NaN z for 2D ones."},
};
constexpr int kIncludeZ = ParamIndex(kCoordinatesParams, "include_z");

// Shapely's get_coordinates.
absl::Status Coordinates(geos::Context& c, const Row& r, const Params& p,
                         Value* out) {
  const bool z = p.flag(kIncludeZ);
  out->width = z ? 3 : 2;
  if (!geos::AppendCoordinates(c.handle(), r.a, z, &out->numbers)) {
    return GeosFailure(c);
  }
  return absl::OkStatus();
}

constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_GET_NUM_GEOMETRIES,
     .result = ResultType::kInt,
     .kernel = IntAccessor<GEOSGetNumGeometries_r>,
     .description = "Parts of a (1 for a single geometry)."},
    {.code = v1::OP_CODE_GET_NUM_COORDINATES,
     .result = ResultType::kInt,
     .kernel = IntAccessor<GEOSGetNumCoordinates_r>,
     .description = "Coordinates in a, over all its parts."},
    {.code = v1::OP_CODE_GET_NUM_POINTS,
     .result = ResultType::kInt,
     .kernel = NumPoints,
     .description = "Points of line string a (0 for other types)."},
    {.code = v1::OP_CODE_GET_NUM_INTERIOR_RINGS,
     .result = ResultType::kInt,
     .kernel = NumInteriorRings,
     .description = "Holes of polygon a (0 for other types)."},
    {.code = v1::OP_CODE_GET_X,
     .result = ResultType::kDouble,
     .kernel = PointCoordinate<GEOSGeomGetX_r>,
     .description = "X of point a (NaN for other types and empty points)."},
    {.code = v1::OP_CODE_GET_Y,
     .result = ResultType::kDouble,
     .kernel = PointCoordinate<GEOSGeomGetY_r>,
     .description = "Y of point a (NaN for other types and empty points)."},
    {.code = v1::OP_CODE_GET_Z,
     .result = ResultType::kDouble,
     .kernel = PointCoordinate<GEOSGeomGetZ_r>,
     .description = "Z of point a (NaN when it has none)."},
    {.code = v1::OP_CODE_GET_SRID,
     .result = ResultType::kInt,
     .kernel = Srid,
     .description = "SRID of a (0 when unset; from extended WKB input)."},
    {.code = v1::OP_CODE_SET_SRID,
     .result = ResultType::kGeometry,
     .params_field = "srid",
     .params = kSridParams,
     .kernel = SetSrid,
     .description = "a with the SRID set (geometry results carry a non-zero "
                    "SRID as extended WKB)."},
    {.code = v1::OP_CODE_GET_PARTS,
     .result = ResultType::kGeometry,
     .kernel = Parts,
     .description =
         "a's parts, each its own value: source_rows maps them to rows.",
     .expands = true},
    {.code = v1::OP_CODE_GET_DIMENSIONS,
     .result = ResultType::kInt,
     .kernel = Dimensions,
     .description =
         "Topological dimension of a: 0 points, 1 lines, 2 polygons."},
    {.code = v1::OP_CODE_GET_TYPE_ID,
     .result = ResultType::kInt,
     .kernel = IntAccessor<GEOSGeomTypeId_r>,
     .description = "GEOS type id of a: 0 point, 1 line string, 2 linear "
                    "ring, 3 polygon, 4-6 multi-, 7 collection."},
    {.code = v1::OP_CODE_GET_EXTERIOR_RING,
     .result = ResultType::kGeometry,
     .kernel = ExteriorRing,
     .description = "The shell of polygon a (a row error for other types)."},
    {.code = v1::OP_CODE_GET_INTERIOR_RING,
     .result = ResultType::kGeometry,
     .params_field = "index",
     .params = kIndexParams,
     .kernel = InteriorRing,
     .description =
         "Hole `index` of polygon a (OUT_OF_RANGE when it has none)."},
    {.code = v1::OP_CODE_GET_GEOMETRY,
     .result = ResultType::kGeometry,
     .params_field = "index",
     .params = kIndexParams,
     .kernel = GeometryN,
     .description = "Part `index` of a (a itself at 0 for a single geometry)."},
    {.code = v1::OP_CODE_GET_POINT,
     .result = ResultType::kGeometry,
     .params_field = "index",
     .params = kIndexParams,
     .kernel = PointN,
     .description = "Vertex `index` of line string a, as a point."},
    {.code = v1::OP_CODE_GET_COORDINATE_DIMENSION,
     .result = ResultType::kInt,
     .kernel = CoordinateDimension,
     .description = "2 or 3: whether a has Z."},
    {.code = v1::OP_CODE_GET_PRECISION,
     .result = ResultType::kDouble,
     .kernel = Precision,
     .description = "Grid size of a's precision model (0 for floating)."},
    {.code = v1::OP_CODE_GET_RINGS,
     .result = ResultType::kGeometry,
     .kernel = Rings,
     .description = "Polygon a's exterior then interior rings, each its own "
                    "value (none for other types or empty): source_rows maps "
                    "them to rows.",
     .expands = true},
    {.code = v1::OP_CODE_GET_COORDINATES,
     .result = ResultType::kDouble,
     .params_field = "coordinates",
     .params = kCoordinatesParams,
     .kernel = Coordinates,
     .description = "Every coordinate of a, in order, each its own value of "
                    "x, y (and z): source_rows maps them to rows.",
     .values_per_row = 2,
     .expands = true},
};

}  // namespace

absl::Span<const OpSpec> AccessorOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
