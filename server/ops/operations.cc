#include "server/ops/operations.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "server/geos/coordinates.h"
#include "server/ops/internal/kernels.h"

namespace geosrpc::ops {
namespace {

using internal::BinaryConstructive;
using internal::BinaryMeasure;
using internal::BinaryPredicate;
using internal::IntAccessor;
using internal::PreparedMeasure;
using internal::PreparedPredicate;
using internal::UnaryConstructive;
using internal::UnaryMeasure;
using internal::UnaryPredicate;

// --- Kernels guarding GEOS ----------------------------------------------

// GEOS 3.11.1 crashes on collections with empty members in many
// operations: union and node (GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING
// (...))), distance and Hausdorff distance, densify, point on surface,
// interpolate and locate along MULTILINESTRING (EMPTY, (...)), shared paths,
// nearest points. Empty members add no points, so the geometry without them
// answers the same.
bool HasEmptyMember(GEOSContextHandle_t h, const GEOSGeometry* g) {
  if (GEOSGeomTypeId_r(h, g) < GEOS_MULTIPOINT) return false;
  for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
    const GEOSGeometry* part = GEOSGetGeometryN_r(h, g, i);
    if (GEOSisEmpty_r(h, part) != 0 || HasEmptyMember(h, part)) return true;
  }
  return false;
}

// A copy of `g` less its empty members, at every level.
GEOSGeometry* StripEmptyMembers(GEOSContextHandle_t h, const GEOSGeometry* g) {
  const int type = GEOSGeomTypeId_r(h, g);
  if (type < GEOS_MULTIPOINT) return GEOSGeom_clone_r(h, g);
  std::vector<GEOSGeometry*> parts;
  for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
    const GEOSGeometry* part = GEOSGetGeometryN_r(h, g, i);
    if (GEOSisEmpty_r(h, part) == 0) {
      parts.push_back(StripEmptyMembers(h, part));
    }
  }
  return GEOSGeom_createCollection_r(h, type, parts.data(),
                                     static_cast<unsigned>(parts.size()));
}

// `g` if it has no empty members, else its stripped copy (held in
// `*holder`).
const GEOSGeometry* WithoutEmptyMembers(geos::Context& c, const GEOSGeometry* g,
                                        geos::GeometryPtr* holder) {
  if (g == nullptr || !HasEmptyMember(c.handle(), g)) return g;
  *holder = c.Own(StripEmptyMembers(c.handle(), g));
  return holder->get();
}

// Kernel K on the row's operands without their empty members.
template <Kernel K>
absl::Status IgnoringEmptyMembers(geos::Context& c, const Row& r,
                                  const Params& p, Value* out) {
  geos::GeometryPtr a_holder, b_holder;
  Row row = r;
  row.a = WithoutEmptyMembers(c, r.a, &a_holder);
  row.b = WithoutEmptyMembers(c, r.b, &b_holder);
  if (row.a == nullptr || (r.b != nullptr && row.b == nullptr)) {
    return internal::GeosFailure(c);
  }
  return K(c, row, p, out);
}

// DensifyParams field order; densify 0 means none.
enum { kDensify = 0 };

// Densifying multiplies vertices: refuse a row that would exceed this
// rather than exhaust memory or stall a worker.
constexpr double kMaxDensifiedVertices = 10'000'000;

absl::Status CheckDensify(geos::Context& c, const Row& r, double densify) {
  if (densify <= 0) return absl::OkStatus();
  const double vertices = (GEOSGetNumCoordinates_r(c.handle(), r.a) +
                           GEOSGetNumCoordinates_r(c.handle(), r.b)) /
                          densify;
  if (vertices <= kMaxDensifiedVertices) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("densify ", densify, " would compare over ",
                   kMaxDensifiedVertices, " vertices"));
}

// GEOS 3.11.1 dereferences null computing the discrete Frechet distance of an
// empty geometry. A distance to nothing is undefined: NaN, as GEOS itself
// answers for the Hausdorff distance.
absl::Status FrechetDistance(geos::Context& c, const Row& r, const Params& p,
                             Value* out) {
  if (GEOSisEmpty_r(c.handle(), r.a) != 0 ||
      GEOSisEmpty_r(c.handle(), r.b) != 0) {
    out->number = std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  const double densify = p.number(kDensify);
  RETURN_IF_ERROR(CheckDensify(c, r, densify));
  return internal::SetMeasure(
      c, densify > 0
             ? GEOSFrechetDistanceDensify_r(c.handle(), r.a, r.b, densify,
                                            &out->number)
             : GEOSFrechetDistance_r(c.handle(), r.a, r.b, &out->number));
}

absl::Status HausdorffDistance(geos::Context& c, const Row& r, const Params& p,
                               Value* out) {
  const double densify = p.number(kDensify);
  RETURN_IF_ERROR(CheckDensify(c, r, densify));
  return internal::SetMeasure(
      c, densify > 0
             ? GEOSHausdorffDistanceDensify_r(c.handle(), r.a, r.b, densify,
                                              &out->number)
             : GEOSHausdorffDistance_r(c.handle(), r.a, r.b, &out->number));
}

// --- Kernels answering where GEOS raises or has no call -----------------

// Unlike GEOS's other measures (1 on success), GEOSMinimumClearance_r
// returns 0 on success and 2 on error.
absl::Status MinimumClearance(geos::Context& c, const Row& r, const Params&,
                              Value* out) {
  return GEOSMinimumClearance_r(c.handle(), r.a, &out->number) == 0
             ? absl::OkStatus()
             : internal::GeosFailure(c);
}

// Shapely reports NaN bounds for an empty geometry.
absl::Status Bounds(geos::Context& c, const Row& r, const Params&, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  if (GEOSisEmpty_r(h, r.a) != 0) {
    out->number = out->more[0] = out->more[1] = out->more[2] =
        std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  const bool ok = GEOSGeom_getXMin_r(h, r.a, &out->number) == 1 &&
                  GEOSGeom_getYMin_r(h, r.a, &out->more[0]) == 1 &&
                  GEOSGeom_getXMax_r(h, r.a, &out->more[1]) == 1 &&
                  GEOSGeom_getYMax_r(h, r.a, &out->more[2]) == 1;
  return ok ? absl::OkStatus() : internal::GeosFailure(c);
}

// GEOS's minimum bounding circle, keeping what the caller asks for.
absl::Status BoundingCircle(geos::Context& c, const GEOSGeometry* g,
                            double* radius, geos::GeometryPtr* circle) {
  GEOSGeometry* center = nullptr;
  double r = 0;
  geos::GeometryPtr result =
      c.Own(GEOSMinimumBoundingCircle_r(c.handle(), g, &r, &center));
  const geos::GeometryPtr owned_center = c.Own(center);
  if (!result) return internal::GeosFailure(c);
  if (radius != nullptr) *radius = r;
  if (circle != nullptr) *circle = std::move(result);
  return absl::OkStatus();
}

absl::Status MinimumBoundingRadius(geos::Context& c, const Row& r,
                                   const Params&, Value* out) {
  return BoundingCircle(c, r.a, &out->number, nullptr);
}

absl::Status MinimumBoundingCircle(geos::Context& c, const Row& r,
                                   const Params&, Value* out) {
  return BoundingCircle(c, r.a, nullptr, &out->geometry);
}

// Strings GEOS allocates are freed with GEOSFree_r.
absl::Status SetText(geos::Context& c, char* text, Value* out) {
  const geos::CharBuffer owned(text, {c.handle()});
  if (!owned) return internal::GeosFailure(c);
  out->text = owned.get();
  return absl::OkStatus();
}

absl::Status Relate(geos::Context& c, const Row& r, const Params&, Value* out) {
  return SetText(c, GEOSRelate_r(c.handle(), r.a, r.b), out);
}

absl::Status IsValidReason(geos::Context& c, const Row& r, const Params&,
                           Value* out) {
  return SetText(c, GEOSisValidReason_r(c.handle(), r.a), out);
}

// GEOS has contains_properly only in prepared form, on a (the broadcast
// operand is b, so the worker's cached preparation cannot serve). Preparing
// each row, as Shapely does, gives the same answers as Shapely, including on
// invalid input where the DE-9IM pattern T**FF*FF* would raise.
absl::Status ContainsProperly(geos::Context& c, const Row& r, const Params&,
                              Value* out) {
  const geos::PreparedPtr a(GEOSPrepare_r(c.handle(), r.a), {c.handle()});
  if (!a) return internal::GeosFailure(c);
  return internal::SetPredicate(
      c, GEOSPreparedContainsProperly_r(c.handle(), a.get(), r.b), out);
}

// Shapely's is_ccw: only line strings and rings of 4+ points have an
// orientation; everything else is false.
absl::Status IsCcw(geos::Context& c, const Row& r, const Params&, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  const int type = GEOSGeomTypeId_r(h, r.a);
  out->flag = false;
  if ((type != GEOS_LINESTRING && type != GEOS_LINEARRING) ||
      GEOSGeomGetNumPoints_r(h, r.a) < 4) {
    return absl::OkStatus();
  }
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, r.a);
  char ccw = 0;
  if (seq == nullptr || GEOSCoordSeq_isCCW_r(h, seq, &ccw) == 0) {
    return internal::GeosFailure(c);
  }
  out->flag = ccw != 0;
  return absl::OkStatus();
}

absl::Status Normalize(geos::Context& c, const Row& r, const Params&,
                       Value* out) {
  geos::GeometryPtr g = c.Own(GEOSGeom_clone_r(c.handle(), r.a));
  if (!g || GEOSNormalize_r(c.handle(), g.get()) != 0) {
    return internal::GeosFailure(c);
  }
  out->geometry = std::move(g);
  return absl::OkStatus();
}

// Polygons formed by a's linework (its parts, for a collection).
absl::Status Polygonize(geos::Context& c, const Row& r, const Params&,
                        Value* out) {
  const GEOSContextHandle_t h = c.handle();
  const int n = GEOSGetNumGeometries_r(h, r.a);
  if (n < 0) return internal::GeosFailure(c);
  std::vector<const GEOSGeometry*> parts;
  for (int i = 0; i < n; ++i) parts.push_back(GEOSGetGeometryN_r(h, r.a, i));
  return internal::SetGeometry(
      c, GEOSPolygonize_r(h, parts.data(), static_cast<unsigned>(parts.size())),
      out);
}

// GEOS answers null, with no message, when either input is empty.
absl::Status ShortestLine(geos::Context& c, const Row& r, const Params&,
                          Value* out) {
  const GEOSContextHandle_t h = c.handle();
  if (GEOSisEmpty_r(h, r.a) != 0 || GEOSisEmpty_r(h, r.b) != 0) {
    return internal::SetGeometry(c, GEOSGeom_createEmptyLineString_r(h), out);
  }
  GEOSCoordSequence* seq = GEOSNearestPoints_r(h, r.a, r.b);
  if (seq == nullptr) return internal::GeosFailure(c);
  return internal::SetGeometry(c, GEOSGeom_createLineString_r(h, seq), out);
}

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
  return internal::SetMeasure(c, Fn(c.handle(), r.a, &out->number));
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

// Appends a copy of `part` (null: GEOS failed) to an expanding value.
absl::Status AddPartCopy(geos::Context& c, const GEOSGeometry* part,
                         Value* out) {
  geos::GeometryPtr copy =
      c.Own(part != nullptr ? GEOSGeom_clone_r(c.handle(), part) : nullptr);
  if (!copy) return internal::GeosFailure(c);
  out->parts.push_back(std::move(copy));
  return absl::OkStatus();
}

// a's parts, in order: a itself when it is not a collection, none for an
// empty collection.
absl::Status Parts(geos::Context& c, const Row& r, const Params&, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  const int n = GEOSGetNumGeometries_r(h, r.a);
  if (n < 0) return internal::GeosFailure(c);
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
  if (holes < 0) return internal::GeosFailure(c);
  RETURN_IF_ERROR(AddPartCopy(c, GEOSGetExteriorRing_r(h, r.a), out));
  for (int i = 0; i < holes; ++i) {
    RETURN_IF_ERROR(AddPartCopy(c, GEOSGetInteriorRingN_r(h, r.a, i), out));
  }
  return absl::OkStatus();
}

// --- Kernels with parameters -------------------------------------------

// Shapely's get_coordinates.
absl::Status Coordinates(geos::Context& c, const Row& r, const Params& p,
                         Value* out) {
  const bool z = p.flag(0);
  out->width = z ? 3 : 2;
  if (!geos::AppendCoordinates(c.handle(), r.a, z, &out->numbers)) {
    return internal::GeosFailure(c);
  }
  return absl::OkStatus();
}

// DistanceParams field order.
enum { kDistance = 0 };

absl::Status DWithin(geos::Context& c, const Row& r, const Params& p,
                     Value* out) {
  return internal::SetPredicate(
      c, GEOSDistanceWithin_r(c.handle(), r.a, r.b, p.number(kDistance)), out);
}

absl::Status PreparedDWithin(geos::Context& c, const Row& r, const Params& p,
                             Value* out) {
  return internal::SetPredicate(
      c,
      GEOSPreparedDistanceWithin_r(c.handle(), r.prepared_b, r.a,
                                   p.number(kDistance)),
      out);
}

// BufferParams field order.
enum { kRadius = 0, kQuadsegs, kCapStyle, kJoinStyle, kMitreLimit, kSingle };

absl::Status Buffer(geos::Context& c, const Row& r, const Params& p,
                    Value* out) {
  // The proto numbers styles as GEOS does.
  const int cap = p.integer(kCapStyle);
  const int join = p.integer(kJoinStyle);
  if (!p.flag(kSingle)) {
    return internal::SetGeometry(
        c,
        GEOSBufferWithStyle_r(c.handle(), r.a, p.number(kRadius),
                              p.integer(kQuadsegs), cap, join,
                              p.number(kMitreLimit)),
        out);
  }
  geos::BufferParamsPtr bp(GEOSBufferParams_create_r(c.handle()), {c.handle()});
  if (!bp) return internal::GeosFailure(c);
  GEOSBufferParams_setEndCapStyle_r(c.handle(), bp.get(), cap);
  GEOSBufferParams_setJoinStyle_r(c.handle(), bp.get(), join);
  GEOSBufferParams_setMitreLimit_r(c.handle(), bp.get(), p.number(kMitreLimit));
  GEOSBufferParams_setQuadrantSegments_r(c.handle(), bp.get(),
                                         p.integer(kQuadsegs));
  GEOSBufferParams_setSingleSided_r(c.handle(), bp.get(), 1);
  return internal::SetGeometry(
      c, GEOSBufferWithParams_r(c.handle(), r.a, bp.get(), p.number(kRadius)),
      out);
}

// SimplifyParams field order.
enum { kTolerance = 0, kPreserveTopology };

absl::Status Simplify(geos::Context& c, const Row& r, const Params& p,
                      Value* out) {
  const double tolerance = p.number(kTolerance);
  return internal::SetGeometry(
      c,
      p.flag(kPreserveTopology)
          ? GEOSTopologyPreserveSimplify_r(c.handle(), r.a, tolerance)
          : GEOSSimplify_r(c.handle(), r.a, tolerance),
      out);
}

// MakeValidParams field order.
enum { kMethod = 0, kKeepCollapsed };

absl::Status MakeValid(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  using Ptr = geos::Handle<GEOSMakeValidParams, GEOSMakeValidParams_destroy_r>;
  Ptr params(GEOSMakeValidParams_create_r(c.handle()), {c.handle()});
  if (!params) return internal::GeosFailure(c);
  GEOSMakeValidParams_setMethod_r(c.handle(), params.get(),
                                  p.integer(kMethod) == 1
                                      ? GEOS_MAKE_VALID_STRUCTURE
                                      : GEOS_MAKE_VALID_LINEWORK);
  GEOSMakeValidParams_setKeepCollapsed_r(c.handle(), params.get(),
                                         p.flag(kKeepCollapsed) ? 1 : 0);
  return internal::SetGeometry(
      c, GEOSMakeValidWithParams_r(c.handle(), r.a, params.get()), out);
}

// WktParams field order.
enum { kRounding = 0, kTrim, kWktDimension };

absl::Status ToWkt(geos::Context& c, const Row& r, const Params& p,
                   Value* out) {
  out->bytes_encoding = v1::ENCODING_WKT;
  return c.WriteWkt(r.a,
                    {.rounding_precision = p.integer(kRounding),
                     .trim = p.flag(kTrim),
                     .output_dimension = p.integer(kWktDimension)},
                    out->bytes);
}

// WkbParams field order.
enum { kBigEndian = 0, kWkbDimension, kIncludeSrid, kIso, kHex };

absl::Status ToWkb(geos::Context& c, const Row& r, const Params& p,
                   Value* out) {
  out->bytes_encoding = p.flag(kHex) ? v1::ENCODING_HEX_WKB : v1::ENCODING_WKB;
  return c.WriteWkb(r.a,
                    {.big_endian = p.flag(kBigEndian),
                     .output_dimension = p.integer(kWkbDimension),
                     .include_srid = p.flag(kIncludeSrid),
                     .iso = p.flag(kIso),
                     .hex = p.flag(kHex)},
                    out->bytes);
}

absl::Status ToGeoJson(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  out->bytes_encoding = v1::ENCODING_GEOJSON;
  return c.WriteGeoJson(r.a, p.integer(0), out->bytes);  // GeoJsonParams.indent
}

// OverlayParams field order; a grid size of 0 is full floating precision.
enum { kGridSize = 0 };

template <GEOSGeometry* (*Fn)(GEOSContextHandle_t, const GEOSGeometry*,
                              const GEOSGeometry*),
          GEOSGeometry* (*PrecFn)(GEOSContextHandle_t, const GEOSGeometry*,
                                  const GEOSGeometry*, double)>
absl::Status Overlay(geos::Context& c, const Row& r, const Params& p,
                     Value* out) {
  const double grid = p.number(kGridSize);
  return internal::SetGeometry(
      c,
      grid > 0 ? PrecFn(c.handle(), r.a, r.b, grid) : Fn(c.handle(), r.a, r.b),
      out);
}

absl::Status UnaryUnion(geos::Context& c, const Row& r, const Params& p,
                        Value* out) {
  const double grid = p.number(kGridSize);
  return internal::SetGeometry(c,
                               grid > 0
                                   ? GEOSUnaryUnionPrec_r(c.handle(), r.a, grid)
                                   : GEOSUnaryUnion_r(c.handle(), r.a),
                               out);
}

// ToleranceParams field order.
enum { kTol = 0 };

absl::Status EqualsExact(geos::Context& c, const Row& r, const Params& p,
                         Value* out) {
  return internal::SetPredicate(
      c, GEOSEqualsExact_r(c.handle(), r.a, r.b, p.number(kTol)), out);
}

absl::Status RemoveRepeatedPoints(geos::Context& c, const Row& r,
                                  const Params& p, Value* out) {
  return internal::SetGeometry(
      c, GEOSRemoveRepeatedPoints_r(c.handle(), r.a, p.number(kTol)), out);
}

absl::Status Snap(geos::Context& c, const Row& r, const Params& p, Value* out) {
  return internal::SetGeometry(
      c, GEOSSnap_r(c.handle(), r.a, r.b, p.number(kTol)), out);
}

// Shapely's default tolerance: a thousandth of the larger envelope side.
// GEOS never finishes with a tolerance of 0, and crashes on polygons so
// small (sides below ~1e-160) that squared distances underflow to 0.
absl::Status MaximumInscribedCircle(geos::Context& c, const Row& r,
                                    const Params& p, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  double tolerance = p.number(kTol);
  if (GEOSisEmpty_r(h, r.a) == 0) {
    double x0, y0, x1, y1;
    if (GEOSGeom_getExtent_r(h, r.a, &x0, &y0, &x1, &y1) != 1) {
      return internal::GeosFailure(c);
    }
    const double extent = std::max(x1 - x0, y1 - y0);
    constexpr double kSmallest = 1e-150;
    if (extent > 0 && extent < kSmallest) {
      return absl::InvalidArgumentError(
          absl::StrCat("a's extent ", extent, " is below ", kSmallest,
                       ", too small for GEOS 3.11.1's algorithm"));
    }
    if (tolerance == 0) tolerance = extent / 1000;
  }
  if (tolerance <= 0) tolerance = 1;  // A point or empty: nothing to refine.
  return internal::SetGeometry(
      c, GEOSMaximumInscribedCircle_r(h, r.a, tolerance), out);
}

absl::Status RelatePattern(geos::Context& c, const Row& r, const Params& p,
                           Value* out) {
  return internal::SetPredicate(
      c, GEOSRelatePattern_r(c.handle(), r.a, r.b, p.string(0).c_str()), out);
}

// OffsetCurveParams field order.
enum { kOffset = 0, kOffsetQuadsegs, kOffsetJoin, kOffsetMitre, kOffsetLegacy };

absl::Status OffsetCurve(geos::Context& c, const Row& r, const Params& p,
                         Value* out) {
  const double d = p.number(kOffset);
  const int join = p.integer(kOffsetJoin);
  if (p.flag(kOffsetLegacy)) {
    // Deprecated in GEOS's C API, and the only way to BufferBuilder's
    // single-sided line: left for positive distances.
    return internal::SetGeometry(
        c,
        GEOSSingleSidedBuffer_r(c.handle(), r.a, std::abs(d),
                                p.integer(kOffsetQuadsegs), join,
                                p.number(kOffsetMitre), d >= 0 ? 1 : 0),
        out);
  }
  return internal::SetGeometry(
      c,
      GEOSOffsetCurve_r(c.handle(), r.a, d, p.integer(kOffsetQuadsegs), join,
                        p.number(kOffsetMitre)),
      out);
}

absl::Status ConcaveHull(geos::Context& c, const Row& r, const Params& p,
                         Value* out) {
  return internal::SetGeometry(
      c, GEOSConcaveHull_r(c.handle(), r.a, p.number(0), p.integer(1)), out);
}

// Segmentizing adds length / max_segment_length vertices (bounded as for
// densify above).
absl::Status Segmentize(geos::Context& c, const Row& r, const Params& p,
                        Value* out) {
  const double max_length = p.number(0);
  double length = 0;
  if (GEOSLength_r(c.handle(), r.a, &length) != 1) {
    return internal::GeosFailure(c);
  }
  if (length / max_length > kMaxDensifiedVertices) {
    return absl::ResourceExhaustedError(
        absl::StrCat("segmentize would create over ", kMaxDensifiedVertices,
                     " vertices (length ", length, " / max_segment_length ",
                     max_length, ")"));
  }
  return internal::SetGeometry(c, GEOSDensify_r(c.handle(), r.a, max_length),
                               out);
}

absl::Status ClipByRect(geos::Context& c, const Row& r, const Params& p,
                        Value* out) {
  return internal::SetGeometry(
      c,
      GEOSClipByRect_r(c.handle(), r.a, p.number(0), p.number(1), p.number(2),
                       p.number(3)),
      out);
}

absl::Status DelaunayTriangles(geos::Context& c, const Row& r, const Params& p,
                               Value* out) {
  return internal::SetGeometry(
      c,
      GEOSDelaunayTriangulation_r(c.handle(), r.a, p.number(0), p.integer(1)),
      out);
}

absl::Status VoronoiPolygons(geos::Context& c, const Row& r, const Params& p,
                             Value* out) {
  return internal::SetGeometry(
      c,
      GEOSVoronoiDiagram_r(c.handle(), r.a, nullptr, p.number(0), p.integer(1)),
      out);
}

absl::Status SetPrecision(geos::Context& c, const Row& r, const Params& p,
                          Value* out) {
  // Shapely's modes are GEOS's flags.
  return internal::SetGeometry(
      c, GEOSGeom_setPrecision_r(c.handle(), r.a, p.number(0), p.integer(1)),
      out);
}

absl::Status LineInterpolatePoint(geos::Context& c, const Row& r,
                                  const Params& p, Value* out) {
  const double distance = p.number(0);
  return internal::SetGeometry(
      c,
      p.flag(1) ? GEOSInterpolateNormalized_r(c.handle(), r.a, distance)
                : GEOSInterpolate_r(c.handle(), r.a, distance),
      out);
}

// GEOS signals failure with -1, which is never a valid position. GEOS
// 3.11.1 reads freed memory locating an empty point: nowhere is NaN.
absl::Status LineLocatePoint(geos::Context& c, const Row& r, const Params& p,
                             Value* out) {
  if (GEOSisEmpty_r(c.handle(), r.b) != 0) {
    out->number = std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  c.ClearError();
  const double d = p.flag(0) ? GEOSProjectNormalized_r(c.handle(), r.a, r.b)
                             : GEOSProject_r(c.handle(), r.a, r.b);
  if (d == -1) return internal::GeosFailure(c);
  out->number = d;
  return absl::OkStatus();
}

absl::Status SetSrid(geos::Context& c, const Row& r, const Params& p,
                     Value* out) {
  geos::GeometryPtr g = c.Own(GEOSGeom_clone_r(c.handle(), r.a));
  if (!g) return internal::GeosFailure(c);
  GEOSSetSRID_r(c.handle(), g.get(), p.integer(0));
  out->geometry = std::move(g);
  return absl::OkStatus();
}

absl::Status LineMerge(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  return internal::SetGeometry(c,
                               p.flag(0)
                                   ? GEOSLineMergeDirected_r(c.handle(), r.a)
                                   : GEOSLineMerge_r(c.handle(), r.a),
                               out);
}

// --- Accessors by index -------------------------------------------------

// The geometry type's name, for messages.
std::string TypeName(geos::Context& c, const GEOSGeometry* g) {
  const geos::CharBuffer name(GEOSGeomType_r(c.handle(), g), {c.handle()});
  return name ? name.get() : "geometry";
}

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
  if (g == nullptr) return internal::GeosFailure(c);
  return internal::SetGeometry(c, GEOSGeom_clone_r(c.handle(), g), out);
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
  ASSIGN_OR_RETURN(
      const int i,
      ResolveIndex(p.integer(0), GEOSGetNumInteriorRings_r(c.handle(), r.a),
                   "interior rings"));
  return SetCopy(c, GEOSGetInteriorRingN_r(c.handle(), r.a, i), out);
}

absl::Status GeometryN(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  ASSIGN_OR_RETURN(
      const int i,
      ResolveIndex(p.integer(0), GEOSGetNumGeometries_r(c.handle(), r.a),
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
      ResolveIndex(p.integer(0), GEOSGeomGetNumPoints_r(c.handle(), r.a),
                   "points"));
  return internal::SetGeometry(c, GEOSGeomGetPointN_r(c.handle(), r.a, i), out);
}

absl::Status CoordinateDimension(geos::Context& c, const Row& r, const Params&,
                                 Value* out) {
  const int d = GEOSGeom_getCoordinateDimension_r(c.handle(), r.a);
  if (d == 0) return internal::GeosFailure(c);
  out->integer = d;
  return absl::OkStatus();
}

absl::Status Precision(geos::Context& c, const Row& r, const Params&,
                       Value* out) {
  const double d = GEOSGeom_getPrecision_r(c.handle(), r.a);
  if (d < 0) return internal::GeosFailure(c);
  out->number = d;
  return absl::OkStatus();
}

// --- Reductions ---------------------------------------------------------

// A collection owning `inputs`, less their empty members (see
// HasEmptyMember).
absl::StatusOr<geos::GeometryPtr> Collect(
    geos::Context& c, std::vector<geos::GeometryPtr> inputs) {
  std::vector<GEOSGeometry*> raw;
  raw.reserve(inputs.size());
  for (auto& g : inputs) {
    if (HasEmptyMember(c.handle(), g.get())) {
      g = c.Own(StripEmptyMembers(c.handle(), g.get()));
    }
    if (g != nullptr && GEOSisEmpty_r(c.handle(), g.get()) != 0) g.reset();
    if (g != nullptr) raw.push_back(g.get());
  }
  geos::GeometryPtr collection = c.Own(GEOSGeom_createCollection_r(
      c.handle(), GEOS_GEOMETRYCOLLECTION, raw.data(),
      static_cast<unsigned>(raw.size())));
  if (!collection) return internal::GeosFailure(c);
  for (auto& g : inputs) g.release();  // Now owned by the collection.
  return collection;
}

absl::StatusOr<geos::GeometryPtr> Owned(geos::Context& c, GEOSGeometry* g) {
  if (g == nullptr) return internal::GeosFailure(c);
  return c.Own(g);
}

absl::StatusOr<geos::GeometryPtr> UnionAll(
    geos::Context& c, std::vector<geos::GeometryPtr> inputs, const Params& p) {
  ASSIGN_OR_RETURN(geos::GeometryPtr all, Collect(c, std::move(inputs)));
  const double grid = p.number(kGridSize);
  return Owned(c, grid > 0 ? GEOSUnaryUnionPrec_r(c.handle(), all.get(), grid)
                           : GEOSUnaryUnion_r(c.handle(), all.get()));
}

// Folds the inputs with an associative overlay (intersection, symmetric
// difference), snap-rounded when grid_size is set. Of nothing: an empty
// collection, as Shapely answers.
template <GEOSGeometry* (*Fn)(GEOSContextHandle_t, const GEOSGeometry*,
                              const GEOSGeometry*),
          GEOSGeometry* (*PrecFn)(GEOSContextHandle_t, const GEOSGeometry*,
                                  const GEOSGeometry*, double)>
absl::StatusOr<geos::GeometryPtr> Fold(geos::Context& c,
                                       std::vector<geos::GeometryPtr> inputs,
                                       const Params& p) {
  if (inputs.empty()) return Collect(c, {});
  const double grid = p.number(kGridSize);
  geos::GeometryPtr acc = std::move(inputs[0]);
  for (size_t i = 1; i < inputs.size(); ++i) {
    const GEOSGeometry* next = inputs[i].get();
    ASSIGN_OR_RETURN(
        acc, Owned(c, grid > 0 ? PrecFn(c.handle(), acc.get(), next, grid)
                               : Fn(c.handle(), acc.get(), next)));
  }
  return acc;
}

// Coverage union takes polygons; chunks' results (multipolygons) are split
// back into their polygons before the final union.
absl::StatusOr<geos::GeometryPtr> CoverageUnion(
    geos::Context& c, std::vector<geos::GeometryPtr> inputs, const Params&) {
  const GEOSContextHandle_t h = c.handle();
  std::vector<geos::GeometryPtr> polygons;
  for (auto& g : inputs) {
    if (GEOSGeomTypeId_r(h, g.get()) != GEOS_MULTIPOLYGON) {
      polygons.push_back(std::move(g));
      continue;
    }
    for (int i = 0, n = GEOSGetNumGeometries_r(h, g.get()); i < n; ++i) {
      polygons.push_back(
          c.Own(GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, g.get(), i))));
    }
  }
  ASSIGN_OR_RETURN(geos::GeometryPtr all, Collect(c, std::move(polygons)));
  return Owned(c, GEOSCoverageUnion_r(h, all.get()));
}

// --- The table ----------------------------------------------------------

using PT = ParamType;

// Parameters several operations share.
const ParamSpec kDensifyParam = {
    "densify",
    PT::kDouble,
    false,
    0,
    0,
    1,
    "Split each segment into pieces of this fraction first; 0: don't."};
const ParamSpec kGridSizeParam = {
    "grid_size",
    PT::kDouble,
    false,
    0,
    0,
    kInf,
    "Snap-rounding grid; 0 is full floating precision."};
const ParamSpec kMaxSegmentLengthParam = {
    "max_segment_length",      PT::kDouble, true, 0, 1e-300, kInf,
    "Longest segment allowed."};
const ParamSpec kIndexParam = {"index",
                               PT::kInt,
                               true,
                               0,
                               -2147483648.0,
                               2147483647.0,
                               "Zero-based; negative counts from the end."};
const std::vector<ParamSpec> kTriangulationParams = {
    {"tolerance", PT::kDouble, false, 0, 0, kInf,
     "Snapping tolerance for near-coincident vertices."},
    {"only_edges", PT::kBool, false, 0, 0, 1,
     "Return the edges as lines rather than polygons."}};

// One entry per line group, aligned by hand: clang-format would put every
// field on its own line.
// clang-format off
const std::vector<OpSpec>& Table() {
  static const auto* table = new std::vector<OpSpec>{
      // Measurement.
      {v1::OP_CODE_AREA, "area", 1, ResultType::kDouble, nullptr, {},
       UnaryMeasure<GEOSArea_r>, nullptr, "Area of a (0 for non-areal)."},
      {v1::OP_CODE_LENGTH, "length", 1, ResultType::kDouble, nullptr, {},
       UnaryMeasure<GEOSLength_r>, nullptr,
       "Length of a (perimeter for polygons)."},
      {v1::OP_CODE_DISTANCE, "distance", 2, ResultType::kDouble, nullptr, {},
       IgnoringEmptyMembers<BinaryMeasure<GEOSDistance_r>>,
       PreparedMeasure<GEOSPreparedDistance_r>,
       "Minimum Cartesian distance between a and b."},
      {v1::OP_CODE_HAUSDORFF_DISTANCE, "hausdorff_distance", 2, ResultType::kDouble,
       "densify", {kDensifyParam}, IgnoringEmptyMembers<HausdorffDistance>,
       nullptr,
       "Discrete Hausdorff distance between a and b."},
      {v1::OP_CODE_FRECHET_DISTANCE, "frechet_distance", 2, ResultType::kDouble,
       "densify", {kDensifyParam}, IgnoringEmptyMembers<FrechetDistance>,
       nullptr,
       "Discrete Frechet distance between a and b (NaN when either is "
       "empty)."},
      {v1::OP_CODE_MINIMUM_CLEARANCE, "minimum_clearance", 1, ResultType::kDouble,
       nullptr, {}, MinimumClearance, nullptr,
       "Smallest distance a vertex can move before a becomes invalid (inf "
       "when none)."},
      {v1::OP_CODE_BOUNDS, "bounds", 1, ResultType::kDouble, nullptr, {}, Bounds,
       nullptr,
       "xmin, ymin, xmax, ymax of a: four values per row (NaN when empty).",
       /*values_per_row=*/4},
      {v1::OP_CODE_MINIMUM_BOUNDING_RADIUS, "minimum_bounding_radius", 1,
       ResultType::kDouble, nullptr, {}, MinimumBoundingRadius, nullptr,
       "Radius of the smallest circle enclosing a."},
      {v1::OP_CODE_LINE_LOCATE_POINT, "line_locate_point", 2, ResultType::kDouble,
       "locate",
       {{"normalized", PT::kBool, false, 0, 0, 1,
         "Answer as a fraction of a's length."}},
       IgnoringEmptyMembers<LineLocatePoint>, nullptr,
       "Distance along line a to the point on it nearest b (NaN when b is "
       "empty)."},
      // Binary predicates (prepared form: the converse, evaluated on b).
      {v1::OP_CODE_INTERSECTS, "intersects", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSIntersects_r>,
       PreparedPredicate<GEOSPreparedIntersects_r>,
       "True if a and b share any point."},
      {v1::OP_CODE_CONTAINS, "contains", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSContains_r>, PreparedPredicate<GEOSPreparedWithin_r>,
       "True if no point of b lies outside a and their interiors meet."},
      {v1::OP_CODE_WITHIN, "within", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSWithin_r>, PreparedPredicate<GEOSPreparedContains_r>,
       "True if a lies within b (contains with a and b swapped)."},
      {v1::OP_CODE_COVERS, "covers", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSCovers_r>, PreparedPredicate<GEOSPreparedCoveredBy_r>,
       "True if no point of b lies outside a."},
      {v1::OP_CODE_TOUCHES, "touches", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSTouches_r>, PreparedPredicate<GEOSPreparedTouches_r>,
       "True if a and b meet only at their boundaries."},
      {v1::OP_CODE_DWITHIN, "dwithin", 2, ResultType::kBool, "distance",
       {{"distance", PT::kDouble, true, 0, 0, kInf,
         "Distance threshold (inclusive)."}},
       DWithin, PreparedDWithin,
       "True if a and b are within the given distance of each other."},
      {v1::OP_CODE_CROSSES, "crosses", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSCrosses_r>, PreparedPredicate<GEOSPreparedCrosses_r>,
       "True if a and b share some but not all interior points, of lower "
       "dimension than the larger."},
      {v1::OP_CODE_DISJOINT, "disjoint", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSDisjoint_r>,
       PreparedPredicate<GEOSPreparedDisjoint_r>,
       "True if a and b share no point."},
      {v1::OP_CODE_EQUALS, "equals", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSEquals_r>, nullptr,
       "True if a and b are topologically equal."},
      {v1::OP_CODE_OVERLAPS, "overlaps", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSOverlaps_r>,
       PreparedPredicate<GEOSPreparedOverlaps_r>,
       "True if a and b have the same dimension and share some but not all "
       "points."},
      {v1::OP_CODE_COVERED_BY, "covered_by", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSCoveredBy_r>, PreparedPredicate<GEOSPreparedCovers_r>,
       "True if no point of a lies outside b."},
      {v1::OP_CODE_CONTAINS_PROPERLY, "contains_properly", 2, ResultType::kBool,
       nullptr, {}, ContainsProperly, nullptr,
       "True if b lies in a's interior (touches no part of its boundary)."},
      {v1::OP_CODE_EQUALS_EXACT, "equals_exact", 2, ResultType::kBool, "tolerance",
       {{"tolerance", PT::kDouble, false, 0, 0, kInf,
         "Largest coordinate difference still equal."}},
       EqualsExact, nullptr,
       "True if a and b have the same structure and coordinates within "
       "tolerance."},
      {v1::OP_CODE_RELATE, "relate", 2, ResultType::kString, nullptr, {}, Relate,
       nullptr, "The DE-9IM intersection matrix of a and b, e.g. 212101212."},
      {v1::OP_CODE_RELATE_PATTERN, "relate_pattern", 2, ResultType::kBool,
       "relate_pattern",
       {{"pattern", PT::kString, true, 0, 9, 9,
         "DE-9IM pattern, e.g. T*F**F***.", "TF*012"}},
       RelatePattern, nullptr,
       "True if the DE-9IM matrix of a and b matches the pattern."},
      // Unary predicates.
      {v1::OP_CODE_IS_VALID, "is_valid", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisValid_r>, nullptr,
       "True if a is valid in the OGC sense."},
      {v1::OP_CODE_IS_EMPTY, "is_empty", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisEmpty_r>, nullptr, "True if a has no points."},
      {v1::OP_CODE_IS_SIMPLE, "is_simple", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisSimple_r>, nullptr,
       "True if a has no anomalous self-intersections."},
      {v1::OP_CODE_IS_RING, "is_ring", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisRing_r>, nullptr,
       "True if a is a closed, simple line string."},
      {v1::OP_CODE_IS_CLOSED, "is_closed", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisClosed_r>, nullptr,
       "True if a (a line string or multi line string) starts where it "
       "ends; other types are a row error."},
      {v1::OP_CODE_HAS_Z, "has_z", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSHasZ_r>, nullptr, "True if a has Z coordinates."},
      {v1::OP_CODE_IS_CCW, "is_ccw", 1, ResultType::kBool, nullptr, {}, IsCcw,
       nullptr,
       "True if line string or ring a (4+ points) runs counter-clockwise; "
       "false for other geometries."},
      {v1::OP_CODE_IS_VALID_REASON, "is_valid_reason", 1, ResultType::kString,
       nullptr, {}, IsValidReason, nullptr,
       "Why a is invalid, or \"Valid Geometry\"."},
      // Constructive.
      {v1::OP_CODE_BUFFER, "buffer", 1, ResultType::kGeometry, "buffer",
       {{"radius", PT::kDouble, false, 0, -kInf, kInf,
         "Buffer distance; negative shrinks areas."},
        {"quadsegs", PT::kInt, false, 8, 1, 1000,
         "Segments approximating a quarter circle."},
        {"cap_style", PT::kEnum, false, 1, 1, 3, "End cap style of lines."},
        {"join_style", PT::kEnum, false, 1, 1, 3, "Join style of corners."},
        {"mitre_limit", PT::kDouble, false, 5, 0, kInf,
         "Mitre ratio limit (BUFFER_JOIN_STYLE_MITRE only)."},
        {"single_sided", PT::kBool, false, 0, 0, 1,
         "Buffer one side only (left for positive radius)."}},
       Buffer, nullptr, "Area within the given distance of a."},
      {v1::OP_CODE_CENTROID, "centroid", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSGetCentroid_r>, nullptr,
       "Centre of mass of a."},
      {v1::OP_CODE_ENVELOPE, "envelope", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSEnvelope_r>, nullptr,
       "Axis-aligned bounding rectangle of a."},
      {v1::OP_CODE_CONVEX_HULL, "convex_hull", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSConvexHull_r>, nullptr,
       "Smallest convex geometry containing a."},
      {v1::OP_CODE_SIMPLIFY, "simplify", 1, ResultType::kGeometry, "simplify",
       {{"tolerance", PT::kDouble, true, 0, 0, kInf,
         "Maximum distance of the result from a."},
        {"preserve_topology", PT::kBool, false, 1, 0, 1,
         "Keep the result valid (slower)."}},
       Simplify, nullptr, "Simplified a (Douglas-Peucker)."},
      {v1::OP_CODE_MAKE_VALID, "make_valid", 1, ResultType::kGeometry, "make_valid",
       {{"method", PT::kInt, false, 0, 0, 1,
         "0 = linework, 1 = structure."},
        {"keep_collapsed", PT::kBool, false, 1, 0, 1,
         "Keep components that collapse to lower dimension (structure "
         "only)."}},
       MakeValid, nullptr, "A valid geometry covering the same points as a."},
      {v1::OP_CODE_BOUNDARY, "boundary", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSBoundary_r>, nullptr,
       "The combinatorial boundary of a."},
      {v1::OP_CODE_POINT_ON_SURFACE, "point_on_surface", 1, ResultType::kGeometry,
       nullptr, {},
       IgnoringEmptyMembers<UnaryConstructive<GEOSPointOnSurface_r>>, nullptr,
       "A point guaranteed to lie on a."},
      {v1::OP_CODE_REVERSE, "reverse", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSReverse_r>, nullptr,
       "a with the order of its coordinates reversed."},
      {v1::OP_CODE_EXTRACT_UNIQUE_POINTS, "extract_unique_points", 1,
       ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSGeom_extractUniquePoints_r>, nullptr,
       "The distinct vertices of a, as a multipoint."},
      {v1::OP_CODE_ORIENTED_ENVELOPE, "oriented_envelope", 1, ResultType::kGeometry,
       nullptr, {}, UnaryConstructive<GEOSMinimumRotatedRectangle_r>, nullptr,
       "The minimum-area rotated rectangle containing a."},
      {v1::OP_CODE_MINIMUM_CLEARANCE_LINE, "minimum_clearance_line", 1,
       ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSMinimumClearanceLine_r>, nullptr,
       "The two-point line realising a's minimum clearance (empty when "
       "none)."},
      {v1::OP_CODE_BUILD_AREA, "build_area", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSBuildArea_r>, nullptr,
       "Polygons formed from a's linework, holes from even nesting."},
      {v1::OP_CODE_NODE, "node", 1, ResultType::kGeometry, nullptr, {},
       IgnoringEmptyMembers<UnaryConstructive<GEOSNode_r>>, nullptr,
       "a's linework fully noded (split at every intersection)."},
      {v1::OP_CODE_LINE_MERGE, "line_merge", 1, ResultType::kGeometry, "line_merge",
       {{"directed", PT::kBool, false, 0, 0, 1,
         "Join a line's end only to another's start."}},
       LineMerge, nullptr,
       "a's line strings merged end to end where they meet."},
      {v1::OP_CODE_OFFSET_CURVE, "offset_curve", 1, ResultType::kGeometry,
       "offset_curve",
       {{"distance", PT::kDouble, true, 0, -kInf, kInf,
         "Offset; positive to the left of the line's direction."},
        {"quadsegs", PT::kInt, false, 8, 1, 1000,
         "Segments approximating a quarter circle."},
        {"join_style", PT::kEnum, false, 1, 1, 3, "Join style of corners."},
        {"mitre_limit", PT::kDouble, false, 5, 0, kInf,
         "Mitre ratio limit (BUFFER_JOIN_STYLE_MITRE only)."},
        {"legacy", PT::kBool, false, 0, 0, 1,
         "GEOS's pre-3.11 single-sided buffer line instead of OffsetCurve."}},
       OffsetCurve, nullptr, "A line parallel to line a at a distance."},
      {v1::OP_CODE_CONCAVE_HULL, "concave_hull", 1, ResultType::kGeometry,
       "concave_hull",
       {{"ratio", PT::kDouble, false, 0, 0, 1,
         "0 is the most concave, 1 the convex hull."},
        {"allow_holes", PT::kBool, false, 0, 0, 1, "Allow holes."}},
       ConcaveHull, nullptr, "A concave polygon containing every vertex of a."},
      {v1::OP_CODE_MINIMUM_BOUNDING_CIRCLE, "minimum_bounding_circle", 1,
       ResultType::kGeometry, nullptr, {}, MinimumBoundingCircle, nullptr,
       "The smallest circle (as a polygon) enclosing a."},
      {v1::OP_CODE_MAXIMUM_INSCRIBED_CIRCLE, "maximum_inscribed_circle", 1,
       ResultType::kGeometry, "tolerance",
       {{"tolerance", PT::kDouble, false, 0, 0, kInf,
         "Precision; 0 picks a thousandth of a's larger extent."}},
       MaximumInscribedCircle, nullptr,
       "Line from the centre of the largest circle inside polygonal a to "
       "the nearest boundary point."},
      {v1::OP_CODE_SEGMENTIZE, "segmentize", 1, ResultType::kGeometry, "segmentize",
       {kMaxSegmentLengthParam}, IgnoringEmptyMembers<Segmentize>, nullptr,
       "a with vertices added so no segment is longer than the given "
       "length."},
      // Set operations.
      {v1::OP_CODE_INTERSECTION, "intersection", 2, ResultType::kGeometry, "overlay",
       {kGridSizeParam},
       Overlay<GEOSIntersection_r, GEOSIntersectionPrec_r>, nullptr,
       "Points shared by a and b."},
      {v1::OP_CODE_UNION, "union", 2, ResultType::kGeometry, "overlay",
       {kGridSizeParam}, Overlay<GEOSUnion_r, GEOSUnionPrec_r>, nullptr,
       "Points in a or b."},
      {v1::OP_CODE_DIFFERENCE, "difference", 2, ResultType::kGeometry, "overlay",
       {kGridSizeParam}, Overlay<GEOSDifference_r, GEOSDifferencePrec_r>,
       nullptr, "Points of a not in b."},
      {v1::OP_CODE_SYMMETRIC_DIFFERENCE, "symmetric_difference", 2,
       ResultType::kGeometry, "overlay", {kGridSizeParam},
       Overlay<GEOSSymDifference_r, GEOSSymDifferencePrec_r>, nullptr,
       "Points in exactly one of a and b."},
      {v1::OP_CODE_UNARY_UNION, "unary_union", 1, ResultType::kGeometry, "overlay",
       {kGridSizeParam}, IgnoringEmptyMembers<UnaryUnion>, nullptr,
       "The union of a's parts (dissolves a collection)."},
      // Reductions.
      {v1::OP_CODE_UNION_ALL, "union_all", 1, ResultType::kGeometry, "overlay",
       {kGridSizeParam}, nullptr, nullptr,
       "The union of every row of a: one geometry.", 1, false, UnionAll},
      {v1::OP_CODE_INTERSECTION_ALL, "intersection_all", 1, ResultType::kGeometry,
       "overlay", {kGridSizeParam}, nullptr, nullptr,
       "The intersection of every row of a: one geometry.", 1, false,
       Fold<GEOSIntersection_r, GEOSIntersectionPrec_r>},
      {v1::OP_CODE_COVERAGE_UNION, "coverage_union", 1, ResultType::kGeometry,
       nullptr, {}, nullptr, nullptr,
       "The union of polygon rows that form a coverage (edges match "
       "exactly, interiors disjoint): fast, and wrong for other input.",
       1, false, CoverageUnion},
      // More constructive operations.
      {v1::OP_CODE_DENSIFY, "densify", 1, ResultType::kGeometry, "segmentize",
       {kMaxSegmentLengthParam}, IgnoringEmptyMembers<Segmentize>, nullptr,
       "Alias of segmentize."},
      {v1::OP_CODE_REMOVE_REPEATED_POINTS, "remove_repeated_points", 1,
       ResultType::kGeometry, "tolerance",
       {{"tolerance", PT::kDouble, false, 0, 0, kInf,
         "Points closer than this to the previous one are dropped."}},
       RemoveRepeatedPoints, nullptr, "a without repeated points."},
      {v1::OP_CODE_NORMALIZE, "normalize", 1, ResultType::kGeometry, nullptr, {},
       Normalize, nullptr,
       "a in GEOS's normal form (ordered parts, rings and start points)."},
      {v1::OP_CODE_SNAP, "snap", 2, ResultType::kGeometry, "tolerance",
       {{"tolerance", PT::kDouble, true, 0, 0, kInf,
         "Snapping distance."}},
       Snap, nullptr, "a with vertices and segments snapped to b's vertices."},
      {v1::OP_CODE_CLIP_BY_RECT, "clip_by_rect", 1, ResultType::kGeometry, "clip",
       {{"xmin", PT::kDouble, true, 0, -kInf, kInf, "Rectangle."},
        {"ymin", PT::kDouble, true, 0, -kInf, kInf, "Rectangle."},
        {"xmax", PT::kDouble, true, 0, -kInf, kInf, "Rectangle."},
        {"ymax", PT::kDouble, true, 0, -kInf, kInf, "Rectangle."}},
       ClipByRect, nullptr,
       "The part of a inside the rectangle (fast; may be invalid for "
       "invalid a)."},
      {v1::OP_CODE_POLYGONIZE, "polygonize", 1, ResultType::kGeometry, nullptr, {},
       Polygonize, nullptr,
       "The polygons formed by a's linework, as a collection."},
      {v1::OP_CODE_DELAUNAY_TRIANGLES, "delaunay_triangles", 1, ResultType::kGeometry,
       "triangulation", kTriangulationParams, DelaunayTriangles, nullptr,
       "Delaunay triangulation of a's vertices."},
      {v1::OP_CODE_VORONOI_POLYGONS, "voronoi_polygons", 1, ResultType::kGeometry,
       "triangulation", kTriangulationParams, VoronoiPolygons, nullptr,
       "Voronoi diagram of a's vertices."},
      {v1::OP_CODE_SET_PRECISION, "set_precision", 1, ResultType::kGeometry,
       "set_precision",
       {{"grid_size", PT::kDouble, true, 0, 0, kInf,
         "Grid to round coordinates to; 0 keeps full precision."},
        {"mode", PT::kInt, false, 0, 0, 2,
         "0 = valid output, 1 = pointwise, 2 = keep collapsed."}},
       SetPrecision, nullptr, "a rounded to a precision grid."},
      // Linear referencing.
      {v1::OP_CODE_LINE_INTERPOLATE_POINT, "line_interpolate_point", 1,
       ResultType::kGeometry, "interpolate",
       {{"distance", PT::kDouble, true, 0, -kInf, kInf,
         "Distance along a; negative counts from the end."},
        {"normalized", PT::kBool, false, 0, 0, 1,
         "distance is a fraction of a's length."}},
       IgnoringEmptyMembers<LineInterpolatePoint>, nullptr,
       "The point at a distance along line a."},
      {v1::OP_CODE_SHARED_PATHS, "shared_paths", 2, ResultType::kGeometry, nullptr,
       {}, IgnoringEmptyMembers<BinaryConstructive<GEOSSharedPaths_r>>, nullptr,
       "Paths lines a and b share: a collection of same- and "
       "opposite-direction parts."},
      {v1::OP_CODE_SHORTEST_LINE, "shortest_line", 2, ResultType::kGeometry, nullptr,
       {}, IgnoringEmptyMembers<ShortestLine>, nullptr,
       "The shortest line from a to b (empty when either is empty)."},
      // Output.
      {v1::OP_CODE_TO_WKT, "to_wkt", 1, ResultType::kBytes, "wkt",
       {{"rounding_precision", PT::kInt, false, -1, -1, 20,
         "Decimal digits; -1 for full precision."},
        {"trim", PT::kBool, false, 1, 0, 1, "Drop trailing zeros."},
        {"output_dimension", PT::kInt, false, 3, 2, 3,
         "3 keeps Z where present."}},
       ToWkt, nullptr, "a as WKT text."},
      {v1::OP_CODE_TO_WKB, "to_wkb", 1, ResultType::kBytes, "wkb",
       {{"big_endian", PT::kBool, false, 0, 0, 1, "XDR instead of NDR."},
        {"output_dimension", PT::kInt, false, 3, 2, 3,
         "3 keeps Z where present."},
        {"include_srid", PT::kBool, false, 0, 0, 1,
         "Extended WKB with the SRID."},
        {"iso", PT::kBool, false, 0, 0, 1, "ISO flavor instead of extended."},
        {"hex", PT::kBool, false, 0, 0, 1, "Hexadecimal text."}},
       ToWkb, nullptr, "a as WKB with the given flavor."},
      {v1::OP_CODE_TO_GEOJSON, "to_geojson", 1, ResultType::kBytes, "geojson",
       {{"indent", PT::kInt, false, -1, -1, 16,
         "Spaces per level; -1 for compact."}},
       ToGeoJson, nullptr, "a as a GeoJSON geometry."},
      // Accessors.
      {v1::OP_CODE_GET_NUM_GEOMETRIES, "get_num_geometries", 1, ResultType::kInt,
       nullptr, {}, IntAccessor<GEOSGetNumGeometries_r>, nullptr,
       "Parts of a (1 for a single geometry)."},
      {v1::OP_CODE_GET_NUM_COORDINATES, "get_num_coordinates", 1, ResultType::kInt,
       nullptr, {}, IntAccessor<GEOSGetNumCoordinates_r>, nullptr,
       "Coordinates in a, over all its parts."},
      {v1::OP_CODE_GET_NUM_POINTS, "get_num_points", 1, ResultType::kInt, nullptr, {},
       NumPoints, nullptr, "Points of line string a (0 for other types)."},
      {v1::OP_CODE_GET_NUM_INTERIOR_RINGS, "get_num_interior_rings", 1,
       ResultType::kInt, nullptr, {}, NumInteriorRings, nullptr,
       "Holes of polygon a (0 for other types)."},
      {v1::OP_CODE_GET_X, "get_x", 1, ResultType::kDouble, nullptr, {},
       PointCoordinate<GEOSGeomGetX_r>, nullptr,
       "X of point a (NaN for other types and empty points)."},
      {v1::OP_CODE_GET_Y, "get_y", 1, ResultType::kDouble, nullptr, {},
       PointCoordinate<GEOSGeomGetY_r>, nullptr,
       "Y of point a (NaN for other types and empty points)."},
      {v1::OP_CODE_GET_Z, "get_z", 1, ResultType::kDouble, nullptr, {},
       PointCoordinate<GEOSGeomGetZ_r>, nullptr,
       "Z of point a (NaN when it has none)."},
      {v1::OP_CODE_GET_SRID, "get_srid", 1, ResultType::kInt, nullptr, {}, Srid,
       nullptr, "SRID of a (0 when unset; from extended WKB input)."},
      {v1::OP_CODE_SET_SRID, "set_srid", 1, ResultType::kGeometry, "srid",
       {{"srid", PT::kInt, true, 0, -2147483648.0, 2147483647.0,
         "The SRID."}},
       SetSrid, nullptr,
       "a with the SRID set (geometry results carry a non-zero SRID as "
       "extended WKB)."},
      {v1::OP_CODE_GET_PARTS, "get_parts", 1, ResultType::kGeometry, nullptr, {},
       Parts, nullptr,
       "a's parts, each its own value: source_rows maps them to rows.", 1,
       /*expands=*/true},
      {v1::OP_CODE_GET_DIMENSIONS, "get_dimensions", 1, ResultType::kInt, nullptr, {},
       Dimensions, nullptr,
       "Topological dimension of a: 0 points, 1 lines, 2 polygons."},
      {v1::OP_CODE_GET_TYPE_ID, "get_type_id", 1, ResultType::kInt, nullptr, {},
       IntAccessor<GEOSGeomTypeId_r>, nullptr,
       "GEOS type id of a: 0 point, 1 line string, 2 linear ring, 3 polygon, "
       "4-6 multi-, 7 collection."},
      {v1::OP_CODE_GET_EXTERIOR_RING, "get_exterior_ring", 1, ResultType::kGeometry,
       nullptr, {}, ExteriorRing, nullptr,
       "The shell of polygon a (a row error for other types)."},
      {v1::OP_CODE_GET_INTERIOR_RING, "get_interior_ring", 1, ResultType::kGeometry,
       "index", {kIndexParam}, InteriorRing, nullptr,
       "Hole `index` of polygon a (OUT_OF_RANGE when it has none)."},
      {v1::OP_CODE_GET_GEOMETRY, "get_geometry", 1, ResultType::kGeometry, "index",
       {kIndexParam}, GeometryN, nullptr,
       "Part `index` of a (a itself at 0 for a single geometry)."},
      {v1::OP_CODE_GET_POINT, "get_point", 1, ResultType::kGeometry, "index",
       {kIndexParam}, PointN, nullptr,
       "Vertex `index` of line string a, as a point."},
      {v1::OP_CODE_GET_COORDINATE_DIMENSION, "get_coordinate_dimension", 1,
       ResultType::kInt, nullptr, {}, CoordinateDimension, nullptr,
       "2 or 3: whether a has Z."},
      {v1::OP_CODE_GET_PRECISION, "get_precision", 1, ResultType::kDouble, nullptr,
       {}, Precision, nullptr,
       "Grid size of a's precision model (0 for floating)."},
      {v1::OP_CODE_GET_RINGS, "get_rings", 1, ResultType::kGeometry, nullptr, {},
       Rings, nullptr,
       "Polygon a's exterior then interior rings, each its own value "
       "(none for other types or empty): source_rows maps them to rows.", 1,
       /*expands=*/true},
      {v1::OP_CODE_GET_COORDINATES, "get_coordinates", 1, ResultType::kDouble,
       "coordinates",
       {{"include_z", PT::kBool, false, 0, 0, 1,
         "Three values per coordinate, NaN z for 2D ones."}},
       Coordinates, nullptr,
       "Every coordinate of a, in order, each its own value of x, y (and "
       "z): source_rows maps them to rows.",
       /*values_per_row=*/2, /*expands=*/true},
      {v1::OP_CODE_SYMMETRIC_DIFFERENCE_ALL, "symmetric_difference_all", 1,
       ResultType::kGeometry, "overlay", {kGridSizeParam}, nullptr, nullptr,
       "The points in an odd number of the rows of a: one geometry.", 1,
       false, Fold<GEOSSymDifference_r, GEOSSymDifferencePrec_r>},
      {v1::OP_CODE_CONSTRAINED_DELAUNAY_TRIANGLES, "constrained_delaunay_triangles", 1,
       ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSConstrainedDelaunayTriangulation_r>, nullptr,
       "Delaunay triangulation of polygonal a constrained to its edges: "
       "triangles covering a (empty for non-polygonal a)."},
      {v1::OP_CODE_MINIMUM_ROTATED_RECTANGLE, "minimum_rotated_rectangle", 1,
       ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSMinimumRotatedRectangle_r>, nullptr,
       "Alias of oriented_envelope."},
  };
  return *table;
}
// clang-format on

}  // namespace

bool Preparable(GEOSContextHandle_t handle, const GEOSGeometry* g) {
  return GEOSisEmpty_r(handle, g) == 0 && !HasEmptyMember(handle, g);
}

std::string OperationName(v1::OpCode code) {
  constexpr absl::string_view kPrefix = "OP_CODE_";
  absl::string_view name = v1::OpCode_Name(code);
  absl::ConsumePrefix(&name, kPrefix);
  return absl::AsciiStrToLower(name);
}

absl::Span<const OpSpec> AllOperations() { return Table(); }

absl::StatusOr<const OpSpec*> FindOperation(v1::OpCode code) {
  for (const OpSpec& spec : Table()) {
    if (spec.code == code) return &spec;
  }
  return absl::InvalidArgumentError(
      code == v1::OP_CODE_UNSPECIFIED
          ? std::string("operation.op is not set")
          : absl::StrCat("unknown operation code ", static_cast<int>(code),
                         " (ListOperations lists the supported ones)"));
}

v1::ResultType ToProto(ResultType type) {
  switch (type) {
    case ResultType::kDouble:
      return v1::RESULT_TYPE_DOUBLE;
    case ResultType::kBool:
      return v1::RESULT_TYPE_BOOL;
    case ResultType::kInt:
      return v1::RESULT_TYPE_INT;
    case ResultType::kGeometry:
      return v1::RESULT_TYPE_GEOMETRY;
    case ResultType::kBytes:
      return v1::RESULT_TYPE_BYTES;
    case ResultType::kString:
      return v1::RESULT_TYPE_STRING;
  }
  return v1::RESULT_TYPE_UNSPECIFIED;
}

v1::OperationInfo Describe(const OpSpec& spec) {
  v1::OperationInfo info;
  info.set_name(spec.name);
  info.set_op(spec.code);
  info.set_arity(spec.arity);
  info.set_result_type(ToProto(spec.result));
  info.set_prepared_broadcast(spec.prepared_kernel != nullptr);
  info.set_description(spec.description);
  info.set_values_per_row(spec.values_per_row);
  info.set_expands(spec.expands);
  info.set_reduces(spec.reducer != nullptr);
  const google::protobuf::Descriptor* message = nullptr;
  if (spec.params_field != nullptr) {
    info.set_params_message(spec.params_field);
    message = v1::Operation::descriptor()
                  ->FindFieldByName(spec.params_field)
                  ->message_type();
  }
  for (const ParamSpec& p : spec.params) {
    *info.add_parameters() = DescribeParam(p, message);
  }
  return info;
}

v1::ListOperationsResponse DescribeAll() {
  v1::ListOperationsResponse response;
  for (const OpSpec& spec : Table())
    *response.add_operations() = Describe(spec);
  return response;
}

}  // namespace geosrpc::ops
