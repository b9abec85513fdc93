#include "server/ops/internal/guards.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"

namespace geosrpc::ops::internal {

bool HasEmptyMember(GEOSContextHandle_t h, const GEOSGeometry* g) {
  if (GEOSGeomTypeId_r(h, g) < GEOS_MULTIPOINT) return false;
  for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
    const GEOSGeometry* part = GEOSGetGeometryN_r(h, g, i);
    if (GEOSisEmpty_r(h, part) != 0 || HasEmptyMember(h, part)) return true;
  }
  return false;
}

GEOSGeometry* StripEmptyMembers(GEOSContextHandle_t h, const GEOSGeometry* g) {
  const int type = GEOSGeomTypeId_r(h, g);
  if (type < GEOS_MULTIPOINT) return GEOSGeom_clone_r(h, g);
  std::vector<GEOSGeometry*> parts;
  for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
    const GEOSGeometry* part = GEOSGetGeometryN_r(h, g, i);
    if (GEOSisEmpty_r(h, part) == 0) {
      parts.push_back(StripEmptyMembers(h, part));
    }
  }
  return GEOSGeom_createCollection_r(h, type, parts.data(),
                                     static_cast<unsigned>(parts.size()));
}

const GEOSGeometry* WithoutEmptyMembers(geos::Context& c, const GEOSGeometry* g,
                                        geos::GeometryPtr* holder) {
  if (g == nullptr || !HasEmptyMember(c.handle(), g)) return g;
  *holder = c.Own(StripEmptyMembers(c.handle(), g));
  return holder->get();
}

absl::Status CheckGrid(geos::Context& c, const GEOSGeometry* a,
                       const GEOSGeometry* b, double grid) {
  if (!(grid > 0)) return absl::OkStatus();
  const GEOSContextHandle_t h = c.handle();
  double largest = 0;
  for (const GEOSGeometry* g : {a, b}) {
    if (g == nullptr || GEOSisEmpty_r(h, g) != 0) continue;
    for (auto extreme : {GEOSGeom_getXMin_r, GEOSGeom_getXMax_r,
                         GEOSGeom_getYMin_r, GEOSGeom_getYMax_r}) {
      double v = 0;
      if (extreme(h, g, &v) == 1) largest = std::max(largest, std::abs(v));
    }
  }
  if (largest / grid <= kMaxGridCells) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "grid_size ", grid, " is too fine for ordinates up to ", largest,
      " (at most ", kMaxGridCells, " grid cells from the origin)"));
}

absl::Status CheckDensify(geos::Context& c, const Row& r, double densify) {
  if (densify <= 0) return absl::OkStatus();
  const double vertices = (GEOSGetNumCoordinates_r(c.handle(), r.a) +
                           GEOSGetNumCoordinates_r(c.handle(), r.b)) /
                          densify;
  if (vertices <= kMaxDensifiedVertices) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("densify ", densify, " would compare over ",
                   kMaxDensifiedVertices, " vertices"));
}

}  // namespace geosrpc::ops::internal
