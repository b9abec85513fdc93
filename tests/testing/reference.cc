#include "tests/testing/reference.h"

#include <cmath>

namespace geosrpc::testing {
namespace {

Expected Predicate(char r) {
  Expected e;
  e.ok = r == 0 || r == 1;
  e.flag = r == 1;
  return e;
}

// `fn` writes its result through the pointer; called here so the value is
// read only after the call.
template <typename Fn>
Expected Measure(Fn fn) {
  Expected e;
  e.ok = fn(&e.number) == 1;
  return e;
}

Expected Count(int n) {
  Expected e;
  e.ok = n >= 0;
  e.integer = n;
  return e;
}

Expected Geometry(geos::Context& c, GEOSGeometry* g) {
  Expected e;
  if (g == nullptr) return e;
  geos::GeometryPtr owned = c.Own(g);
  e.ok = c.WriteWkb(g, {}, &e.bytes).ok();
  return e;
}

}  // namespace

Expected Reference(geos::Context& c, const v1::Operation& op,
                   const GEOSGeometry* a, const GEOSGeometry* b) {
  GEOSContextHandle_t h = c.handle();
  switch (op.op()) {
    case v1::AREA:
      return Measure([&](double* d) { return GEOSArea_r(h, a, d); });
    case v1::LENGTH:
      return Measure([&](double* d) { return GEOSLength_r(h, a, d); });
    case v1::DISTANCE:
      return Measure([&](double* d) { return GEOSDistance_r(h, a, b, d); });
    case v1::HAUSDORFF_DISTANCE:
      return Measure(
          [&](double* d) { return GEOSHausdorffDistance_r(h, a, b, d); });
    case v1::FRECHET_DISTANCE:
      // GEOS 3.11.1 crashes on empty input; the contract is NaN.
      if (GEOSisEmpty_r(h, a) || GEOSisEmpty_r(h, b)) {
        Expected e;
        e.ok = true;
        e.number = std::nan("");
        return e;
      }
      return Measure(
          [&](double* d) { return GEOSFrechetDistance_r(h, a, b, d); });
    case v1::MINIMUM_CLEARANCE:
      return Measure([&](double* d) { return GEOSMinimumClearance_r(h, a, d); });
    case v1::CROSSES:
      return Predicate(GEOSCrosses_r(h, a, b));
    case v1::DISJOINT:
      return Predicate(GEOSDisjoint_r(h, a, b));
    case v1::EQUALS:
      return Predicate(GEOSEquals_r(h, a, b));
    case v1::OVERLAPS:
      return Predicate(GEOSOverlaps_r(h, a, b));
    case v1::COVERED_BY:
      return Predicate(GEOSCoveredBy_r(h, a, b));
    case v1::IS_EMPTY:
      return Predicate(GEOSisEmpty_r(h, a));
    case v1::IS_SIMPLE:
      return Predicate(GEOSisSimple_r(h, a));
    case v1::IS_RING:
      return Predicate(GEOSisRing_r(h, a));
    case v1::IS_CLOSED:
      return Predicate(GEOSisClosed_r(h, a));
    case v1::HAS_Z:
      return Predicate(GEOSHasZ_r(h, a));
    case v1::BOUNDARY:
      return Geometry(c, GEOSBoundary_r(h, a));
    case v1::POINT_ON_SURFACE:
      return Geometry(c, GEOSPointOnSurface_r(h, a));
    case v1::REVERSE:
      return Geometry(c, GEOSReverse_r(h, a));
    case v1::EXTRACT_UNIQUE_POINTS:
      return Geometry(c, GEOSGeom_extractUniquePoints_r(h, a));
    case v1::ORIENTED_ENVELOPE:
      return Geometry(c, GEOSMinimumRotatedRectangle_r(h, a));
    case v1::MINIMUM_CLEARANCE_LINE:
      return Geometry(c, GEOSMinimumClearanceLine_r(h, a));
    case v1::BUILD_AREA:
      return Geometry(c, GEOSBuildArea_r(h, a));
    case v1::NODE:
      return Geometry(c, GEOSNode_r(h, a));
    case v1::LINE_MERGE:
      return Geometry(c, GEOSLineMerge_r(h, a));
    case v1::GET_NUM_GEOMETRIES:
      return Count(GEOSGetNumGeometries_r(h, a));
    case v1::GET_NUM_COORDINATES:
      return Count(GEOSGetNumCoordinates_r(h, a));
    case v1::INTERSECTS:
      return Predicate(GEOSIntersects_r(h, a, b));
    case v1::CONTAINS:
      return Predicate(GEOSContains_r(h, a, b));
    case v1::WITHIN:
      return Predicate(GEOSWithin_r(h, a, b));
    case v1::COVERS:
      return Predicate(GEOSCovers_r(h, a, b));
    case v1::TOUCHES:
      return Predicate(GEOSTouches_r(h, a, b));
    case v1::DWITHIN:
      return Predicate(
          GEOSDistanceWithin_r(h, a, b, op.distance().distance()));
    case v1::IS_VALID:
      return Predicate(GEOSisValid_r(h, a));
    case v1::BUFFER: {
      const auto& p = op.buffer();
      return Geometry(
          c, GEOSBufferWithStyle_r(h, a, p.radius(),
                                   p.has_quadsegs() ? p.quadsegs() : 8,
                                   GEOSBUF_CAP_ROUND + p.cap_style(),
                                   GEOSBUF_JOIN_ROUND + p.join_style(),
                                   p.has_mitre_limit() ? p.mitre_limit() : 5));
    }
    case v1::CENTROID:
      return Geometry(c, GEOSGetCentroid_r(h, a));
    case v1::ENVELOPE:
      return Geometry(c, GEOSEnvelope_r(h, a));
    case v1::CONVEX_HULL:
      return Geometry(c, GEOSConvexHull_r(h, a));
    case v1::SIMPLIFY: {
      const auto& p = op.simplify();
      const bool preserve = !p.has_preserve_topology() || p.preserve_topology();
      return Geometry(c, preserve ? GEOSTopologyPreserveSimplify_r(
                                        h, a, p.tolerance())
                                  : GEOSSimplify_r(h, a, p.tolerance()));
    }
    case v1::MAKE_VALID:
      if (op.make_valid().method() == 0) {
        return Geometry(c, GEOSMakeValid_r(h, a));
      } else {
        GEOSMakeValidParams* p = GEOSMakeValidParams_create_r(h);
        GEOSMakeValidParams_setMethod_r(h, p, GEOS_MAKE_VALID_STRUCTURE);
        GEOSMakeValidParams_setKeepCollapsed_r(
            h, p,
            !op.make_valid().has_keep_collapsed() ||
                op.make_valid().keep_collapsed());
        Expected e = Geometry(c, GEOSMakeValidWithParams_r(h, a, p));
        GEOSMakeValidParams_destroy_r(h, p);
        return e;
      }
    case v1::INTERSECTION:
      return Geometry(c, GEOSIntersection_r(h, a, b));
    case v1::UNION:
      return Geometry(c, GEOSUnion_r(h, a, b));
    case v1::DIFFERENCE:
      return Geometry(c, GEOSDifference_r(h, a, b));
    case v1::SYMMETRIC_DIFFERENCE:
      return Geometry(c, GEOSSymDifference_r(h, a, b));
    case v1::TO_WKT: {
      GEOSWKTWriter* w = GEOSWKTWriter_create_r(h);
      GEOSWKTWriter_setTrim_r(h, w, 1);
      GEOSWKTWriter_setOutputDimension_r(h, w, 3);
      if (op.wkt().has_rounding_precision()) {
        GEOSWKTWriter_setRoundingPrecision_r(h, w,
                                             op.wkt().rounding_precision());
      }
      char* text = GEOSWKTWriter_write_r(h, w, a);
      Expected e;
      e.ok = text != nullptr;
      if (text) e.bytes = text;
      GEOSFree_r(h, text);
      GEOSWKTWriter_destroy_r(h, w);
      return e;
    }
    case v1::TO_WKB: {
      GEOSWKBWriter* w = GEOSWKBWriter_create_r(h);
      GEOSWKBWriter_setOutputDimension_r(h, w, 3);
      if (op.wkb().big_endian()) GEOSWKBWriter_setByteOrder_r(h, w, GEOS_WKB_XDR);
      if (op.wkb().iso()) GEOSWKBWriter_setFlavor_r(h, w, GEOS_WKB_ISO);
      size_t size = 0;
      unsigned char* buf = GEOSWKBWriter_write_r(h, w, a, &size);
      Expected e;
      e.ok = buf != nullptr;
      if (buf) e.bytes.assign(reinterpret_cast<char*>(buf), size);
      GEOSFree_r(h, buf);
      GEOSWKBWriter_destroy_r(h, w);
      return e;
    }
    default:
      return Expected();
  }
}

std::optional<Expected> PreparedReference(geos::Context& c,
                                          const v1::Operation& op,
                                          const GEOSGeometry* a,
                                          const GEOSPreparedGeometry* b) {
  GEOSContextHandle_t h = c.handle();
  // op(a, b) evaluated on prepared b: asymmetric predicates take their
  // converse.
  switch (op.op()) {
    case v1::DISTANCE:
      return Measure(
          [&](double* d) { return GEOSPreparedDistance_r(h, b, a, d); });
    case v1::INTERSECTS:
      return Predicate(GEOSPreparedIntersects_r(h, b, a));
    case v1::CROSSES:
      return Predicate(GEOSPreparedCrosses_r(h, b, a));
    case v1::DISJOINT:
      return Predicate(GEOSPreparedDisjoint_r(h, b, a));
    case v1::OVERLAPS:
      return Predicate(GEOSPreparedOverlaps_r(h, b, a));
    case v1::COVERED_BY:
      return Predicate(GEOSPreparedCovers_r(h, b, a));
    case v1::CONTAINS:
      return Predicate(GEOSPreparedWithin_r(h, b, a));
    case v1::WITHIN:
      return Predicate(GEOSPreparedContains_r(h, b, a));
    case v1::COVERS:
      return Predicate(GEOSPreparedCoveredBy_r(h, b, a));
    case v1::TOUCHES:
      return Predicate(GEOSPreparedTouches_r(h, b, a));
    case v1::DWITHIN:
      return Predicate(
          GEOSPreparedDistanceWithin_r(h, b, a, op.distance().distance()));
    default:
      return std::nullopt;
  }
}

}  // namespace geosrpc::testing
