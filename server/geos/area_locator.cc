#include "server/geos/area_locator.h"

#include <geos/algorithm/locate/PointOnGeometryLocator.h>
#include <geos/geom/Coordinate.h>
#include <geos/geom/Location.h>
#include <geos/geom/prep/PreparedPolygon.h>

#include <exception>

namespace geosrpc::geos {
namespace {

using ::geos::algorithm::locate::PointOnGeometryLocator;

}  // namespace

std::optional<AreaLocator> AreaLocator::Of(
    GEOSContextHandle_t handle, const GEOSGeometry* g,
    const GEOSPreparedGeometry* prepared) {
  if (g == nullptr || prepared == nullptr) return std::nullopt;
  const int type = GEOSGeomTypeId_r(handle, g);
  if ((type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) ||
      GEOSisEmpty_r(handle, g) != 0) {
    return std::nullopt;
  }
  // GEOSPreparedGeometry is the C API's name for the C++ PreparedGeometry,
  // and GEOSPrepare_r makes a PreparedPolygon of any polygonal geometry.
  const auto* polygon =
      dynamic_cast<const ::geos::geom::prep::PreparedPolygon*>(
          reinterpret_cast<const ::geos::geom::prep::PreparedGeometry*>(
              prepared));
  if (polygon == nullptr) return std::nullopt;
  try {
    PointOnGeometryLocator* locator = polygon->getPointLocator();
    if (locator == nullptr) return std::nullopt;
    return AreaLocator(locator);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<PointLocation> AreaLocator::Locate(double x, double y) const {
  const ::geos::geom::Coordinate point(x, y);
  try {
    switch (static_cast<PointOnGeometryLocator*>(locator_)->locate(&point)) {
      case ::geos::geom::Location::INTERIOR:
        return PointLocation::kInterior;
      case ::geos::geom::Location::BOUNDARY:
        return PointLocation::kBoundary;
      case ::geos::geom::Location::EXTERIOR:
        return PointLocation::kExterior;
      default:
        return std::nullopt;
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace geosrpc::geos
