#include "server/ops/internal/guards.h"

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
