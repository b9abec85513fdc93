// Guards around GEOS 3.11.1's failures: on collections with empty members,
// and on densifying without bound. The kernels wrap GEOS calls in them; the
// reductions and Preparable use the empty-member test.
//
// Thread-safety: stateless; each call uses only the caller's context.
#ifndef GEOSRPC_SERVER_OPS_INTERNAL_GUARDS_H_
#define GEOSRPC_SERVER_OPS_INTERNAL_GUARDS_H_

#include <geos_c.h>

#include "absl/status/status.h"
#include "server/geos/context.h"
#include "server/geos/handles.h"
#include "server/ops/internal/kernels.h"
#include "server/ops/operations.h"

namespace geosrpc::ops::internal {

// GEOS 3.11.1 crashes on collections with empty members in many
// operations: union and node (GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING
// (...))), distance and Hausdorff distance, densify, point on surface,
// interpolate and locate along MULTILINESTRING (EMPTY, (...)), shared paths,
// nearest points. Empty members add no points, so the geometry without them
// answers the same.
bool HasEmptyMember(GEOSContextHandle_t h, const GEOSGeometry* g);

// A copy of `g` less its empty members, at every level.
GEOSGeometry* StripEmptyMembers(GEOSContextHandle_t h, const GEOSGeometry* g);

// `g` if it has no empty members, else its stripped copy (held in
// `*holder`).
const GEOSGeometry* WithoutEmptyMembers(geos::Context& c, const GEOSGeometry* g,
                                        geos::GeometryPtr* holder);

// Kernel K on the row's operands without their empty members.
template <Kernel K>
absl::Status IgnoringEmptyMembers(geos::Context& c, const Row& r,
                                  const Params& p, Value* out) {
  geos::GeometryPtr a_holder, b_holder;
  Row row = r;
  row.a = WithoutEmptyMembers(c, r.a, &a_holder);
  row.b = WithoutEmptyMembers(c, r.b, &b_holder);
  if (row.a == nullptr || (r.b != nullptr && row.b == nullptr)) {
    return GeosFailure(c);
  }
  return K(c, row, p, out);
}

// Snap-rounding to a grid (grid_size in set_precision, the overlays and
// the reductions) scales ordinates by 1 / grid_size. Once they or their
// products overflow, GEOS 3.11.1 throws ("orientationIndex encountered
// NaN/Inf numbers") and its SnapRoundingNoder leaks what it had allocated
// (found by fuzz/compute_fuzzer with grid_size 5e-324). A grid finer than
// an ordinate / kMaxGridCells is far below a double's resolution anyway.
inline constexpr double kMaxGridCells = 1e150;

// Buffer and offset distances: GEOS 3.11.1's buffer overflows, and crashes
// in its fixed-precision retry, for distances near the largest double
// (LINESTRING (0 0, 1 1, 2 0) buffered by 1e308). Far beyond any real use.
inline constexpr double kMaxOffsetDistance = 1e300;

// INVALID_ARGUMENT when `grid` (> 0; 0 means no grid) is finer than the
// largest ordinate of `a` or `b` (either may be null) / kMaxGridCells.
absl::Status CheckGrid(geos::Context& c, const GEOSGeometry* a,
                       const GEOSGeometry* b, double grid);

// Densifying multiplies vertices: refuse a row that would exceed this
// rather than exhaust memory or stall a worker.
inline constexpr double kMaxDensifiedVertices = 10'000'000;

// Operations that multiply vertices (subdivide, split) refuse a row whose
// result would exceed this, the decoders' limit on a row.
inline constexpr double kMaxResultVertices = 10'000'000;

// RESOURCE_EXHAUSTED when densifying a and b by `densify` (the fraction of
// a segment each piece is; 0 means none) would exceed kMaxDensifiedVertices.
absl::Status CheckDensify(geos::Context& c, const Row& r, double densify);

}  // namespace geosrpc::ops::internal

#endif  // GEOSRPC_SERVER_OPS_INTERNAL_GUARDS_H_
