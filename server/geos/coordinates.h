// Reading a geometry's coordinates out of GEOS in bulk.
//
// Thread-safety: pure functions of their arguments; `handle` must be the
// calling thread's own context.
#ifndef GEOSRPC_SERVER_GEOS_COORDINATES_H_
#define GEOSRPC_SERVER_GEOS_COORDINATES_H_

#include <geos_c.h>

#include <vector>

namespace geosrpc::geos {

// Appends every coordinate of `g` to `out` in Shapely's get_coordinates
// order (a polygon's exterior ring, then its holes; collections member by
// member): x, y and, with `include_z`, z (NaN for 2D coordinates). False if
// GEOS failed, with its message recorded by the context.
bool AppendCoordinates(GEOSContextHandle_t handle, const GEOSGeometry* g,
                       bool include_z, std::vector<double>* out);

}  // namespace geosrpc::geos

#endif  // GEOSRPC_SERVER_GEOS_COORDINATES_H_
