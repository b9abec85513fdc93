// Reductions: every row of a reduced to one geometry (union_all,
// intersection_all, symmetric_difference_all, coverage_union, Shapely's
// polygonize and polygonize_full) or its bounds (total_bounds). Their
// reducers are associative: the batch reduces chunk by chunk, then the
// chunks' results. The polygonizing ones collect the rows, and their kernel
// polygonizes the collection.
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
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
  std::vector<geos::GeometryPtr> members;
  members.reserve(inputs.size());
  for (auto& g : inputs) {
    if (HasEmptyMember(c.handle(), g.get())) {
      g = c.Own(StripEmptyMembers(c.handle(), g.get()));
    }
    if (g != nullptr && GEOSisEmpty_r(c.handle(), g.get()) == 0) {
      members.push_back(std::move(g));
    }
  }
  return c.MakeCollection(GEOS_GEOMETRYCOLLECTION, std::move(members));
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

// --- Collects: the rows in order ------------------------------------------
// The reducer gathers its inputs, in order, into a collection it marks as
// its own (GEOS user data); given such a collection again (a chunk's or a
// group's partial result) it takes the members rather than the collection,
// so gathering stays associative. The operation's kernel then makes the
// typed result of the gathered rows.

// The mark: the address matters, not the value.
constexpr char kGathered = 0;

bool Gathered(GEOSContextHandle_t h, const GEOSGeometry* g) {
  return GEOSGeom_getUserData_r(h, g) == &kGathered;
}

absl::StatusOr<geos::GeometryPtr> Gather(geos::Context& c,
                                         std::vector<geos::GeometryPtr> inputs,
                                         const Params&) {
  const GEOSContextHandle_t h = c.handle();
  std::vector<geos::GeometryPtr> members;
  members.reserve(inputs.size());
  for (auto& g : inputs) {
    if (!Gathered(h, g.get())) {
      members.push_back(std::move(g));
      continue;
    }
    for (int i = 0, n = GEOSGetNumGeometries_r(h, g.get()); i < n; ++i) {
      GEOSGeometry* m = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, g.get(), i));
      if (m == nullptr) return GeosFailure(c);
      members.push_back(c.Own(m));
    }
  }
  ASSIGN_OR_RETURN(
      geos::GeometryPtr all,
      c.MakeCollection(GEOS_GEOMETRYCOLLECTION, std::move(members)));
  GEOSGeom_setUserData_r(h, all.get(), const_cast<char*>(&kGathered));
  return all;
}

// The gathered rows (r.a) as one multi geometry of `Type`'s parts: rows of
// the part type; empty rows left out; any other row fails the collect,
// named by its position among the rows.
template <int Type, int Part>
absl::Status CollectMulti(geos::Context& c, const Row& r, const Params&,
                          Value* out) {
  const GEOSContextHandle_t h = c.handle();
  std::vector<geos::GeometryPtr> parts;
  for (int i = 0, n = GEOSGetNumGeometries_r(h, r.a); i < n; ++i) {
    const GEOSGeometry* m = GEOSGetGeometryN_r(h, r.a, i);
    if (GEOSGeomTypeId_r(h, m) != Part) {
      const char* names[] = {"multipoints: row ", "multilinestrings: row ",
                             "multipolygons: row "};
      return absl::InvalidArgumentError(absl::StrCat(
          names[Type - GEOS_MULTIPOINT], i, " of the collected rows is a ",
          TypeName(c, m), ", not a ",
          Part == GEOS_POINT        ? "Point"
          : Part == GEOS_LINESTRING ? "LineString"
                                    : "Polygon"));
    }
    if (GEOSisEmpty_r(h, m) != 0) continue;
    GEOSGeometry* clone = GEOSGeom_clone_r(h, m);
    if (clone == nullptr) return GeosFailure(c);
    parts.push_back(c.Own(clone));
  }
  ASSIGN_OR_RETURN(out->geometry, c.MakeCollection(Type, std::move(parts)));
  return absl::OkStatus();
}

// Every gathered row, empty or not, as a geometry collection.
absl::Status CollectCollection(geos::Context& c, const Row& r, const Params&,
                               Value* out) {
  return SetGeometry(c, GEOSGeom_clone_r(c.handle(), r.a), out);
}

// PostGIS's ST_Collect: the multi type when every row is a point (line,
// polygon), else a geometry collection.
absl::Status Collect(geos::Context& c, const Row& r, const Params& p,
                     Value* out) {
  const GEOSContextHandle_t h = c.handle();
  int shared = -1;
  for (int i = 0, n = GEOSGetNumGeometries_r(h, r.a); i < n; ++i) {
    const int type = GEOSGeomTypeId_r(h, GEOSGetGeometryN_r(h, r.a, i));
    shared = shared == -1 || shared == type ? type : -2;
  }
  switch (shared) {
    case GEOS_POINT:
      return CollectMulti<GEOS_MULTIPOINT, GEOS_POINT>(c, r, p, out);
    case GEOS_LINESTRING:
      return CollectMulti<GEOS_MULTILINESTRING, GEOS_LINESTRING>(c, r, p, out);
    case GEOS_POLYGON:
      return CollectMulti<GEOS_MULTIPOLYGON, GEOS_POLYGON>(c, r, p, out);
    default:
      return CollectCollection(c, r, p, out);
  }
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
    {.code = v1::OP_CODE_MULTIPOINTS,
     .result = ResultType::kGeometry,
     .kernel = CollectMulti<GEOS_MULTIPOINT, GEOS_POINT>,
     .description =
         "The points of a, in row order, as one MULTIPOINT (per group with "
         "group_keys: Shapely's multipoints with indices); empty points are "
         "left out, other types fail the collect.",
     .reducer = Gather,
     .keeps_order = true},
    {.code = v1::OP_CODE_MULTILINESTRINGS,
     .result = ResultType::kGeometry,
     .kernel = CollectMulti<GEOS_MULTILINESTRING, GEOS_LINESTRING>,
     .description = "The line strings of a, in row order, as one "
                    "MULTILINESTRING (Shapely's multilinestrings), as "
                    "multipoints.",
     .reducer = Gather,
     .keeps_order = true},
    {.code = v1::OP_CODE_MULTIPOLYGONS,
     .result = ResultType::kGeometry,
     .kernel = CollectMulti<GEOS_MULTIPOLYGON, GEOS_POLYGON>,
     .description = "The polygons of a, in row order, as one MULTIPOLYGON "
                    "(Shapely's multipolygons), as multipoints.",
     .reducer = Gather,
     .keeps_order = true},
    {.code = v1::OP_CODE_GEOMETRYCOLLECTIONS,
     .result = ResultType::kGeometry,
     .kernel = CollectCollection,
     .description = "Every row of a, in row order, empty or not, as one "
                    "GEOMETRYCOLLECTION (Shapely's geometrycollections).",
     .reducer = Gather,
     .keeps_order = true},
    {.code = v1::OP_CODE_COLLECT,
     .result = ResultType::kGeometry,
     .kernel = Collect,
     .description =
         "PostGIS's ST_Collect: the rows of a, in row order, as a MULTIPOINT, "
         "MULTILINESTRING or MULTIPOLYGON when they are all points, lines or "
         "polygons (empty ones left out), else as a GEOMETRYCOLLECTION.",
     .reducer = Gather,
     .keeps_order = true},
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
