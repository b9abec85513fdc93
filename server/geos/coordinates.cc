#include "server/geos/coordinates.h"

#include <limits>

namespace geosrpc::geos {

bool AppendCoordinates(GEOSContextHandle_t h, const GEOSGeometry* g,
                       bool include_z, std::vector<double>* out) {
  if (GEOSisEmpty_r(h, g) != 0) return true;
  const int type = GEOSGeomTypeId_r(h, g);
  if (type == GEOS_POLYGON) {
    if (!AppendCoordinates(h, GEOSGetExteriorRing_r(h, g), include_z, out)) {
      return false;
    }
    for (int i = 0, n = GEOSGetNumInteriorRings_r(h, g); i < n; ++i) {
      if (!AppendCoordinates(h, GEOSGetInteriorRingN_r(h, g, i), include_z,
                             out)) {
        return false;
      }
    }
    return true;
  }
  if (type >= GEOS_MULTIPOINT) {
    for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
      if (!AppendCoordinates(h, GEOSGetGeometryN_r(h, g, i), include_z, out)) {
        return false;
      }
    }
    return true;
  }
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, g);
  unsigned size = 0, dims = 0;
  if (seq == nullptr || GEOSCoordSeq_getSize_r(h, seq, &size) == 0 ||
      GEOSCoordSeq_getDimensions_r(h, seq, &dims) == 0) {
    return false;
  }
  const size_t at = out->size();
  out->resize(at + size * (include_z ? 3 : 2),
              std::numeric_limits<double>::quiet_NaN());
  if (size == 0) return true;
  const bool has_z = dims >= 3;
  if (!include_z || has_z) {
    return GEOSCoordSeq_copyToBuffer_r(h, seq, out->data() + at,
                                       include_z ? 1 : 0, 0) != 0;
  }
  // 2D coordinates as (x, y, NaN).
  std::vector<double> xy(size * 2);
  if (GEOSCoordSeq_copyToBuffer_r(h, seq, xy.data(), 0, 0) == 0) return false;
  for (unsigned i = 0; i < size; ++i) {
    (*out)[at + 3 * i] = xy[2 * i];
    (*out)[at + 3 * i + 1] = xy[2 * i + 1];
  }
  return true;
}

}  // namespace geosrpc::geos
