// geos::AreaLocator: where a point lies in a prepared polygonal geometry
// (interior, boundary or exterior), asked of the preparation's own indexed
// point-in-area locator without making the point a GEOS geometry.
//
// It answers exactly as the prepared predicates do for a single point: GEOS
// 3.11's PreparedPolygon decides intersects, contains and covers of a point
// with this same locator (and its rectangle shortcut agrees with it). It
// saves, per point and candidate, building and freeing a GEOS point and the
// prepared predicate's generic preamble (callgrind, points against the
// countries: 13% of the instructions per point). GEOS has no C function
// for it, so this is the one place that uses GEOS's C++ API (stable within
// 3.11, which CMakeLists.txt requires).
//
// Thread-safety: as the prepared geometry's. GEOS builds the locator and its
// index on first use, so an AreaLocator belongs to the thread (worker) that
// owns the preparation, and lives no longer than it.
#ifndef GEOSRPC_SERVER_GEOS_AREA_LOCATOR_H_
#define GEOSRPC_SERVER_GEOS_AREA_LOCATOR_H_

#include <geos_c.h>

#include <optional>

namespace geosrpc::geos {

enum class PointLocation { kInterior, kBoundary, kExterior };

class AreaLocator {
 public:
  // The locator of `prepared`, the preparation of `g`, when `g` is a
  // non-empty Polygon or MultiPolygon (GEOS prepares those as polygons);
  // nullopt otherwise, and if GEOS fails.
  static std::optional<AreaLocator> Of(GEOSContextHandle_t handle,
                                       const GEOSGeometry* g,
                                       const GEOSPreparedGeometry* prepared);

  // Where (x, y) lies; x and y finite. nullopt if GEOS fails.
  std::optional<PointLocation> Locate(double x, double y) const;

 private:
  explicit AreaLocator(void* locator) : locator_(locator) {}

  void* locator_;  // A geos::algorithm::locate::PointOnGeometryLocator.
};

}  // namespace geosrpc::geos

#endif  // GEOSRPC_SERVER_GEOS_AREA_LOCATOR_H_
