// The operation families. Each family's file defines its kernels and, beside
// them, its entries of the operation table, as constexpr data; table.cc
// assembles the families into the table (table.h).
//
//   measures.cc            area, distances, bounds, ...       double
//   predicates.cc          intersects, ..., is_valid, relate  bool, text
//   constructive.cc        buffer, hulls, simplify, ...       geometry
//   linear_referencing.cc  line_locate_point, shortest_line   double, geometry
//   set_operations.cc      intersection, ..., unary_union     geometry
//   reductions.cc          union_all, ..., coverage_union     one geometry
//   accessors.cc           get_x, get_parts, ...              int, ..., parts
//   output.cc              to_wkt, to_wkb, to_geojson         bytes
//   crs.cc                 transform, geodesic_area, ...      geometry, double
//   transforms.cc          force_2d, affine, as_mvt_geom      geometry
//   pieces.cc              subdivide, split                   parts, geometry
//
// Adding an operation:
//   1. Its OpCode in proto/geosrpc/v1/geometry_service.proto (and, if it
//      takes parameters, its params message in Operation.params).
//   2. Its kernel in its family's file: usually one line over an adapter of
//      kernels.h (UnaryMeasure<GEOSArea_r>), wrapped in a guard of guards.h
//      where GEOS 3.11.1 needs one.
//   3. Its parameters, if any: a constexpr ParamSpec list beside the kernel,
//      and ParamIndex constants for the kernel to read them by.
//   4. Its entry in the family's kOperations, naming its fields. Its name
//      comes from its OpCode; the table's position, from its OpCode too.
//   5. Its direct GEOS call in tests/testing/reference.cc, which
//      EveryOperationTest compares the service against, and, when it needs
//      parameters, its case in AllOpCases (tests/service/service_test.cc).
//   6. `make docs` regenerates docs/operations.md.
// OperationTable::Create refuses a table where an OpCode has no entry or two,
// so a missing step 4 stops the server at start, and the tests, rather than
// failing requests.
//
// Thread-safety: the entries are constant data; kernels are stateless, each
// call using only the caller's context.
#ifndef GEOSRPC_SERVER_OPS_INTERNAL_FAMILIES_H_
#define GEOSRPC_SERVER_OPS_INTERNAL_FAMILIES_H_

#include "absl/types/span.h"
#include "server/ops/operations.h"
#include "server/ops/params.h"

namespace geosrpc::ops::internal {

absl::Span<const OpSpec> MeasureOperations();
absl::Span<const OpSpec> PredicateOperations();
absl::Span<const OpSpec> ConstructiveOperations();
absl::Span<const OpSpec> LinearReferencingOperations();
absl::Span<const OpSpec> SetOperations();
absl::Span<const OpSpec> ReductionOperations();
absl::Span<const OpSpec> AccessorOperations();
absl::Span<const OpSpec> OutputOperations();
absl::Span<const OpSpec> CrsOperations();
absl::Span<const OpSpec> TransformOperations();
absl::Span<const OpSpec> PieceOperations();

// Row kernels the reductions also run on the batch's collected rows
// (constructive.cc): polygonize, and polygonize_full's collection of four.
absl::Status Polygonize(geos::Context& c, const Row& r, const Params& p,
                        Value* out);
absl::Status PolygonizeFull(geos::Context& c, const Row& r, const Params& p,
                            Value* out);

// OverlayParams, read by the set operations and the reductions alike.
inline constexpr ParamSpec kOverlayParams[] = {
    {.name = "grid_size",
     .type = ParamType::kDouble,
     .min = 0,
     .max = kInf,
     .description = "Snap-rounding grid; 0 is full floating precision."},
};
// A grid size of 0 is full floating precision.
inline constexpr int kGridSize = ParamIndex(kOverlayParams, "grid_size");

}  // namespace geosrpc::ops::internal

#endif  // GEOSRPC_SERVER_OPS_INTERNAL_FAMILIES_H_
