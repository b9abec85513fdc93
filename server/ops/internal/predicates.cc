// Predicates: binary (a against b; with a prepared form where GEOS has one)
// and unary (a alone), answering a bool; and the DE-9IM matrix and validity
// reason, answering text.
#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/geos/handles.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/guards.h"
#include "server/ops/internal/kernels.h"

namespace geosrpc::ops::internal {
namespace {

// --- Binary predicates --------------------------------------------------

constexpr ParamSpec kDWithinParams[] = {
    {.name = "distance",
     .type = ParamType::kDouble,
     .required = true,
     .min = 0,
     .max = kInf,
     .description = "Distance threshold (inclusive)."},
};
constexpr int kDistance = ParamIndex(kDWithinParams, "distance");

absl::Status DWithin(geos::Context& c, const Row& r, const Params& p,
                     Value* out) {
  return SetPredicate(
      c, GEOSDistanceWithin_r(c.handle(), r.a, r.b, p.number(kDistance)), out);
}

absl::Status PreparedDWithin(geos::Context& c, const Row& r, const Params& p,
                             Value* out) {
  return SetPredicate(c,
                      GEOSPreparedDistanceWithin_r(c.handle(), r.prepared_b,
                                                   r.a, p.number(kDistance)),
                      out);
}

// GEOS has contains_properly only in prepared form, on a (the broadcast
// operand is b, so the worker's cached preparation cannot serve). Preparing
// each row, as Shapely does, gives the same answers as Shapely, including on
// invalid input where the DE-9IM pattern T**FF*FF* would raise.
absl::Status ContainsProperly(geos::Context& c, const Row& r, const Params&,
                              Value* out) {
  const geos::PreparedPtr a(GEOSPrepare_r(c.handle(), r.a), {c.handle()});
  if (!a) return GeosFailure(c);
  return SetPredicate(
      c, GEOSPreparedContainsProperly_r(c.handle(), a.get(), r.b), out);
}

constexpr ParamSpec kEqualsExactParams[] = {
    {.name = "tolerance",
     .type = ParamType::kDouble,
     .min = 0,
     .max = kInf,
     .description = "Largest coordinate difference still equal."},
    {.name = "normalize",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Compare a and b in normal form (Shapely 2.1): the same "
                    "parts and rings in any order or start point."},
};
constexpr int kTolerance = ParamIndex(kEqualsExactParams, "tolerance");
constexpr int kNormalize = ParamIndex(kEqualsExactParams, "normalize");

// A normalized copy of `g`.
absl::StatusOr<geos::GeometryPtr> Normalized(geos::Context& c,
                                             const GEOSGeometry* g) {
  geos::GeometryPtr copy = c.Own(GEOSGeom_clone_r(c.handle(), g));
  if (!copy || GEOSNormalize_r(c.handle(), copy.get()) != 0) {
    return GeosFailure(c);
  }
  return copy;
}

absl::Status EqualsExact(geos::Context& c, const Row& r, const Params& p,
                         Value* out) {
  const double tolerance = p.number(kTolerance);
  if (!p.flag(kNormalize)) {
    return SetPredicate(c, GEOSEqualsExact_r(c.handle(), r.a, r.b, tolerance),
                        out);
  }
  absl::StatusOr<geos::GeometryPtr> a = Normalized(c, r.a);
  if (!a.ok()) return a.status();
  absl::StatusOr<geos::GeometryPtr> b = Normalized(c, r.b);
  if (!b.ok()) return b.status();
  return SetPredicate(
      c, GEOSEqualsExact_r(c.handle(), a->get(), b->get(), tolerance), out);
}

// Shapely 2.1's equals_identical on GEOS 3.11 (GEOSEqualsIdentical is
// 3.12's): the same type and structure, the same coordinate dimensions,
// and the same ordinates, NaN equal to NaN in the same place (so 0 and -0
// are equal). 0/1/2 as GEOS's predicates answer.
char Identical(geos::Context& c, const GEOSGeometry* a, const GEOSGeometry* b);

char IdenticalSequences(geos::Context& c, const GEOSGeometry* a,
                        const GEOSGeometry* b) {
  const GEOSContextHandle_t h = c.handle();
  const char z = GEOSHasZ_r(h, a);
  if (z == 2 || GEOSHasZ_r(h, b) == 2) return 2;
  if (z != GEOSHasZ_r(h, b)) return 0;
  const GEOSCoordSequence* sa = GEOSGeom_getCoordSeq_r(h, a);
  const GEOSCoordSequence* sb = GEOSGeom_getCoordSeq_r(h, b);
  unsigned na = 0, nb = 0, da = 0, db = 0;
  if (sa == nullptr || sb == nullptr || !GEOSCoordSeq_getSize_r(h, sa, &na) ||
      !GEOSCoordSeq_getSize_r(h, sb, &nb) ||
      !GEOSCoordSeq_getDimensions_r(h, sa, &da) ||
      !GEOSCoordSeq_getDimensions_r(h, sb, &db)) {
    return 2;
  }
  if (na != nb || da != db) return 0;
  const int width = da >= 3 ? 3 : 2;
  std::vector<double> va(na * width), vb(nb * width);
  if (na > 0 &&
      (!GEOSCoordSeq_copyToBuffer_r(h, sa, va.data(), width == 3, 0) ||
       !GEOSCoordSeq_copyToBuffer_r(h, sb, vb.data(), width == 3, 0))) {
    return 2;
  }
  for (size_t i = 0; i < va.size(); ++i) {
    if (va[i] != vb[i] && !(std::isnan(va[i]) && std::isnan(vb[i]))) return 0;
  }
  return 1;
}

char Identical(geos::Context& c, const GEOSGeometry* a, const GEOSGeometry* b) {
  const GEOSContextHandle_t h = c.handle();
  const int type = GEOSGeomTypeId_r(h, a);
  if (type == -1 || GEOSGeomTypeId_r(h, b) == -1) return 2;
  if (type != GEOSGeomTypeId_r(h, b)) return 0;
  switch (type) {
    case GEOS_POINT:
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
      return IdenticalSequences(c, a, b);
    case GEOS_POLYGON: {
      const int n = GEOSGetNumInteriorRings_r(h, a);
      if (n == -1 || GEOSGetNumInteriorRings_r(h, b) == -1) return 2;
      if (n != GEOSGetNumInteriorRings_r(h, b)) return 0;
      char same = IdenticalSequences(c, GEOSGetExteriorRing_r(h, a),
                                     GEOSGetExteriorRing_r(h, b));
      for (int i = 0; same == 1 && i < n; ++i) {
        same = IdenticalSequences(c, GEOSGetInteriorRingN_r(h, a, i),
                                  GEOSGetInteriorRingN_r(h, b, i));
      }
      return same;
    }
    default: {
      const int n = GEOSGetNumGeometries_r(h, a);
      if (n == -1 || GEOSGetNumGeometries_r(h, b) == -1) return 2;
      if (n != GEOSGetNumGeometries_r(h, b)) return 0;
      char same = 1;
      for (int i = 0; same == 1 && i < n; ++i) {
        same = Identical(c, GEOSGetGeometryN_r(h, a, i),
                         GEOSGetGeometryN_r(h, b, i));
      }
      return same;
    }
  }
}

absl::Status EqualsIdentical(geos::Context& c, const Row& r, const Params&,
                             Value* out) {
  return SetPredicate(c, Identical(c, r.a, r.b), out);
}

// Strings GEOS allocates are freed with GEOSFree_r.
absl::Status SetText(geos::Context& c, char* text, Value* out) {
  const geos::CharBuffer owned(text, {c.handle()});
  if (!owned) return GeosFailure(c);
  out->text = owned.get();
  return absl::OkStatus();
}

absl::Status Relate(geos::Context& c, const Row& r, const Params&, Value* out) {
  return SetText(c, GEOSRelate_r(c.handle(), r.a, r.b), out);
}

constexpr ParamSpec kRelatePatternParams[] = {
    {.name = "pattern",
     .type = ParamType::kString,
     .required = true,
     .min = 9,
     .max = 9,
     .description = "DE-9IM pattern, e.g. T*F**F***.",
     .charset = "TF*012"},
};
constexpr int kPattern = ParamIndex(kRelatePatternParams, "pattern");

absl::Status RelatePattern(geos::Context& c, const Row& r, const Params& p,
                           Value* out) {
  return SetPredicate(
      c, GEOSRelatePattern_r(c.handle(), r.a, r.b, p.string(kPattern).c_str()),
      out);
}

// --- Unary predicates ---------------------------------------------------

// Shapely's is_closed: line strings, rings and multi line strings that
// start where they end; false for every other type, where GEOS raises.
absl::Status IsClosed(geos::Context& c, const Row& r, const Params& p,
                      Value* out) {
  const int type = GEOSGeomTypeId_r(c.handle(), r.a);
  if (type != GEOS_LINESTRING && type != GEOS_LINEARRING &&
      type != GEOS_MULTILINESTRING) {
    out->flag = false;
    return absl::OkStatus();
  }
  return UnaryPredicate<GEOSisClosed_r>(c, r, p, out);
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
    return GeosFailure(c);
  }
  out->flag = ccw != 0;
  return absl::OkStatus();
}

absl::Status IsValidReason(geos::Context& c, const Row& r, const Params&,
                           Value* out) {
  return SetText(c, GEOSisValidReason_r(c.handle(), r.a), out);
}

// A binary predicate's prepared form is its converse, evaluated on the
// prepared b (see PreparedPredicate).
//
// contains and within take GEOS 3.11.1's rectangle shortcut when the
// containing operand is a rectangle, and RectangleContains dereferences
// the null coordinate of an empty point inside a collection (contains of
// POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0)) and GEOMETRYCOLLECTION (POINT EMPTY,
// POINT (1 1)) crashes): they ignore empty members, as Preparable keeps
// them from the prepared forms. So does dwithin, whose distance crashes on
// them as distance's does (see HasEmptyMember).
constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_INTERSECTS,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = BinaryPredicate<GEOSIntersects_r>,
     .prepared_kernel = PreparedPredicate<GEOSPreparedIntersects_r>,
     .description = "True if a and b share any point."},
    {.code = v1::OP_CODE_CONTAINS,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = IgnoringEmptyMembers<BinaryPredicate<GEOSContains_r>>,
     .prepared_kernel = PreparedPredicate<GEOSPreparedWithin_r>,
     .description =
         "True if no point of b lies outside a and their interiors meet."},
    {.code = v1::OP_CODE_WITHIN,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = IgnoringEmptyMembers<BinaryPredicate<GEOSWithin_r>>,
     .prepared_kernel = PreparedPredicate<GEOSPreparedContains_r>,
     .description = "True if a lies within b (contains with a and b swapped)."},
    {.code = v1::OP_CODE_COVERS,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = BinaryPredicate<GEOSCovers_r>,
     .prepared_kernel = PreparedPredicate<GEOSPreparedCoveredBy_r>,
     .description = "True if no point of b lies outside a."},
    {.code = v1::OP_CODE_TOUCHES,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = BinaryPredicate<GEOSTouches_r>,
     .prepared_kernel = PreparedPredicate<GEOSPreparedTouches_r>,
     .description = "True if a and b meet only at their boundaries."},
    {.code = v1::OP_CODE_DWITHIN,
     .arity = 2,
     .result = ResultType::kBool,
     .params_field = "distance",
     .params = kDWithinParams,
     .kernel = IgnoringEmptyMembers<DWithin>,
     .prepared_kernel = PreparedDWithin,
     .description =
         "True if a and b are within the given distance of each other."},
    {.code = v1::OP_CODE_CROSSES,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = BinaryPredicate<GEOSCrosses_r>,
     .prepared_kernel = PreparedPredicate<GEOSPreparedCrosses_r>,
     .description = "True if a and b share some but not all interior points, "
                    "of lower dimension than the larger."},
    {.code = v1::OP_CODE_DISJOINT,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = BinaryPredicate<GEOSDisjoint_r>,
     .prepared_kernel = PreparedPredicate<GEOSPreparedDisjoint_r>,
     .description = "True if a and b share no point."},
    {.code = v1::OP_CODE_EQUALS,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = BinaryPredicate<GEOSEquals_r>,
     .description = "True if a and b are topologically equal."},
    {.code = v1::OP_CODE_OVERLAPS,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = BinaryPredicate<GEOSOverlaps_r>,
     .prepared_kernel = PreparedPredicate<GEOSPreparedOverlaps_r>,
     .description = "True if a and b have the same dimension and share some "
                    "but not all points."},
    {.code = v1::OP_CODE_COVERED_BY,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = BinaryPredicate<GEOSCoveredBy_r>,
     .prepared_kernel = PreparedPredicate<GEOSPreparedCovers_r>,
     .description = "True if no point of a lies outside b."},
    {.code = v1::OP_CODE_CONTAINS_PROPERLY,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = ContainsProperly,
     .description = "True if b lies in a's interior (touches no part of its "
                    "boundary)."},
    {.code = v1::OP_CODE_EQUALS_EXACT,
     .arity = 2,
     .result = ResultType::kBool,
     .params_field = "tolerance",
     .params = kEqualsExactParams,
     .kernel = EqualsExact,
     .description = "True if a and b have the same structure and coordinates "
                    "within tolerance (in normal form with normalize)."},
    {.code = v1::OP_CODE_RELATE,
     .arity = 2,
     .result = ResultType::kString,
     .kernel = Relate,
     .description =
         "The DE-9IM intersection matrix of a and b, e.g. 212101212."},
    {.code = v1::OP_CODE_RELATE_PATTERN,
     .arity = 2,
     .result = ResultType::kBool,
     .params_field = "relate_pattern",
     .params = kRelatePatternParams,
     .kernel = RelatePattern,
     .description =
         "True if the DE-9IM matrix of a and b matches the pattern."},
    {.code = v1::OP_CODE_IS_VALID,
     .result = ResultType::kBool,
     .kernel = UnaryPredicate<GEOSisValid_r>,
     .description = "True if a is valid in the OGC sense."},
    {.code = v1::OP_CODE_IS_EMPTY,
     .result = ResultType::kBool,
     .kernel = UnaryPredicate<GEOSisEmpty_r>,
     .description = "True if a has no points."},
    {.code = v1::OP_CODE_IS_SIMPLE,
     .result = ResultType::kBool,
     .kernel = UnaryPredicate<GEOSisSimple_r>,
     .description = "True if a has no anomalous self-intersections."},
    {.code = v1::OP_CODE_IS_RING,
     .result = ResultType::kBool,
     .kernel = UnaryPredicate<GEOSisRing_r>,
     .description = "True if a is a closed, simple line string."},
    {.code = v1::OP_CODE_IS_CLOSED,
     .result = ResultType::kBool,
     .kernel = IsClosed,
     .description = "True if line string, ring or multi line string a "
                    "starts where it ends; false for other types (as "
                    "Shapely)."},
    {.code = v1::OP_CODE_HAS_Z,
     .result = ResultType::kBool,
     .kernel = UnaryPredicate<GEOSHasZ_r>,
     .description = "True if a has Z coordinates."},
    {.code = v1::OP_CODE_IS_CCW,
     .result = ResultType::kBool,
     .kernel = IsCcw,
     .description = "True if line string or ring a (4+ points) runs "
                    "counter-clockwise; false for other geometries."},
    {.code = v1::OP_CODE_IS_VALID_REASON,
     .result = ResultType::kString,
     .kernel = IsValidReason,
     .description = "Why a is invalid, or \"Valid Geometry\"."},
    {.code = v1::OP_CODE_EQUALS_IDENTICAL,
     .arity = 2,
     .result = ResultType::kBool,
     .kernel = EqualsIdentical,
     .description = "True if a and b have the same structure, dimensions and "
                    "ordinates, NaN matching NaN (Shapely's "
                    "equals_identical)."},
};

}  // namespace

absl::Span<const OpSpec> PredicateOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
