// Set operations: the overlay of a and b (intersection, union, difference,
// symmetric difference), and the union of a's own parts; snap-rounded when
// OverlayParams.grid_size is set.
#include "absl/status/status.h"
#include "base/status_macros.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/guards.h"
#include "server/ops/internal/kernels.h"

namespace geosrpc::ops::internal {
namespace {

// Fn, or PrecFn on the snap-rounding grid when one is set.
template <GEOSGeometry* (*Fn)(GEOSContextHandle_t, const GEOSGeometry*,
                              const GEOSGeometry*),
          GEOSGeometry* (*PrecFn)(GEOSContextHandle_t, const GEOSGeometry*,
                                  const GEOSGeometry*, double)>
absl::Status Overlay(geos::Context& c, const Row& r, const Params& p,
                     Value* out) {
  const double grid = p.number(kGridSize);
  RETURN_IF_ERROR(CheckGrid(c, r.a, r.b, grid));
  return SetGeometry(
      c,
      grid > 0 ? PrecFn(c.handle(), r.a, r.b, grid) : Fn(c.handle(), r.a, r.b),
      out);
}

absl::Status UnaryUnion(geos::Context& c, const Row& r, const Params& p,
                        Value* out) {
  const double grid = p.number(kGridSize);
  RETURN_IF_ERROR(CheckGrid(c, r.a, nullptr, grid));
  return SetGeometry(c,
                     grid > 0 ? GEOSUnaryUnionPrec_r(c.handle(), r.a, grid)
                              : GEOSUnaryUnion_r(c.handle(), r.a),
                     out);
}

// Shapely's coverage_union(a, b): GEOS's coverage union of the pair,
// which assumes they form a coverage (polygons whose edges match exactly
// where they meet, interiors disjoint). Fast, and wrong for other input;
// GEOS fails a pair that is not one where it notices.
absl::Status CoverageUnionPair(geos::Context& c, const Row& r, const Params&,
                               Value* out) {
  const GEOSContextHandle_t h = c.handle();
  geos::GeometryPtr a = c.Own(GEOSGeom_clone_r(h, r.a));
  geos::GeometryPtr b = c.Own(GEOSGeom_clone_r(h, r.b));
  if (!a || !b) return GeosFailure(c);
  std::vector<geos::GeometryPtr> both;
  both.push_back(std::move(a));
  both.push_back(std::move(b));
  ASSIGN_OR_RETURN(geos::GeometryPtr pair,
                   c.MakeCollection(GEOS_GEOMETRYCOLLECTION, std::move(both)));
  return SetGeometry(c, GEOSCoverageUnion_r(h, pair.get()), out);
}

constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_INTERSECTION,
     .arity = 2,
     .result = ResultType::kGeometry,
     .params_field = "overlay",
     .params = kOverlayParams,
     .kernel = Overlay<GEOSIntersection_r, GEOSIntersectionPrec_r>,
     .description = "Points shared by a and b."},
    {.code = v1::OP_CODE_UNION,
     .arity = 2,
     .result = ResultType::kGeometry,
     .params_field = "overlay",
     .params = kOverlayParams,
     .kernel = Overlay<GEOSUnion_r, GEOSUnionPrec_r>,
     .description = "Points in a or b."},
    {.code = v1::OP_CODE_DIFFERENCE,
     .arity = 2,
     .result = ResultType::kGeometry,
     .params_field = "overlay",
     .params = kOverlayParams,
     .kernel = Overlay<GEOSDifference_r, GEOSDifferencePrec_r>,
     .description = "Points of a not in b."},
    {.code = v1::OP_CODE_SYMMETRIC_DIFFERENCE,
     .arity = 2,
     .result = ResultType::kGeometry,
     .params_field = "overlay",
     .params = kOverlayParams,
     .kernel = Overlay<GEOSSymDifference_r, GEOSSymDifferencePrec_r>,
     .description = "Points in exactly one of a and b."},
    {.code = v1::OP_CODE_UNARY_UNION,
     .result = ResultType::kGeometry,
     .params_field = "overlay",
     .params = kOverlayParams,
     .kernel = IgnoringEmptyMembers<UnaryUnion>,
     .description = "The union of a's parts (dissolves a collection), row by "
                    "row; Shapely's unary_union of all rows together is "
                    "union_all."},
    {.code = v1::OP_CODE_COVERAGE_UNION_PAIRWISE,
     .arity = 2,
     .result = ResultType::kGeometry,
     .kernel = IgnoringEmptyMembers<CoverageUnionPair>,
     .description = "The union of polygonal a and b assumed to form a "
                    "coverage (Shapely's coverage_union(a, b); "
                    "coverage_union reduces the batch)."},
    {.code = v1::OP_CODE_DISJOINT_SUBSET_UNION,
     .arity = 2,
     .result = ResultType::kGeometry,
     .kernel = IgnoringEmptyMembers<BinaryConstructive<GEOSUnion_r>>,
     .description = "Shapely's disjoint_subset_union: on GEOS 3.11, which "
                    "has no faster path for it, the union."},
};

}  // namespace

absl::Span<const OpSpec> SetOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
