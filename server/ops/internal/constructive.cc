// Constructive operations: a new geometry per row, built from a (or from a
// and b): buffers and offsets, hulls and circles, simplification and
// validity, vertices and linework, triangulations.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"
#include "server/geos/handles.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/guards.h"
#include "server/ops/internal/kernels.h"
#include "server/ops/internal/rewrite.h"

namespace geosrpc::ops::internal {
namespace {

// --- Buffers and offsets ------------------------------------------------

// Parameters buffer and offset_curve share.
constexpr ParamSpec kQuadsegsParam = {
    .name = "quadsegs",
    .type = ParamType::kInt,
    .default_value = 8,
    .min = 1,
    .max = 1000,
    .description = "Segments approximating a quarter circle."};
constexpr ParamSpec kJoinStyleParam = {.name = "join_style",
                                       .type = ParamType::kEnum,
                                       .default_value = 1,
                                       .min = 1,
                                       .max = 3,
                                       .description = "Join style of corners."};
constexpr ParamSpec kMitreLimitParam = {
    .name = "mitre_limit",
    .type = ParamType::kDouble,
    .default_value = 5,
    .min = 0,
    .max = kInf,
    .description = "Mitre ratio limit (BUFFER_JOIN_STYLE_MITRE only)."};

constexpr ParamSpec kBufferParams[] = {
    {.name = "radius",
     .type = ParamType::kDouble,
     .min = -kMaxOffsetDistance,
     .max = kMaxOffsetDistance,
     .description = "Buffer distance; negative shrinks areas."},
    kQuadsegsParam,
    {.name = "cap_style",
     .type = ParamType::kEnum,
     .default_value = 1,
     .min = 1,
     .max = 3,
     .description = "End cap style of lines."},
    kJoinStyleParam,
    kMitreLimitParam,
    {.name = "single_sided",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Buffer one side only (left for positive radius)."},
};
constexpr int kRadius = ParamIndex(kBufferParams, "radius");
constexpr int kQuadsegs = ParamIndex(kBufferParams, "quadsegs");
constexpr int kCapStyle = ParamIndex(kBufferParams, "cap_style");
constexpr int kJoinStyle = ParamIndex(kBufferParams, "join_style");
constexpr int kMitreLimit = ParamIndex(kBufferParams, "mitre_limit");
constexpr int kSingleSided = ParamIndex(kBufferParams, "single_sided");

absl::Status Buffer(geos::Context& c, const Row& r, const Params& p,
                    Value* out) {
  // The proto numbers styles as GEOS does.
  const int cap = p.integer(kCapStyle);
  const int join = p.integer(kJoinStyle);
  if (!p.flag(kSingleSided)) {
    return SetGeometry(c,
                       GEOSBufferWithStyle_r(c.handle(), r.a, p.number(kRadius),
                                             p.integer(kQuadsegs), cap, join,
                                             p.number(kMitreLimit)),
                       out);
  }
  geos::BufferParamsPtr bp(GEOSBufferParams_create_r(c.handle()), {c.handle()});
  if (!bp) return GeosFailure(c);
  GEOSBufferParams_setEndCapStyle_r(c.handle(), bp.get(), cap);
  GEOSBufferParams_setJoinStyle_r(c.handle(), bp.get(), join);
  GEOSBufferParams_setMitreLimit_r(c.handle(), bp.get(), p.number(kMitreLimit));
  GEOSBufferParams_setQuadrantSegments_r(c.handle(), bp.get(),
                                         p.integer(kQuadsegs));
  GEOSBufferParams_setSingleSided_r(c.handle(), bp.get(), 1);
  return SetGeometry(
      c, GEOSBufferWithParams_r(c.handle(), r.a, bp.get(), p.number(kRadius)),
      out);
}

constexpr ParamSpec kOffsetCurveParams[] = {
    {.name = "distance",
     .type = ParamType::kDouble,
     .required = true,
     .min = -kMaxOffsetDistance,
     .max = kMaxOffsetDistance,
     .description = "Offset; positive to the left of the line's direction."},
    kQuadsegsParam,
    kJoinStyleParam,
    kMitreLimitParam,
    {.name = "legacy",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description =
         "GEOS's pre-3.11 single-sided buffer line instead of OffsetCurve."},
};
constexpr int kOffset = ParamIndex(kOffsetCurveParams, "distance");
constexpr int kOffsetQuadsegs = ParamIndex(kOffsetCurveParams, "quadsegs");
constexpr int kOffsetJoin = ParamIndex(kOffsetCurveParams, "join_style");
constexpr int kOffsetMitre = ParamIndex(kOffsetCurveParams, "mitre_limit");
constexpr int kOffsetLegacy = ParamIndex(kOffsetCurveParams, "legacy");

absl::Status OffsetCurve(geos::Context& c, const Row& r, const Params& p,
                         Value* out) {
  const double d = p.number(kOffset);
  const int join = p.integer(kOffsetJoin);
  if (p.flag(kOffsetLegacy)) {
    // Deprecated in GEOS's C API, and the only way to BufferBuilder's
    // single-sided line: left for positive distances.
    return SetGeometry(
        c,
        GEOSSingleSidedBuffer_r(c.handle(), r.a, std::abs(d),
                                p.integer(kOffsetQuadsegs), join,
                                p.number(kOffsetMitre), d >= 0 ? 1 : 0),
        out);
  }
  return SetGeometry(
      c,
      GEOSOffsetCurve_r(c.handle(), r.a, d, p.integer(kOffsetQuadsegs), join,
                        p.number(kOffsetMitre)),
      out);
}

// --- Hulls and circles --------------------------------------------------

constexpr ParamSpec kConcaveHullParams[] = {
    {.name = "ratio",
     .type = ParamType::kDouble,
     .min = 0,
     .max = 1,
     .description = "0 is the most concave, 1 the convex hull."},
    {.name = "allow_holes",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Allow holes."},
};
constexpr int kRatio = ParamIndex(kConcaveHullParams, "ratio");
constexpr int kAllowHoles = ParamIndex(kConcaveHullParams, "allow_holes");

absl::Status ConcaveHull(geos::Context& c, const Row& r, const Params& p,
                         Value* out) {
  return SetGeometry(c,
                     GEOSConcaveHull_r(c.handle(), r.a, p.number(kRatio),
                                       p.integer(kAllowHoles)),
                     out);
}

absl::Status MinimumBoundingCircle(geos::Context& c, const Row& r,
                                   const Params&, Value* out) {
  return BoundingCircle(c, r.a, nullptr, &out->geometry);
}

constexpr ParamSpec kMaximumInscribedCircleParams[] = {
    {.name = "tolerance",
     .type = ParamType::kDouble,
     .min = 0,
     .max = kInf,
     .description = "Precision; 0 picks a thousandth of a's larger extent."},
};
constexpr int kCircleTolerance =
    ParamIndex(kMaximumInscribedCircleParams, "tolerance");

// Shapely's default tolerance: a thousandth of the larger envelope side.
// GEOS never finishes with a tolerance of 0, and crashes on polygons so
// small (sides below ~1e-160) that squared distances underflow to 0.
absl::Status MaximumInscribedCircle(geos::Context& c, const Row& r,
                                    const Params& p, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  double tolerance = p.number(kCircleTolerance);
  if (GEOSisEmpty_r(h, r.a) == 0) {
    double x0, y0, x1, y1;
    if (GEOSGeom_getExtent_r(h, r.a, &x0, &y0, &x1, &y1) != 1) {
      return GeosFailure(c);
    }
    const double extent = std::max(x1 - x0, y1 - y0);
    constexpr double kSmallest = 1e-150;
    if (extent > 0 && extent < kSmallest) {
      return absl::InvalidArgumentError(
          absl::StrCat("a's extent ", extent, " is below ", kSmallest,
                       ", too small for GEOS 3.11.1's algorithm"));
    }
    // GEOS's search is not interruptible, and its work grows with the
    // cells it visits. It first covers the envelope with square cells as
    // wide as its narrower side, stepping by that width: a sliver (found by
    // fuzz/compute_fuzzer: 834617 by 1e-155) makes longer / narrower
    // cells, and a width below the ordinates' precision never advances.
    // It then refines down to the tolerance wherever the centre could lie,
    // which for a rectangle (a line of equally good centres) or an invalid
    // polygon is extent / tolerance cells: a tolerance of 3e-269 never
    // finished. Both are bounded to kMaxCells (~0.2 s at worst).
    constexpr double kMaxCells = 1e5;
    const double narrower = std::min(x1 - x0, y1 - y0);
    const double largest =
        std::max({std::abs(x0), std::abs(x1), std::abs(y0), std::abs(y1)});
    if (narrower > 0 &&
        (extent / narrower > kMaxCells || narrower < largest * 0x1p-40)) {
      return absl::InvalidArgumentError(
          absl::StrCat("a's envelope (", x1 - x0, " by ", y1 - y0,
                       ") is too thin for GEOS 3.11.1's algorithm (at most ",
                       kMaxCells, " times longer than wide)"));
    }
    if (tolerance > 0 && extent / tolerance > kMaxCells) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tolerance ", tolerance, " is too fine for a's extent ", extent,
          " (at least extent / ", kMaxCells, " for GEOS 3.11.1's algorithm)"));
    }
    if (tolerance == 0) tolerance = extent / 1000;
  }
  if (tolerance <= 0) tolerance = 1;  // A point or empty: nothing to refine.
  return SetGeometry(c, GEOSMaximumInscribedCircle_r(h, r.a, tolerance), out);
}

// --- Simplification, validity, precision ---------------------------------

constexpr ParamSpec kSimplifyParams[] = {
    {.name = "tolerance",
     .type = ParamType::kDouble,
     .required = true,
     .min = 0,
     .max = kInf,
     .description = "Maximum distance of the result from a."},
    {.name = "preserve_topology",
     .type = ParamType::kBool,
     .default_value = 1,
     .min = 0,
     .max = 1,
     .description = "Keep the result valid (slower)."},
};
constexpr int kSimplifyTolerance = ParamIndex(kSimplifyParams, "tolerance");
constexpr int kPreserveTopology =
    ParamIndex(kSimplifyParams, "preserve_topology");

absl::Status Simplify(geos::Context& c, const Row& r, const Params& p,
                      Value* out) {
  const double tolerance = p.number(kSimplifyTolerance);
  return SetGeometry(
      c,
      p.flag(kPreserveTopology)
          ? GEOSTopologyPreserveSimplify_r(c.handle(), r.a, tolerance)
          : GEOSSimplify_r(c.handle(), r.a, tolerance),
      out);
}

constexpr ParamSpec kMakeValidParams[] = {
    {.name = "method",
     .type = ParamType::kInt,
     .min = 0,
     .max = 1,
     .description = "0 = linework, 1 = structure."},
    {.name = "keep_collapsed",
     .type = ParamType::kBool,
     .default_value = 1,
     .min = 0,
     .max = 1,
     .description = "Keep components that collapse to lower dimension "
                    "(structure only)."},
};
constexpr int kMethod = ParamIndex(kMakeValidParams, "method");
constexpr int kKeepCollapsed = ParamIndex(kMakeValidParams, "keep_collapsed");

absl::Status MakeValid(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  using Ptr = geos::Handle<GEOSMakeValidParams, GEOSMakeValidParams_destroy_r>;
  Ptr params(GEOSMakeValidParams_create_r(c.handle()), {c.handle()});
  if (!params) return GeosFailure(c);
  GEOSMakeValidParams_setMethod_r(c.handle(), params.get(),
                                  p.integer(kMethod) == 1
                                      ? GEOS_MAKE_VALID_STRUCTURE
                                      : GEOS_MAKE_VALID_LINEWORK);
  GEOSMakeValidParams_setKeepCollapsed_r(c.handle(), params.get(),
                                         p.flag(kKeepCollapsed) ? 1 : 0);
  return SetGeometry(
      c, GEOSMakeValidWithParams_r(c.handle(), r.a, params.get()), out);
}

constexpr ParamSpec kRemoveRepeatedPointsParams[] = {
    {.name = "tolerance",
     .type = ParamType::kDouble,
     .min = 0,
     .max = kInf,
     .description = "Points closer than this to the previous one are dropped."},
};
constexpr int kRepeatedTolerance =
    ParamIndex(kRemoveRepeatedPointsParams, "tolerance");

absl::Status RemoveRepeatedPoints(geos::Context& c, const Row& r,
                                  const Params& p, Value* out) {
  return SetGeometry(
      c,
      GEOSRemoveRepeatedPoints_r(c.handle(), r.a, p.number(kRepeatedTolerance)),
      out);
}

absl::Status Normalize(geos::Context& c, const Row& r, const Params&,
                       Value* out) {
  geos::GeometryPtr g = c.Own(GEOSGeom_clone_r(c.handle(), r.a));
  if (!g || GEOSNormalize_r(c.handle(), g.get()) != 0) {
    return GeosFailure(c);
  }
  out->geometry = std::move(g);
  return absl::OkStatus();
}

constexpr ParamSpec kSetPrecisionParams[] = {
    {.name = "grid_size",
     .type = ParamType::kDouble,
     .required = true,
     .min = 0,
     .max = kInf,
     .description = "Grid to round coordinates to; 0 keeps full precision."},
    {.name = "mode",
     .type = ParamType::kInt,
     .min = 0,
     .max = 2,
     .description = "0 = valid output, 1 = pointwise, 2 = keep collapsed."},
};
constexpr int kPrecisionGrid = ParamIndex(kSetPrecisionParams, "grid_size");
constexpr int kPrecisionMode = ParamIndex(kSetPrecisionParams, "mode");

absl::Status SetPrecision(geos::Context& c, const Row& r, const Params& p,
                          Value* out) {
  RETURN_IF_ERROR(CheckGrid(c, r.a, nullptr, p.number(kPrecisionGrid)));
  // Shapely's modes are GEOS's flags.
  return SetGeometry(
      c,
      GEOSGeom_setPrecision_r(c.handle(), r.a, p.number(kPrecisionGrid),
                              p.integer(kPrecisionMode)),
      out);
}

// --- Vertices and linework ----------------------------------------------

constexpr ParamSpec kSegmentizeParams[] = {
    {.name = "max_segment_length",
     .type = ParamType::kDouble,
     .required = true,
     .min = 1e-300,
     .max = kInf,
     .description = "Longest segment allowed."},
};
constexpr int kMaxSegmentLength =
    ParamIndex(kSegmentizeParams, "max_segment_length");

// Segmentizing adds length / max_segment_length vertices (bounded as for
// densify: kMaxDensifiedVertices).
absl::Status Segmentize(geos::Context& c, const Row& r, const Params& p,
                        Value* out) {
  const double max_length = p.number(kMaxSegmentLength);
  double length = 0;
  if (GEOSLength_r(c.handle(), r.a, &length) != 1) {
    return GeosFailure(c);
  }
  if (length / max_length > kMaxDensifiedVertices) {
    return absl::ResourceExhaustedError(
        absl::StrCat("segmentize would create over ", kMaxDensifiedVertices,
                     " vertices (length ", length, " / max_segment_length ",
                     max_length, ")"));
  }
  return SetGeometry(c, GEOSDensify_r(c.handle(), r.a, max_length), out);
}

constexpr ParamSpec kSnapParams[] = {
    {.name = "tolerance",
     .type = ParamType::kDouble,
     .required = true,
     .min = 0,
     .max = kInf,
     .description = "Snapping distance."},
};
constexpr int kSnapTolerance = ParamIndex(kSnapParams, "tolerance");

absl::Status Snap(geos::Context& c, const Row& r, const Params& p, Value* out) {
  return SetGeometry(
      c, GEOSSnap_r(c.handle(), r.a, r.b, p.number(kSnapTolerance)), out);
}

constexpr ParamSpec kClipParams[] = {
    {.name = "xmin",
     .type = ParamType::kDouble,
     .required = true,
     .min = -kInf,
     .max = kInf,
     .description = "Rectangle."},
    {.name = "ymin",
     .type = ParamType::kDouble,
     .required = true,
     .min = -kInf,
     .max = kInf,
     .description = "Rectangle."},
    {.name = "xmax",
     .type = ParamType::kDouble,
     .required = true,
     .min = -kInf,
     .max = kInf,
     .description = "Rectangle."},
    {.name = "ymax",
     .type = ParamType::kDouble,
     .required = true,
     .min = -kInf,
     .max = kInf,
     .description = "Rectangle."},
};
constexpr int kXMin = ParamIndex(kClipParams, "xmin");
constexpr int kYMin = ParamIndex(kClipParams, "ymin");
constexpr int kXMax = ParamIndex(kClipParams, "xmax");
constexpr int kYMax = ParamIndex(kClipParams, "ymax");

absl::Status ClipByRect(geos::Context& c, const Row& r, const Params& p,
                        Value* out) {
  return SetGeometry(
      c,
      GEOSClipByRect_r(c.handle(), r.a, p.number(kXMin), p.number(kYMin),
                       p.number(kXMax), p.number(kYMax)),
      out);
}

}  // namespace

// Polygons formed by a's linework (its parts, for a collection).
absl::Status Polygonize(geos::Context& c, const Row& r, const Params&,
                        Value* out) {
  const GEOSContextHandle_t h = c.handle();
  const int n = GEOSGetNumGeometries_r(h, r.a);
  if (n < 0) return GeosFailure(c);
  std::vector<const GEOSGeometry*> parts;
  for (int i = 0; i < n; ++i) parts.push_back(GEOSGetGeometryN_r(h, r.a, i));
  return SetGeometry(
      c, GEOSPolygonize_r(h, parts.data(), static_cast<unsigned>(parts.size())),
      out);
}

// Shapely's polygonize_full on one row: the polygons, then the edges GEOS
// left out of them (cuts, dangles, invalid rings), each a collection, in
// one GEOMETRYCOLLECTION so the row keeps one value (get_geometry with
// index 0-3 takes one out; polygonize_full_all does the whole batch).
absl::Status PolygonizeFull(geos::Context& c, const Row& r, const Params&,
                            Value* out) {
  const GEOSContextHandle_t h = c.handle();
  GEOSGeometry *cuts = nullptr, *dangles = nullptr, *invalid = nullptr;
  geos::GeometryPtr parts[4];
  parts[0] = c.Own(GEOSPolygonize_full_r(h, r.a, &cuts, &dangles, &invalid));
  parts[1] = c.Own(cuts);
  parts[2] = c.Own(dangles);
  parts[3] = c.Own(invalid);
  for (const auto& part : parts) {
    if (!part) return GeosFailure(c);
  }
  std::vector<geos::GeometryPtr> all;
  for (auto& part : parts) all.push_back(std::move(part));
  ASSIGN_OR_RETURN(out->geometry,
                   c.MakeCollection(GEOS_GEOMETRYCOLLECTION, std::move(all)));
  return absl::OkStatus();
}

namespace {

constexpr ParamSpec kLineMergeParams[] = {
    {.name = "directed",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Join a line's end only to another's start."},
};
constexpr int kDirected = ParamIndex(kLineMergeParams, "directed");

absl::Status LineMerge(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  return SetGeometry(c,
                     p.flag(kDirected)
                         ? GEOSLineMergeDirected_r(c.handle(), r.a)
                         : GEOSLineMerge_r(c.handle(), r.a),
                     out);
}

// --- Empties and orientation --------------------------------------------

constexpr ParamSpec kEmptyParams[] = {
    {.name = "type_id",
     .type = ParamType::kInt,
     .default_value = -1,
     .min = -1,
     .max = 7,
     .description = "GEOS type id (Shapely's GeometryType): 0 point, 1 line "
                    "string, 2 linear ring, 3 polygon, 4-6 multi-, 7 "
                    "collection; -1: a's type."},
};
constexpr int kTypeId = ParamIndex(kEmptyParams, "type_id");

// Shapely's empty(geom_type): an empty geometry of a type, one per row.
absl::Status Empty(geos::Context& c, const Row& r, const Params& p,
                   Value* out) {
  const GEOSContextHandle_t h = c.handle();
  int type = p.integer(kTypeId);
  if (type < 0) type = GEOSGeomTypeId_r(h, r.a);
  switch (type) {
    case GEOS_POINT:
      return SetGeometry(c, GEOSGeom_createEmptyPoint_r(h), out);
    case GEOS_LINESTRING:
      return SetGeometry(c, GEOSGeom_createEmptyLineString_r(h), out);
    case GEOS_LINEARRING: {
      GEOSCoordSequence* seq = GEOSCoordSeq_create_r(h, 0, 2);
      if (seq == nullptr) return GeosFailure(c);
      return SetGeometry(c, GEOSGeom_createLinearRing_r(h, seq), out);
    }
    case GEOS_POLYGON:
      return SetGeometry(c, GEOSGeom_createEmptyPolygon_r(h), out);
    default:
      return SetGeometry(c, GEOSGeom_createEmptyCollection_r(h, type), out);
  }
}

// --- Identity and Shapely's creation functions ---------------------------
// For rows sent as coordinates, where the row's type is the client's claim:
// each checks it, and returns the row as that type, with its SRID.

// INVALID_ARGUMENT for a row of a type `op` does not take: "points: row is
// a LineString, not a Point".
absl::Status NotA(geos::Context& c, absl::string_view op, const G* g,
                  absl::string_view wanted) {
  return absl::InvalidArgumentError(
      absl::StrCat(op, ": row is a ", TypeName(c, g), ", not a ", wanted));
}

bool IsLine(int type) {
  return type == GEOS_LINESTRING || type == GEOS_LINEARRING;
}

// Whether a line's first and last points share x and y: GEOS's test for a
// closed ring (z may differ).
bool ClosedIn2d(const Coords& coords) {
  const double* first = coords.at(0);
  const double* last = coords.at(coords.size() - 1);
  return first[0] == last[0] && first[1] == last[1];
}

// A point, line or ring of `type` from `coords`, with `a`'s SRID.
absl::Status SetFromCoords(geos::Context& c, const G* a, int type,
                           const Coords& coords, Value* out) {
  ASSIGN_OR_RETURN(out->geometry, CreateFromCoords(c, type, coords));
  GEOSSetSRID_r(c.handle(), out->geometry.get(), GEOSGetSRID_r(c.handle(), a));
  return absl::OkStatus();
}

// A copy of a, any type (a clone keeps the SRID).
absl::Status Identity(geos::Context& c, const Row& r, const Params&,
                      Value* out) {
  return SetGeometry(c, GEOSGeom_clone_r(c.handle(), r.a), out);
}

absl::Status Points(geos::Context& c, const Row& r, const Params& p,
                    Value* out) {
  if (GEOSGeomTypeId_r(c.handle(), r.a) != GEOS_POINT) {
    return NotA(c, "points", r.a, "Point");
  }
  return Identity(c, r, p, out);
}

// A ring's coordinates make a line string as they are.
absl::Status LineStrings(geos::Context& c, const Row& r, const Params& p,
                         Value* out) {
  const int type = GEOSGeomTypeId_r(c.handle(), r.a);
  if (!IsLine(type)) return NotA(c, "linestrings", r.a, "LineString");
  if (type == GEOS_LINESTRING) return Identity(c, r, p, out);
  ASSIGN_OR_RETURN(const Coords coords, CopyCoords(c, r.a));
  return SetFromCoords(c, r.a, GEOS_LINESTRING, coords, out);
}

// An open line is closed with its first coordinate, as Shapely's
// linearrings closes open coordinates; a ring needs 4 coordinates (GEOS
// 3.11 would make one of 3). Unlike Shapely's, ends that differ only in z
// count as closed (GEOS's test), and a closed line of 3 coordinates is
// refused rather than given a fourth.
absl::Status LinearRings(geos::Context& c, const Row& r, const Params&,
                         Value* out) {
  if (!IsLine(GEOSGeomTypeId_r(c.handle(), r.a))) {
    return NotA(c, "linearrings", r.a, "LineString or LinearRing");
  }
  ASSIGN_OR_RETURN(Coords coords, CopyCoords(c, r.a));
  const size_t n = coords.size();
  if (n > 0 && !ClosedIn2d(coords)) {
    coords.v.resize((n + 1) * coords.dims);
    std::copy_n(coords.at(0), coords.dims, coords.at(n));
  }
  if (coords.size() > 0 && coords.size() < 4) {
    return absl::InvalidArgumentError(
        absl::StrCat("linearrings: a ring needs at least 4 coordinates, got ",
                     coords.size()));
  }
  return SetFromCoords(c, r.a, GEOS_LINEARRING, coords, out);
}

// A polygon as it is, or a closed line as a shell without holes. Shapely's
// polygons takes a linear ring; WKB has no rings, so a closed line stands
// for one. An open line is refused rather than closed: linearrings closes
// it first.
absl::Status Polygons(geos::Context& c, const Row& r, const Params& p,
                      Value* out) {
  const GEOSContextHandle_t h = c.handle();
  const int type = GEOSGeomTypeId_r(h, r.a);
  if (type == GEOS_POLYGON) return Identity(c, r, p, out);
  if (!IsLine(type)) {
    return NotA(c, "polygons", r.a, "Polygon, LineString or LinearRing");
  }
  ASSIGN_OR_RETURN(const Coords coords, CopyCoords(c, r.a));
  if (coords.size() > 0 && !ClosedIn2d(coords)) {
    return absl::InvalidArgumentError(
        "polygons: the line is not closed (its first and last coordinates "
        "differ); linearrings closes it");
  }
  if (coords.size() > 0 && coords.size() < 4) {
    return absl::InvalidArgumentError(absl::StrCat(
        "polygons: a shell needs at least 4 coordinates, got ", coords.size()));
  }
  ASSIGN_OR_RETURN(geos::GeometryPtr shell,
                   CreateFromCoords(c, GEOS_LINEARRING, coords));
  ASSIGN_OR_RETURN(out->geometry, c.MakePolygon(std::move(shell)));
  GEOSSetSRID_r(h, out->geometry.get(), GEOSGetSRID_r(h, r.a));
  return absl::OkStatus();
}

constexpr ParamSpec kOrientPolygonsParams[] = {
    {.name = "exterior_cw",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Exterior rings clockwise, interior ones "
                    "counter-clockwise (default: the opposite)."},
};
constexpr int kExteriorCw = ParamIndex(kOrientPolygonsParams, "exterior_cw");

// Shapely 2.1's orient_polygons on GEOS 3.11 (its fallback, which GEOS
// 3.12's GEOSOrientPolygons replaces): see OrientRings.
absl::Status OrientPolygons(geos::Context& c, const Row& r, const Params& p,
                            Value* out) {
  absl::StatusOr<geos::GeometryPtr> oriented =
      OrientRings(c, r.a, p.flag(kExteriorCw));
  if (!oriented.ok()) return oriented.status();
  out->geometry = *std::move(oriented);
  return absl::OkStatus();
}

// --- Triangulations -----------------------------------------------------

constexpr ParamSpec kTriangulationParams[] = {
    {.name = "tolerance",
     .type = ParamType::kDouble,
     .min = 0,
     .max = kInf,
     .description = "Snapping tolerance for near-coincident vertices."},
    {.name = "only_edges",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Return the edges as lines rather than polygons."},
};
constexpr int kSnapping = ParamIndex(kTriangulationParams, "tolerance");
constexpr int kOnlyEdges = ParamIndex(kTriangulationParams, "only_edges");

// An extend_to bound: unset is infinite, so the four defaults make GEOS's
// null envelope (min above max), which extends nothing.
constexpr ParamSpec ExtendTo(const char* name, double default_value) {
  return {.name = name,
          .type = ParamType::kDouble,
          .default_value = default_value,
          .min = -kInf,
          .max = kInf,
          .description =
              "Bound of the box the diagram extends to cover "
              "(Shapely's extend_to, as its envelope); all four "
              "or none."};
}

constexpr ParamSpec kVoronoiParams[] = {
    kTriangulationParams[kSnapping],   kTriangulationParams[kOnlyEdges],
    ExtendTo("extend_to_xmin", kInf),  ExtendTo("extend_to_ymin", kInf),
    ExtendTo("extend_to_xmax", -kInf), ExtendTo("extend_to_ymax", -kInf),
};
constexpr int kVoronoiSnapping = ParamIndex(kVoronoiParams, "tolerance");
constexpr int kVoronoiOnlyEdges = ParamIndex(kVoronoiParams, "only_edges");
constexpr int kExtendXMin = ParamIndex(kVoronoiParams, "extend_to_xmin");
constexpr int kExtendYMin = ParamIndex(kVoronoiParams, "extend_to_ymin");
constexpr int kExtendXMax = ParamIndex(kVoronoiParams, "extend_to_xmax");
constexpr int kExtendYMax = ParamIndex(kVoronoiParams, "extend_to_ymax");

// Set values are finite: an infinite bound is one left unset.
absl::Status CheckExtendTo(const Params& p) {
  int set = 0;
  for (int i : {kExtendXMin, kExtendYMin, kExtendXMax, kExtendYMax}) {
    set += std::isfinite(p.number(i)) ? 1 : 0;
  }
  if (set != 0 && set != 4) {
    return absl::InvalidArgumentError(
        "set all four of extend_to_xmin, extend_to_ymin, extend_to_xmax and "
        "extend_to_ymax, or none");
  }
  if (set == 4 && (p.number(kExtendXMin) > p.number(kExtendXMax) ||
                   p.number(kExtendYMin) > p.number(kExtendYMax))) {
    return absl::InvalidArgumentError(
        "extend_to_xmin and extend_to_ymin may not exceed extend_to_xmax and "
        "extend_to_ymax");
  }
  return absl::OkStatus();
}

absl::Status DelaunayTriangles(geos::Context& c, const Row& r, const Params& p,
                               Value* out) {
  return SetGeometry(
      c,
      GEOSDelaunayTriangulation_r(c.handle(), r.a, p.number(kSnapping),
                                  p.integer(kOnlyEdges)),
      out);
}

absl::Status VoronoiPolygons(geos::Context& c, const Row& r, const Params& p,
                             Value* out) {
  const GEOSContextHandle_t h = c.handle();
  geos::GeometryPtr extend_to;
  if (std::isfinite(p.number(kExtendXMin))) {
    // GEOS takes the envelope of a geometry: the box's corners.
    extend_to = c.Own(GEOSGeom_createRectangle_r(
        h, p.number(kExtendXMin), p.number(kExtendYMin), p.number(kExtendXMax),
        p.number(kExtendYMax)));
    if (!extend_to) return GeosFailure(c);
  }
  return SetGeometry(
      c,
      GEOSVoronoiDiagram_r(h, r.a, extend_to.get(), p.number(kVoronoiSnapping),
                           p.integer(kVoronoiOnlyEdges)),
      out);
}

constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_BUFFER,
     .result = ResultType::kGeometry,
     .params_field = "buffer",
     .params = kBufferParams,
     .kernel = Buffer,
     .description = "Area within the given distance of a."},
    {.code = v1::OP_CODE_CENTROID,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSGetCentroid_r>,
     .description = "Centre of mass of a."},
    {.code = v1::OP_CODE_ENVELOPE,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSEnvelope_r>,
     .description = "Axis-aligned bounding rectangle of a."},
    {.code = v1::OP_CODE_CONVEX_HULL,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSConvexHull_r>,
     .description = "Smallest convex geometry containing a."},
    {.code = v1::OP_CODE_SIMPLIFY,
     .result = ResultType::kGeometry,
     .params_field = "simplify",
     .params = kSimplifyParams,
     .kernel = Simplify,
     .description = "Simplified a (Douglas-Peucker)."},
    {.code = v1::OP_CODE_MAKE_VALID,
     .result = ResultType::kGeometry,
     .params_field = "make_valid",
     .params = kMakeValidParams,
     .kernel = MakeValid,
     .description = "A valid geometry covering the same points as a."},
    {.code = v1::OP_CODE_BOUNDARY,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSBoundary_r>,
     .description = "The combinatorial boundary of a."},
    {.code = v1::OP_CODE_POINT_ON_SURFACE,
     .result = ResultType::kGeometry,
     .kernel = IgnoringEmptyMembers<UnaryConstructive<GEOSPointOnSurface_r>>,
     .description = "A point guaranteed to lie on a."},
    {.code = v1::OP_CODE_REVERSE,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSReverse_r>,
     .description = "a with the order of its coordinates reversed."},
    {.code = v1::OP_CODE_EXTRACT_UNIQUE_POINTS,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSGeom_extractUniquePoints_r>,
     .description = "The distinct vertices of a, as a multipoint."},
    {.code = v1::OP_CODE_ORIENTED_ENVELOPE,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSMinimumRotatedRectangle_r>,
     .description = "The minimum-area rotated rectangle containing a."},
    {.code = v1::OP_CODE_MINIMUM_CLEARANCE_LINE,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSMinimumClearanceLine_r>,
     .description = "The two-point line realising a's minimum clearance "
                    "(empty when none)."},
    {.code = v1::OP_CODE_BUILD_AREA,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSBuildArea_r>,
     .description =
         "Polygons formed from a's linework, holes from even nesting."},
    {.code = v1::OP_CODE_NODE,
     .result = ResultType::kGeometry,
     .kernel = IgnoringEmptyMembers<UnaryConstructive<GEOSNode_r>>,
     .description = "a's linework fully noded (split at every intersection)."},
    {.code = v1::OP_CODE_LINE_MERGE,
     .result = ResultType::kGeometry,
     .params_field = "line_merge",
     .params = kLineMergeParams,
     .kernel = LineMerge,
     .description = "a's line strings merged end to end where they meet."},
    {.code = v1::OP_CODE_OFFSET_CURVE,
     .result = ResultType::kGeometry,
     .params_field = "offset_curve",
     .params = kOffsetCurveParams,
     .kernel = OffsetCurve,
     .description = "A line parallel to line a at a distance."},
    {.code = v1::OP_CODE_CONCAVE_HULL,
     .result = ResultType::kGeometry,
     .params_field = "concave_hull",
     .params = kConcaveHullParams,
     .kernel = ConcaveHull,
     .description = "A concave polygon containing every vertex of a."},
    {.code = v1::OP_CODE_MINIMUM_BOUNDING_CIRCLE,
     .result = ResultType::kGeometry,
     .kernel = MinimumBoundingCircle,
     .description = "The smallest circle (as a polygon) enclosing a."},
    {.code = v1::OP_CODE_MAXIMUM_INSCRIBED_CIRCLE,
     .result = ResultType::kGeometry,
     .params_field = "tolerance",
     .params = kMaximumInscribedCircleParams,
     .kernel = MaximumInscribedCircle,
     .description = "Line from the centre of the largest circle inside "
                    "polygonal a to the nearest boundary point."},
    {.code = v1::OP_CODE_SEGMENTIZE,
     .result = ResultType::kGeometry,
     .params_field = "segmentize",
     .params = kSegmentizeParams,
     .kernel = IgnoringEmptyMembers<Segmentize>,
     .description = "a with vertices added so no segment is longer than the "
                    "given length."},
    {.code = v1::OP_CODE_DENSIFY,
     .result = ResultType::kGeometry,
     .params_field = "segmentize",
     .params = kSegmentizeParams,
     .kernel = IgnoringEmptyMembers<Segmentize>,
     .description = "Alias of segmentize."},
    {.code = v1::OP_CODE_REMOVE_REPEATED_POINTS,
     .result = ResultType::kGeometry,
     .params_field = "tolerance",
     .params = kRemoveRepeatedPointsParams,
     .kernel = RemoveRepeatedPoints,
     .description = "a without repeated points."},
    {.code = v1::OP_CODE_NORMALIZE,
     .result = ResultType::kGeometry,
     .kernel = Normalize,
     .description =
         "a in GEOS's normal form (ordered parts, rings and start points)."},
    {.code = v1::OP_CODE_SNAP,
     .arity = 2,
     .result = ResultType::kGeometry,
     .params_field = "tolerance",
     .params = kSnapParams,
     .kernel = Snap,
     .description = "a with vertices and segments snapped to b's vertices."},
    {.code = v1::OP_CODE_CLIP_BY_RECT,
     .result = ResultType::kGeometry,
     .params_field = "clip",
     .params = kClipParams,
     .kernel = ClipByRect,
     .description = "The part of a inside the rectangle (fast; may be invalid "
                    "for invalid a)."},
    {.code = v1::OP_CODE_POLYGONIZE,
     .result = ResultType::kGeometry,
     .kernel = Polygonize,
     .description = "The polygons formed by a's linework, as a collection, "
                    "row by row (Shapely's polygonize of all rows together "
                    "is polygonize_all)."},
    {.code = v1::OP_CODE_DELAUNAY_TRIANGLES,
     .result = ResultType::kGeometry,
     .params_field = "triangulation",
     .params = kTriangulationParams,
     .kernel = DelaunayTriangles,
     .description = "Delaunay triangulation of a's vertices."},
    {.code = v1::OP_CODE_VORONOI_POLYGONS,
     .result = ResultType::kGeometry,
     .params_field = "triangulation",
     .params = kVoronoiParams,
     .kernel = VoronoiPolygons,
     .description = "Voronoi diagram of a's vertices, clipped to GEOS's "
                    "frame around them, grown to cover extend_to when set.",
     .check_params = CheckExtendTo},
    {.code = v1::OP_CODE_SET_PRECISION,
     .result = ResultType::kGeometry,
     .params_field = "set_precision",
     .params = kSetPrecisionParams,
     .kernel = SetPrecision,
     .description = "a rounded to a precision grid."},
    {.code = v1::OP_CODE_CONSTRAINED_DELAUNAY_TRIANGLES,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSConstrainedDelaunayTriangulation_r>,
     .description = "Delaunay triangulation of polygonal a constrained to its "
                    "edges: triangles covering a (empty for non-polygonal "
                    "a)."},
    {.code = v1::OP_CODE_MINIMUM_ROTATED_RECTANGLE,
     .result = ResultType::kGeometry,
     .kernel = UnaryConstructive<GEOSMinimumRotatedRectangle_r>,
     .description = "Alias of oriented_envelope."},
    {.code = v1::OP_CODE_POLYGONIZE_FULL,
     .result = ResultType::kGeometry,
     .kernel = IgnoringEmptyMembers<PolygonizeFull>,
     .description =
         "Polygonization of a's linework as one GEOMETRYCOLLECTION of four "
         "collections: polygons, cut edges, dangles, invalid rings (Shapely's "
         "polygonize_full on one row; polygonize_full_all reduces the "
         "batch)."},
    {.code = v1::OP_CODE_ORIENT_POLYGONS,
     .result = ResultType::kGeometry,
     .params_field = "orient_polygons",
     .params = kOrientPolygonsParams,
     .kernel = OrientPolygons,
     .description = "a with exterior rings counter-clockwise and interior "
                    "rings clockwise, or the opposite (Shapely's "
                    "orient_polygons)."},
    {.code = v1::OP_CODE_EMPTY,
     .result = ResultType::kGeometry,
     .params_field = "empty",
     .params = kEmptyParams,
     .kernel = Empty,
     .description = "An empty geometry of the given type, or of a's "
                    "(Shapely's empty)."},
    {.code = v1::OP_CODE_IDENTITY,
     .result = ResultType::kGeometry,
     .kernel = Identity,
     .description = "a unchanged, SRID kept: only its encoding changes, to "
                    "the result encoding asked for."},
    {.code = v1::OP_CODE_POINTS,
     .result = ResultType::kGeometry,
     .kernel = Points,
     .description = "Point a as it is; other types are row errors (Shapely's "
                    "points, for rows sent as coordinates)."},
    {.code = v1::OP_CODE_LINESTRINGS,
     .result = ResultType::kGeometry,
     .kernel = LineStrings,
     .description = "Line string a as it is, a linear ring as a line string; "
                    "other types are row errors (Shapely's linestrings)."},
    {.code = v1::OP_CODE_LINEARRINGS,
     .result = ResultType::kGeometry,
     .kernel = LinearRings,
     .description =
         "Line string or ring a as a linear ring, closed with its first "
         "coordinate if open; under 4 coordinates or other types are row "
         "errors (Shapely's linearrings)."},
    {.code = v1::OP_CODE_POLYGONS,
     .result = ResultType::kGeometry,
     .kernel = Polygons,
     .description =
         "Polygon a as it is, or closed line a (4+ coordinates) as the shell "
         "of a polygon without holes; other rows are row errors (Shapely's "
         "polygons)."},
};

}  // namespace

absl::Span<const OpSpec> ConstructiveOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
