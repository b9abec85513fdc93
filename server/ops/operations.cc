#include "server/ops/operations.h"

#include <algorithm>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
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

// GEOS 3.11.1 dereferences null computing the discrete Frechet distance of an
// empty geometry. A distance to nothing is undefined: NaN, as GEOS itself
// answers for the Hausdorff distance.
absl::Status FrechetDistance(geos::Context& c, const Row& r, const Params&,
                             Value* out) {
  if (GEOSisEmpty_r(c.handle(), r.a) != 0 ||
      GEOSisEmpty_r(c.handle(), r.b) != 0) {
    out->number = std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  return internal::SetMeasure(
      c, GEOSFrechetDistance_r(c.handle(), r.a, r.b, &out->number));
}

// --- Kernels with parameters -------------------------------------------

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
  // The proto's enums start at 0; GEOS's at 1.
  const int cap = p.integer(kCapStyle) + 1;
  const int join = p.integer(kJoinStyle) + 1;
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
  GEOSMakeValidParams_setMethod_r(
      c.handle(), params.get(),
      p.integer(kMethod) == 1 ? GEOS_MAKE_VALID_STRUCTURE
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
  out->bytes_encoding = v1::WKT;
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
  out->bytes_encoding = p.flag(kHex) ? v1::HEX_WKB : v1::WKB;
  return c.WriteWkb(r.a,
                    {.big_endian = p.flag(kBigEndian),
                     .output_dimension = p.integer(kWkbDimension),
                     .include_srid = p.flag(kIncludeSrid),
                     .iso = p.flag(kIso),
                     .hex = p.flag(kHex)},
                    out->bytes);
}

// --- The table ----------------------------------------------------------

using PT = ParamType;

const std::vector<OpSpec>& Table() {
  static const auto* table = new std::vector<OpSpec>{
      // Measurement.
      {v1::AREA, "area", 1, ResultType::kDouble, nullptr, {},
       UnaryMeasure<GEOSArea_r>, nullptr, "Area of a (0 for non-areal)."},
      {v1::LENGTH, "length", 1, ResultType::kDouble, nullptr, {},
       UnaryMeasure<GEOSLength_r>, nullptr,
       "Length of a (perimeter for polygons)."},
      {v1::DISTANCE, "distance", 2, ResultType::kDouble, nullptr, {},
       BinaryMeasure<GEOSDistance_r>, PreparedMeasure<GEOSPreparedDistance_r>,
       "Minimum Cartesian distance between a and b."},
      {v1::HAUSDORFF_DISTANCE, "hausdorff_distance", 2, ResultType::kDouble,
       nullptr, {}, BinaryMeasure<GEOSHausdorffDistance_r>, nullptr,
       "Discrete Hausdorff distance between a and b."},
      {v1::FRECHET_DISTANCE, "frechet_distance", 2, ResultType::kDouble,
       nullptr, {}, FrechetDistance, nullptr,
       "Discrete Frechet distance between a and b (NaN when either is "
       "empty)."},
      {v1::MINIMUM_CLEARANCE, "minimum_clearance", 1, ResultType::kDouble,
       nullptr, {}, UnaryMeasure<GEOSMinimumClearance_r>, nullptr,
       "Smallest distance a vertex can move before a becomes invalid (inf "
       "when none)."},
      // Binary predicates (prepared form: the converse, evaluated on b).
      {v1::INTERSECTS, "intersects", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSIntersects_r>,
       PreparedPredicate<GEOSPreparedIntersects_r>,
       "True if a and b share any point."},
      {v1::CONTAINS, "contains", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSContains_r>, PreparedPredicate<GEOSPreparedWithin_r>,
       "True if no point of b lies outside a and their interiors meet."},
      {v1::WITHIN, "within", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSWithin_r>, PreparedPredicate<GEOSPreparedContains_r>,
       "True if a lies within b (contains with a and b swapped)."},
      {v1::COVERS, "covers", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSCovers_r>, PreparedPredicate<GEOSPreparedCoveredBy_r>,
       "True if no point of b lies outside a."},
      {v1::TOUCHES, "touches", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSTouches_r>, PreparedPredicate<GEOSPreparedTouches_r>,
       "True if a and b meet only at their boundaries."},
      {v1::DWITHIN, "dwithin", 2, ResultType::kBool, "distance",
       {{"distance", PT::kDouble, true, 0, 0, kInf,
         "Distance threshold (inclusive)."}},
       DWithin, PreparedDWithin,
       "True if a and b are within the given distance of each other."},
      {v1::CROSSES, "crosses", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSCrosses_r>, PreparedPredicate<GEOSPreparedCrosses_r>,
       "True if a and b share some but not all interior points, of lower "
       "dimension than the larger."},
      {v1::DISJOINT, "disjoint", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSDisjoint_r>,
       PreparedPredicate<GEOSPreparedDisjoint_r>,
       "True if a and b share no point."},
      {v1::EQUALS, "equals", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSEquals_r>, nullptr,
       "True if a and b are topologically equal."},
      {v1::OVERLAPS, "overlaps", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSOverlaps_r>,
       PreparedPredicate<GEOSPreparedOverlaps_r>,
       "True if a and b have the same dimension and share some but not all "
       "points."},
      {v1::COVERED_BY, "covered_by", 2, ResultType::kBool, nullptr, {},
       BinaryPredicate<GEOSCoveredBy_r>, PreparedPredicate<GEOSPreparedCovers_r>,
       "True if no point of a lies outside b."},
      // Unary predicates.
      {v1::IS_VALID, "is_valid", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisValid_r>, nullptr,
       "True if a is valid in the OGC sense."},
      {v1::IS_EMPTY, "is_empty", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisEmpty_r>, nullptr, "True if a has no points."},
      {v1::IS_SIMPLE, "is_simple", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisSimple_r>, nullptr,
       "True if a has no anomalous self-intersections."},
      {v1::IS_RING, "is_ring", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisRing_r>, nullptr,
       "True if a is a closed, simple line string."},
      {v1::IS_CLOSED, "is_closed", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSisClosed_r>, nullptr,
       "True if a (a line string or multi line string) starts where it "
       "ends; other types are a row error."},
      {v1::HAS_Z, "has_z", 1, ResultType::kBool, nullptr, {},
       UnaryPredicate<GEOSHasZ_r>, nullptr, "True if a has Z coordinates."},
      // Constructive.
      {v1::BUFFER, "buffer", 1, ResultType::kGeometry, "buffer",
       {{"radius", PT::kDouble, false, 0, -kInf, kInf,
         "Buffer distance; negative shrinks areas."},
        {"quadsegs", PT::kInt, false, 8, 1, 1000,
         "Segments approximating a quarter circle."},
        {"cap_style", PT::kEnum, false, 0, 0, 2, "End cap style of lines."},
        {"join_style", PT::kEnum, false, 0, 0, 2, "Join style of corners."},
        {"mitre_limit", PT::kDouble, false, 5, 0, kInf,
         "Mitre ratio limit (JOIN_MITRE only)."},
        {"single_sided", PT::kBool, false, 0, 0, 1,
         "Buffer one side only (left for positive radius)."}},
       Buffer, nullptr, "Area within the given distance of a."},
      {v1::CENTROID, "centroid", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSGetCentroid_r>, nullptr,
       "Centre of mass of a."},
      {v1::ENVELOPE, "envelope", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSEnvelope_r>, nullptr,
       "Axis-aligned bounding rectangle of a."},
      {v1::CONVEX_HULL, "convex_hull", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSConvexHull_r>, nullptr,
       "Smallest convex geometry containing a."},
      {v1::SIMPLIFY, "simplify", 1, ResultType::kGeometry, "simplify",
       {{"tolerance", PT::kDouble, true, 0, 0, kInf,
         "Maximum distance of the result from a."},
        {"preserve_topology", PT::kBool, false, 1, 0, 1,
         "Keep the result valid (slower)."}},
       Simplify, nullptr, "Simplified a (Douglas-Peucker)."},
      {v1::MAKE_VALID, "make_valid", 1, ResultType::kGeometry, "make_valid",
       {{"method", PT::kInt, false, 0, 0, 1,
         "0 = linework, 1 = structure."},
        {"keep_collapsed", PT::kBool, false, 1, 0, 1,
         "Keep components that collapse to lower dimension (structure "
         "only)."}},
       MakeValid, nullptr, "A valid geometry covering the same points as a."},
      {v1::BOUNDARY, "boundary", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSBoundary_r>, nullptr,
       "The combinatorial boundary of a."},
      {v1::POINT_ON_SURFACE, "point_on_surface", 1, ResultType::kGeometry,
       nullptr, {}, UnaryConstructive<GEOSPointOnSurface_r>, nullptr,
       "A point guaranteed to lie on a."},
      {v1::REVERSE, "reverse", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSReverse_r>, nullptr,
       "a with the order of its coordinates reversed."},
      {v1::EXTRACT_UNIQUE_POINTS, "extract_unique_points", 1,
       ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSGeom_extractUniquePoints_r>, nullptr,
       "The distinct vertices of a, as a multipoint."},
      {v1::ORIENTED_ENVELOPE, "oriented_envelope", 1, ResultType::kGeometry,
       nullptr, {}, UnaryConstructive<GEOSMinimumRotatedRectangle_r>, nullptr,
       "The minimum-area rotated rectangle containing a."},
      {v1::MINIMUM_CLEARANCE_LINE, "minimum_clearance_line", 1,
       ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSMinimumClearanceLine_r>, nullptr,
       "The two-point line realising a's minimum clearance (empty when "
       "none)."},
      {v1::BUILD_AREA, "build_area", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSBuildArea_r>, nullptr,
       "Polygons formed from a's linework, holes from even nesting."},
      {v1::NODE, "node", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSNode_r>, nullptr,
       "a's linework fully noded (split at every intersection)."},
      {v1::LINE_MERGE, "line_merge", 1, ResultType::kGeometry, nullptr, {},
       UnaryConstructive<GEOSLineMerge_r>, nullptr,
       "a's line strings merged end to end where they meet."},
      // Set operations.
      {v1::INTERSECTION, "intersection", 2, ResultType::kGeometry, nullptr, {},
       BinaryConstructive<GEOSIntersection_r>, nullptr,
       "Points shared by a and b."},
      {v1::UNION, "union", 2, ResultType::kGeometry, nullptr, {},
       BinaryConstructive<GEOSUnion_r>, nullptr, "Points in a or b."},
      {v1::DIFFERENCE, "difference", 2, ResultType::kGeometry, nullptr, {},
       BinaryConstructive<GEOSDifference_r>, nullptr,
       "Points of a not in b."},
      {v1::SYMMETRIC_DIFFERENCE, "symmetric_difference", 2,
       ResultType::kGeometry, nullptr, {},
       BinaryConstructive<GEOSSymDifference_r>, nullptr,
       "Points in exactly one of a and b."},
      // Output.
      {v1::TO_WKT, "to_wkt", 1, ResultType::kBytes, "wkt",
       {{"rounding_precision", PT::kInt, false, -1, -1, 20,
         "Decimal digits; -1 for full precision."},
        {"trim", PT::kBool, false, 1, 0, 1, "Drop trailing zeros."},
        {"output_dimension", PT::kInt, false, 3, 2, 3,
         "3 keeps Z where present."}},
       ToWkt, nullptr, "a as WKT text."},
      {v1::TO_WKB, "to_wkb", 1, ResultType::kBytes, "wkb",
       {{"big_endian", PT::kBool, false, 0, 0, 1, "XDR instead of NDR."},
        {"output_dimension", PT::kInt, false, 3, 2, 3,
         "3 keeps Z where present."},
        {"include_srid", PT::kBool, false, 0, 0, 1,
         "Extended WKB with the SRID."},
        {"iso", PT::kBool, false, 0, 0, 1, "ISO flavor instead of extended."},
        {"hex", PT::kBool, false, 0, 0, 1, "Hexadecimal text."}},
       ToWkb, nullptr, "a as WKB with the given flavor."},
      // Accessors.
      {v1::GET_NUM_GEOMETRIES, "get_num_geometries", 1, ResultType::kInt,
       nullptr, {}, IntAccessor<GEOSGetNumGeometries_r>, nullptr,
       "Parts of a (1 for a single geometry)."},
      {v1::GET_NUM_COORDINATES, "get_num_coordinates", 1, ResultType::kInt,
       nullptr, {}, IntAccessor<GEOSGetNumCoordinates_r>, nullptr,
       "Coordinates in a, over all its parts."},
  };
  return *table;
}

}  // namespace

absl::Span<const OpSpec> AllOperations() { return Table(); }

absl::StatusOr<const OpSpec*> FindOperation(v1::OpCode code) {
  for (const OpSpec& spec : Table()) {
    if (spec.code == code) return &spec;
  }
  return absl::InvalidArgumentError(
      code == v1::OP_UNSPECIFIED
          ? std::string("operation.op is not set")
          : absl::StrCat("unknown operation code ", static_cast<int>(code),
                         " (ListOperations lists the supported ones)"));
}

v1::ResultType ToProto(ResultType type) {
  switch (type) {
    case ResultType::kDouble:
      return v1::DOUBLE;
    case ResultType::kBool:
      return v1::BOOL;
    case ResultType::kInt:
      return v1::INT;
    case ResultType::kGeometry:
      return v1::GEOMETRY;
    case ResultType::kBytes:
      return v1::BYTES;
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

}  // namespace geosrpc::ops
