// Geodesic measures on the WGS84 ellipsoid, in metres, of GEOS geometries
// whose x is longitude and y latitude in degrees (EPSG:4326 as GIS software
// orders it). Edges are geodesics: the shortest paths on the ellipsoid
// between consecutive vertices, as PostGIS geography (spheroid) and pyproj's
// Geod take them. Computed with PROJ's geodesic routines (geodesic.h,
// Karney's algorithms: accurate to nanometres for distances and lengths).
//
// Coordinates beyond ±90° latitude or ±540° longitude are INVALID_ARGUMENT
// (geodesic.h's domain; a projected geometry passed by mistake fails here
// unless its coordinates happen to be small). Z is ignored.
//
// Thread-safety: pure functions of their arguments (the ellipsoid is
// constant data); the geos::Context must be the calling thread's own.
#ifndef GEOSRPC_SERVER_PROJ_GEODESIC_H_
#define GEOSRPC_SERVER_PROJ_GEODESIC_H_

#include <geos_c.h>

#include <cstdint>

#include "absl/status/statusor.h"
#include "server/geos/context.h"

namespace geosrpc::proj {

// Area in square metres as PostGIS's ST_Area(geography): each polygon's
// exterior ring less its holes, every ring's area taken unsigned (its
// orientation does not matter), summed over the polygons of a
// multipolygon or collection. 0 for points and lines.
absl::StatusOr<double> GeodesicArea(geos::Context& context,
                                    const GEOSGeometry* g);

// Length in metres of the lines of `g` and of the rings of its polygons
// (their perimeter, as GEOS's length and Shapely count it; PostGIS's
// ST_Length(geography) would answer 0 for a polygon). 0 for points.
absl::StatusOr<double> GeodesicLength(geos::Context& context,
                                      const GEOSGeometry* g);

// Minimum distance in metres between `a` and `b`, at least one of them
// puntal (points, multipoints, or collections of them); the other any
// geometry. 0 when a point lies in a polygon of the other. NaN when either
// is empty. INVALID_ARGUMENT when neither is puntal, or when their points
// times the other's vertices pass `max_pairs`.
//
// Method: point to point, geod_inverse (exact). Point to edge: the nearest
// point of the geodesic edge found by iteration (Baselga & Martinez-Llario
// 2017, as Karney suggests): from a foot X on the edge, the geodesic X->P
// is measured and X moves along the edge by the along-track distance a
// sphere would give, until the geodesic X->P meets the edge at a right
// angle (the condition for the exact ellipsoidal minimum) to within 1e-8
// m; the result is the least of that and the two ends. Converges in 2-5
// steps. Edges that cannot be nearer than the best so far are skipped by
// a bound on the straight-line (3D) distance, which never exceeds the
// geodesic one. Inside a polygon: a ray along the point's meridian to the
// north pole, crossing the geodesic edges (the crossing latitude found by
// bisection on the edge); a ring around the north pole (with a vertex at
// +90°) counts with the parity reversed.
absl::StatusOr<double> GeodesicDistance(geos::Context& context,
                                        const GEOSGeometry* a,
                                        const GEOSGeometry* b,
                                        uint64_t max_pairs = 100'000'000);

// The distance in metres from point p to the geodesic segment a-b (degrees),
// by the iteration above. Exposed for tests.
double PointToSegmentDistance(double p_lat, double p_lon, double a_lat,
                              double a_lon, double b_lat, double b_lon);

}  // namespace geosrpc::proj

#endif  // GEOSRPC_SERVER_PROJ_GEODESIC_H_
