// Reductions: every row of a reduced to one geometry (union_all,
// intersection_all, symmetric_difference_all, coverage_union, Shapely's
// polygonize and polygonize_full) or its bounds (total_bounds). Their
// reducers are associative: the batch reduces chunk by chunk, then the
// chunks' results. The polygonizing ones collect the rows, and their kernel
// polygonizes the collection.
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/guards.h"
#include "server/ops/internal/kernels.h"

namespace geosrpc::ops::internal {
namespace {

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
  if (!collection) return GeosFailure(c);
  for (auto& g : inputs) g.release();  // Now owned by the collection.
  return collection;
}

absl::StatusOr<geos::GeometryPtr> Owned(geos::Context& c, GEOSGeometry* g) {
  if (g == nullptr) return GeosFailure(c);
  return c.Own(g);
}

absl::StatusOr<geos::GeometryPtr> UnionAll(
    geos::Context& c, std::vector<geos::GeometryPtr> inputs, const Params& p) {
  ASSIGN_OR_RETURN(geos::GeometryPtr all, Collect(c, std::move(inputs)));
  const double grid = p.number(kGridSize);
  RETURN_IF_ERROR(CheckGrid(c, all.get(), nullptr, grid));
  return Owned(c, grid > 0 ? GEOSUnaryUnionPrec_r(c.handle(), all.get(), grid)
                           : GEOSUnaryUnion_r(c.handle(), all.get()));
}

// Shapely's disjoint_subset_union_all: GEOS 3.12's faster path for
// subsets with disjoint interiors; on GEOS 3.11 the plain union, which
// answers the same. It takes no grid.
absl::StatusOr<geos::GeometryPtr> DisjointSubsetUnionAll(
    geos::Context& c, std::vector<geos::GeometryPtr> inputs, const Params&) {
  ASSIGN_OR_RETURN(geos::GeometryPtr all, Collect(c, std::move(inputs)));
  return Owned(c, GEOSUnaryUnion_r(c.handle(), all.get()));
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
  RETURN_IF_ERROR(CheckGrid(c, acc.get(), nullptr, grid));
  for (size_t i = 1; i < inputs.size(); ++i) {
    const GEOSGeometry* next = inputs[i].get();
    RETURN_IF_ERROR(CheckGrid(c, next, nullptr, grid));
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

// The envelope of every input (Shapely's total_bounds); the chunk builder
// writes it as xmin, ymin, xmax, ymax. Envelopes of envelopes are the
// envelope of all, so chunks reduce apart.
absl::StatusOr<geos::GeometryPtr> TotalBounds(
    geos::Context& c, std::vector<geos::GeometryPtr> inputs, const Params&) {
  ASSIGN_OR_RETURN(geos::GeometryPtr all, Collect(c, std::move(inputs)));
  return Owned(c, GEOSEnvelope_r(c.handle(), all.get()));
}

// Every row in one collection (of the chunks' collections, at the end), for
// a kernel to take as one geometry.
absl::StatusOr<geos::GeometryPtr> CollectAll(
    geos::Context& c, std::vector<geos::GeometryPtr> inputs, const Params&) {
  return Collect(c, std::move(inputs));
}

// A reduction has a reducer, and a row kernel only to finish its result.
constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_UNION_ALL,
     .result = ResultType::kGeometry,
     .params_field = "overlay",
     .params = kOverlayParams,
     .description = "The union of every row of a: one geometry.",
     .reducer = UnionAll},
    {.code = v1::OP_CODE_INTERSECTION_ALL,
     .result = ResultType::kGeometry,
     .params_field = "overlay",
     .params = kOverlayParams,
     .description = "The intersection of every row of a: one geometry.",
     .reducer = Fold<GEOSIntersection_r, GEOSIntersectionPrec_r>},
    {.code = v1::OP_CODE_COVERAGE_UNION,
     .result = ResultType::kGeometry,
     .description = "The union of polygon rows that form a coverage (edges "
                    "match exactly, interiors disjoint): fast, and wrong for "
                    "other input.",
     .reducer = CoverageUnion},
    {.code = v1::OP_CODE_SYMMETRIC_DIFFERENCE_ALL,
     .result = ResultType::kGeometry,
     .params_field = "overlay",
     .params = kOverlayParams,
     .description =
         "The points in an odd number of the rows of a: one geometry.",
     .reducer = Fold<GEOSSymDifference_r, GEOSSymDifferencePrec_r>},
    {.code = v1::OP_CODE_TOTAL_BOUNDS,
     .result = ResultType::kDouble,
     .description = "xmin, ymin, xmax, ymax of every row of a together: four "
                    "values (NaN when all are empty).",
     .values_per_row = 4,
     .reducer = TotalBounds},
    {.code = v1::OP_CODE_POLYGONIZE_ALL,
     .result = ResultType::kGeometry,
     .kernel = Polygonize,
     .description = "The polygons formed by the linework of every row of a, "
                    "as one collection (Shapely's polygonize; polygonize "
                    "works row by row).",
     .reducer = CollectAll},
    {.code = v1::OP_CODE_POLYGONIZE_FULL_ALL,
     .result = ResultType::kGeometry,
     .kernel = PolygonizeFull,
     .description = "Shapely's polygonize_full of every row of a: one "
                    "GEOMETRYCOLLECTION of four collections (polygons, cut "
                    "edges, dangles, invalid rings).",
     .reducer = CollectAll},
    {.code = v1::OP_CODE_COVERAGE_UNION_ALL,
     .result = ResultType::kGeometry,
     .description = "Alias of coverage_union (Shapely's coverage_union_all).",
     .reducer = CoverageUnion},
    {.code = v1::OP_CODE_DISJOINT_SUBSET_UNION_ALL,
     .result = ResultType::kGeometry,
     .description = "Shapely's disjoint_subset_union_all: on GEOS 3.11, "
                    "which has no faster path for it, union_all.",
     .reducer = DisjointSubsetUnionAll},
};

}  // namespace

absl::Span<const OpSpec> ReductionOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
