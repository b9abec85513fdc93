// Coordinate rewriting, for the operations GEOS 3.11 has no call for
// (force_2d/3d, the affine family, snap_to_grid, as_mvt_geom): a geometry
// rebuilt with each of its coordinate sequences copied out, passed through a
// function, and copied back; and the sequence rewrites those operations
// share, ported from PostGIS (snapping to a grid, dropping collinear
// vertices).
//
// GEOS 3.11's GEOSGeom_transformXY_r would serve 2D affine maps, but its
// callback sees x and y only, and a 3D affine map needs z too: one walker
// serves every rewrite. No state outlives a call, so there are no globals
// to share between workers.
//
// Thread-safety: stateless; each call uses only the caller's context.
#ifndef GEOSRPC_SERVER_OPS_INTERNAL_REWRITE_H_
#define GEOSRPC_SERVER_OPS_INTERNAL_REWRITE_H_

#include <geos_c.h>

#include <cstddef>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/geos/context.h"
#include "server/geos/handles.h"

namespace geosrpc::ops::internal {

// Results whose ordinates exceed this are refused, as input beyond it is
// (batch::GeometryLimits::max_abs_coordinate): GEOS overflows and crashes
// near the top of the double range.
inline constexpr double kMaxAbsCoordinate = 1e150;

// One coordinate sequence out of GEOS: `dims` (2 or 3) doubles per point.
struct Coords {
  int dims = 2;
  std::vector<double> v;

  size_t size() const { return v.size() / dims; }
  double* at(size_t i) { return v.data() + i * dims; }
  const double* at(size_t i) const { return v.data() + i * dims; }
  // Drops points from `n` on.
  void Truncate(size_t n) { v.resize(n * dims); }
};

// The sequence of a point, line or ring, copied out: x, y and, where the
// sequence has three dimensions, z.
absl::StatusOr<Coords> CopyCoords(geos::Context& c, const GEOSGeometry* g);

// A new point, line or ring of `type` (GEOS_POINT, GEOS_LINESTRING,
// GEOS_LINEARRING) from `coords`, with their dimensions also when empty.
// OUT_OF_RANGE as RewriteCoordinates. A ring must be closed (else GEOS's
// error); GEOS 3.11 does not refuse one of fewer than 4 points.
absl::StatusOr<geos::GeometryPtr> CreateFromCoords(geos::Context& c, int type,
                                                   const Coords& coords);

// What a sequence is in its geometry.
enum class Part { kPoint, kLine, kShell, kHole };

// Rewrites one part's coordinates in place: it may change their number
// and `dims`. Setting `*keep` to false drops the part: a hole or a
// collection member is left out, a dropped shell empties its polygon, a
// dropped point or line is empty. A line must keep 0 or 2+ points, a ring
// 0 or 4+, closed (else GEOS's error is the row's).
using CoordsFn =
    absl::FunctionRef<absl::Status(Part part, Coords& coords, bool* keep)>;

struct RewriteOptions {
  // Leave out members of collections that end up empty (PostGIS's grid
  // and simplification do; empty members already there go too).
  bool drop_empty_members = false;
};

// `g` rebuilt with every coordinate sequence through `fn`, same types,
// same SRID. OUT_OF_RANGE if an ordinate comes out non-finite or beyond
// kMaxAbsCoordinate; `fn`'s own errors as they are.
absl::StatusOr<geos::GeometryPtr> RewriteCoordinates(
    geos::Context& c, const GEOSGeometry* g, CoordsFn fn,
    const RewriteOptions& options = {});

// Polygons' rings (inside collections too) oriented: exterior rings
// counter-clockwise and interior ones clockwise, or with `exterior_cw` the
// opposite. A ring's orientation is GEOS's is_ccw (false under 4 points),
// reversed where it disagrees, as Shapely 2.1 does on GEOS 3.11; other
// parts unchanged.
absl::StatusOr<geos::GeometryPtr> OrientRings(geos::Context& c,
                                              const GEOSGeometry* g,
                                              bool exterior_cw);

// PostGIS's gridspec: x and y rounded to the nearest multiple of their
// size from the origin (a size of 0 leaves that ordinate alone).
struct Grid {
  double origin_x = 0;
  double origin_y = 0;
  double size_x = 0;
  double size_y = 0;
};

// PostGIS's ptarray_grid_in_place: snaps x and y to `grid` (rint, ties to
// even) and drops each point equal to the one before it (z included).
void SnapToGrid(const Grid& grid, Coords& coords);

// PostGIS's ptarray_simplify_in_place with a tolerance of 0: drops
// vertices lying exactly on the segment between their kept neighbours,
// keeping the first and last, and at least `min_points` when the
// sequence has more.
void DropCollinear(Coords& coords, size_t min_points);

}  // namespace geosrpc::ops::internal

#endif  // GEOSRPC_SERVER_OPS_INTERNAL_REWRITE_H_
