#include "tests/testing/reference.h"

#include <geodesic.h>
#include <gtest/gtest.h>
#include <proj.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"

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

// Takes a string GEOS allocated, into `bytes` (to_wkt, to_geojson) or
// `text` (relate, is_valid_reason).
Expected Bytes(geos::Context& c, char* text, bool as_text = false) {
  Expected e;
  e.ok = text != nullptr;
  if (text != nullptr) (as_text ? e.text : e.bytes) = text;
  GEOSFree_r(c.handle(), text);
  return e;
}

Expected Text(geos::Context& c, char* text) { return Bytes(c, text, true); }

Expected Number(double d) {
  Expected e;
  e.ok = true;
  e.number = d;
  return e;
}

Expected Flag(bool b) {
  Expected e;
  e.ok = true;
  e.flag = b;
  return e;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Shapely's get_coordinates, point by point (the kernel copies whole
// sequences): x, y and, with `z`, z or NaN.
void Coordinates(GEOSContextHandle_t h, const GEOSGeometry* g, bool z,
                 std::vector<double>* out) {
  const int type = GEOSGeomTypeId_r(h, g);
  if (GEOSisEmpty_r(h, g)) return;
  if (type == GEOS_POLYGON) {
    Coordinates(h, GEOSGetExteriorRing_r(h, g), z, out);
    for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g); ++i) {
      Coordinates(h, GEOSGetInteriorRingN_r(h, g, i), z, out);
    }
  } else if (type >= GEOS_MULTIPOINT) {
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) {
      Coordinates(h, GEOSGetGeometryN_r(h, g, i), z, out);
    }
  } else {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, g);
    unsigned size = 0;
    GEOSCoordSeq_getSize_r(h, seq, &size);
    const bool has_z = GEOSHasZ_r(h, g) == 1;
    for (unsigned i = 0; i < size; ++i) {
      double x, y, zz = kNaN;
      GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
      if (has_z) GEOSCoordSeq_getZ_r(h, seq, i, &zz);
      out->push_back(x);
      out->push_back(y);
      if (z) out->push_back(zz);
    }
  }
}

// --- Coordinate rewrites, point by point --------------------------------

// A point, line or ring's points, x y z (z NaN in 2D).
using Points = std::vector<std::array<double, 3>>;
enum class Kind { kPoint, kLine, kShell, kHole };
// Rewrites `points` (and whether they have z) in place; false drops them.
using PointsFn = std::function<bool(Kind, Points&, bool& has_z)>;

// `seq`'s points, read one by one.
Points ReadPoints(GEOSContextHandle_t h, const GEOSCoordSequence* seq,
                  bool has_z) {
  unsigned size = 0;
  GEOSCoordSeq_getSize_r(h, seq, &size);
  Points out(size);
  for (unsigned i = 0; i < size; ++i) {
    GEOSCoordSeq_getX_r(h, seq, i, &out[i][0]);
    GEOSCoordSeq_getY_r(h, seq, i, &out[i][1]);
    out[i][2] = kNaN;
    if (has_z) GEOSCoordSeq_getZ_r(h, seq, i, &out[i][2]);
  }
  return out;
}

GEOSCoordSequence* WritePoints(GEOSContextHandle_t h, const Points& points,
                               bool has_z) {
  GEOSCoordSequence* seq =
      GEOSCoordSeq_create_r(h, points.size(), has_z ? 3 : 2);
  for (unsigned i = 0; i < points.size(); ++i) {
    GEOSCoordSeq_setX_r(h, seq, i, points[i][0]);
    GEOSCoordSeq_setY_r(h, seq, i, points[i][1]);
    if (has_z) GEOSCoordSeq_setZ_r(h, seq, i, points[i][2]);
  }
  return seq;
}

// `g` rebuilt with each sequence through `fn`: a dropped shell empties its
// polygon, a dropped hole or member goes, a dropped point or line is empty;
// with `drop_empty`, collections lose members that end up empty.
GEOSGeometry* Rebuilt(GEOSContextHandle_t h, const GEOSGeometry* g,
                      const PointsFn& fn, bool drop_empty = false) {
  const int type = GEOSGeomTypeId_r(h, g);
  auto simple = [&](const GEOSGeometry* part, Kind kind) -> GEOSCoordSequence* {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, part);
    unsigned dims = 2;
    GEOSCoordSeq_getDimensions_r(h, seq, &dims);
    bool has_z = dims >= 3;
    Points points = ReadPoints(h, seq, has_z);
    if (!fn(kind, points, has_z)) points.clear();
    return WritePoints(h, points, has_z);
  };
  switch (type) {
    case GEOS_POINT:
      return GEOSGeom_createPoint_r(h, simple(g, Kind::kPoint));
    case GEOS_LINESTRING:
      return GEOSGeom_createLineString_r(h, simple(g, Kind::kLine));
    case GEOS_LINEARRING:
      return GEOSGeom_createLinearRing_r(h, simple(g, Kind::kLine));
    case GEOS_POLYGON: {
      GEOSCoordSequence* shell_seq =
          simple(GEOSGetExteriorRing_r(h, g), Kind::kShell);
      unsigned shell_size = 0;
      GEOSCoordSeq_getSize_r(h, shell_seq, &shell_size);
      GEOSGeometry* shell = GEOSGeom_createLinearRing_r(h, shell_seq);
      std::vector<GEOSGeometry*> holes;
      for (int i = 0; shell_size > 0 && i < GEOSGetNumInteriorRings_r(h, g);
           ++i) {
        GEOSCoordSequence* seq =
            simple(GEOSGetInteriorRingN_r(h, g, i), Kind::kHole);
        unsigned size = 0;
        GEOSCoordSeq_getSize_r(h, seq, &size);
        if (size == 0) {
          GEOSCoordSeq_destroy_r(h, seq);
          continue;
        }
        holes.push_back(GEOSGeom_createLinearRing_r(h, seq));
      }
      return GEOSGeom_createPolygon_r(h, shell, holes.data(), holes.size());
    }
    default: {
      std::vector<GEOSGeometry*> members;
      for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) {
        GEOSGeometry* m =
            Rebuilt(h, GEOSGetGeometryN_r(h, g, i), fn, drop_empty);
        if (drop_empty && GEOSisEmpty_r(h, m)) {
          GEOSGeom_destroy_r(h, m);
          continue;
        }
        members.push_back(m);
      }
      return GEOSGeom_createCollection_r(h, type, members.data(),
                                         members.size());
    }
  }
}

// An affine map as Shapely's affine_transform takes it: a b c d e f g h i
// xoff yoff zoff.
struct Affine {
  double a = 1, b = 0, c = 0, d = 0, e = 1, f = 0, g = 0, h = 0, i = 1;
  double xoff = 0, yoff = 0, zoff = 0;
};

int ApplyXY(double* x, double* y, void* data) {
  const Affine& m = *static_cast<const Affine*>(data);
  const double x0 = *x, y0 = *y;
  *x = m.a * x0 + m.b * y0 + m.xoff;
  *y = m.d * x0 + m.e * y0 + m.yoff;
  return 1;
}

// 2D maps (z untouched) through GEOS's own transformXY; 3D ones point by
// point.
Expected Transformed(geos::Context& c, const GEOSGeometry* g, Affine m) {
  GEOSContextHandle_t h = c.handle();
  if (m.c == 0 && m.f == 0 && m.g == 0 && m.h == 0 && m.i == 1 && m.zoff == 0) {
    return Geometry(c, GEOSGeom_transformXY_r(h, g, ApplyXY, &m));
  }
  return Geometry(c, Rebuilt(h, g, [&](Kind, Points& points, bool& has_z) {
                    for (auto& p : points) {
                      const double x = p[0], y = p[1], z = p[2];
                      if (has_z) {
                        p[0] = m.a * x + m.b * y + m.c * z + m.xoff;
                        p[1] = m.d * x + m.e * y + m.f * z + m.yoff;
                        p[2] = m.g * x + m.h * y + m.i * z + m.zoff;
                      } else {
                        p[0] = m.a * x + m.b * y + m.xoff;
                        p[1] = m.d * x + m.e * y + m.yoff;
                      }
                    }
                    return true;
                  }));
}

// Shapely's affinity origin: "center" (of the bounds), "centroid" or a
// point.
std::array<double, 3> Origin(GEOSContextHandle_t h, const GEOSGeometry* g,
                             v1::TransformOrigin origin, double x, double y,
                             double z = 0) {
  if (origin == v1::TRANSFORM_ORIGIN_POINT) return {x, y, z};
  if (origin == v1::TRANSFORM_ORIGIN_CENTROID) {
    GEOSGeometry* centroid = GEOSGetCentroid_r(h, g);
    std::array<double, 3> o = {0, 0, 0};
    GEOSGeomGetX_r(h, centroid, &o[0]);
    GEOSGeomGetY_r(h, centroid, &o[1]);
    GEOSGeom_destroy_r(h, centroid);
    return o;
  }
  double x0, y0, x1, y1;
  GEOSGeom_getXMin_r(h, g, &x0);
  GEOSGeom_getYMin_r(h, g, &y0);
  GEOSGeom_getXMax_r(h, g, &x1);
  GEOSGeom_getYMax_r(h, g, &y1);
  return {(x1 + x0) / 2.0, (y1 + y0) / 2.0, 0};
}

// Shapely's rounding of trigonometric results to 0.
double Tiny(double v) { return std::abs(v) < 2.5e-16 ? 0.0 : v; }
double Angle(double angle, bool radians) {
  return radians ? angle : angle * M_PI / 180.0;
}

// PostGIS's ST_Split (and Shapely's split): lines by points exactly on
// them or by lines, polygons by lines, member by member.
Expected SplitReference(geos::Context& c, const GEOSGeometry* a,
                        const GEOSGeometry* b) {
  GEOSContextHandle_t h = c.handle();
  Expected refused;
  refused.code = absl::StatusCode::kInvalidArgument;
  // Owned until the collection takes them (a refused row drops them).
  std::vector<geos::GeometryPtr> pieces;
  auto own = [&](GEOSGeometry* g) { pieces.push_back(c.Own(g)); };
  auto keep = [&](GEOSGeometry* g) {
    if (GEOSGeomTypeId_r(h, g) < GEOS_MULTIPOINT) return own(g);
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) {
      own(GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, g, i)));
    }
    GEOSGeom_destroy_r(h, g);
  };
  const int blade = GEOSGeom_getDimensions_r(h, b);
  const int n = GEOSGetNumGeometries_r(h, a);
  for (int i = 0; i < n; ++i) {
    const GEOSGeometry* part = GEOSGetGeometryN_r(h, a, i);
    if (GEOSisEmpty_r(h, b)) {
      own(GEOSGeom_clone_r(h, part));
      continue;
    }
    if (GEOSisEmpty_r(h, part)) continue;
    const int type = GEOSGeomTypeId_r(h, part);
    if (type >= GEOS_MULTIPOINT) return refused;
    if (type == GEOS_POINT) {
      own(GEOSGeom_clone_r(h, part));
    } else if (type == GEOS_LINESTRING && blade == 0) {
      // Random points lie exactly on a random line almost never: the
      // service's own tests cut lines by points.
      if (GEOSIntersects_r(h, part, b) == 1) return Expected();
      own(GEOSGeom_clone_r(h, part));
    } else if (type == GEOS_LINESTRING && blade == 1) {
      if (GEOSRelatePattern_r(h, part, b, "1********") == 1) return refused;
      keep(GEOSDifference_r(h, part, b));
    } else if (type == GEOS_POLYGON && blade == 1) {
      GEOSGeometry* boundary = GEOSBoundary_r(h, part);
      GEOSGeometry* noded = GEOSUnion_r(h, boundary, b);
      const GEOSGeometry* lines[] = {noded};
      GEOSGeometry* polygons = GEOSPolygonize_r(h, lines, 1);
      for (int k = 0; k < GEOSGetNumGeometries_r(h, polygons); ++k) {
        const GEOSGeometry* p = GEOSGetGeometryN_r(h, polygons, k);
        GEOSGeometry* inside = GEOSPointOnSurface_r(h, p);
        if (GEOSIntersects_r(h, part, inside) == 1) {
          own(GEOSGeom_clone_r(h, p));
        }
        GEOSGeom_destroy_r(h, inside);
      }
      for (GEOSGeometry* g : {boundary, noded, polygons}) {
        GEOSGeom_destroy_r(h, g);
      }
    } else {
      return refused;
    }
  }
  std::vector<GEOSGeometry*> raw;
  for (geos::GeometryPtr& piece : pieces) raw.push_back(piece.release());
  return Geometry(c, GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION,
                                                 raw.data(), raw.size()));
}

// What the operation's parameter message holds, with Shapely's defaults.
double Densify(const v1::Operation& op) {
  return op.densify().has_densify() ? op.densify().densify() : 0;
}
double Grid(const v1::Operation& op) { return op.overlay().grid_size(); }

// A buffer style as GEOS numbers it (the proto's numbering); unset is round.
int StyleOrRound(int style) { return style == 0 ? GEOSBUF_CAP_ROUND : style; }

// --- The CRS operations, by direct PROJ calls ---------------------------
// (one PROJ context per calling thread; transformations made per call).

Expected InvalidArgument() {
  Expected e;
  e.code = absl::StatusCode::kInvalidArgument;
  return e;
}

// Every x, y of `g`, in order.
void EveryXy(GEOSContextHandle_t h, const GEOSGeometry* g,
             std::vector<std::vector<std::pair<double, double>>>* lines) {
  if (GEOSisEmpty_r(h, g)) return;
  const int type = GEOSGeomTypeId_r(h, g);
  if (type == GEOS_POLYGON) {
    EveryXy(h, GEOSGetExteriorRing_r(h, g), lines);
    for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g); ++i) {
      EveryXy(h, GEOSGetInteriorRingN_r(h, g, i), lines);
    }
  } else if (type >= GEOS_MULTIPOINT) {
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) {
      EveryXy(h, GEOSGetGeometryN_r(h, g, i), lines);
    }
  } else {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, g);
    unsigned size = 0;
    GEOSCoordSeq_getSize_r(h, seq, &size);
    lines->emplace_back();
    for (unsigned i = 0; i < size; ++i) {
      double x, y;
      GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
      lines->back().emplace_back(x, y);
    }
  }
}

bool AllLonLat(GEOSContextHandle_t h, const GEOSGeometry* g) {
  std::vector<std::vector<std::pair<double, double>>> lines;
  EveryXy(h, g, &lines);
  for (const auto& line : lines) {
    for (const auto& [x, y] : line) {
      if (!(std::abs(y) <= 90 && std::abs(x) <= 540)) return false;
    }
  }
  return true;
}

const geod_geodesic* Wgs84() {
  static const geod_geodesic* g = [] {
    auto* g = new geod_geodesic;
    geod_init(g, 6378137, 1 / 298.257223563);
    return g;
  }();
  return g;
}

struct ProjDeleter {
  void operator()(PJ* p) const { proj_destroy(p); }
};

PJ_CONTEXT* ThreadProjContext() {
  thread_local PJ_CONTEXT* context = [] {
    PJ_CONTEXT* c = proj_context_create();
    proj_context_set_enable_network(c, 0);
    proj_log_level(c, PJ_LOG_NONE);
    return c;
  }();
  return context;
}

// transform: a rebuilt by GEOS with every x, y passed through proj_trans,
// one coordinate at a time.
Expected Transform(geos::Context& c, const v1::Operation& op,
                   const GEOSGeometry* a) {
  const v1::TransformParams& p = op.transform();
  PJ_CONTEXT* pc = ThreadProjContext();
  // The last transformation made on this thread, kept (making one takes
  // milliseconds; the test calls this row after row).
  struct Made {
    std::string key;
    std::unique_ptr<PJ, ProjDeleter> t;
    int srid = 0;
  };
  thread_local Made made;
  const bool xy = !p.has_always_xy() || p.always_xy();
  const std::string key = p.from_crs() + "\n" + p.to_crs() + (xy ? "1" : "0");
  if (made.key != key) {
    made.key = key;
    made.t.reset(proj_create_crs_to_crs(pc, p.from_crs().c_str(),
                                        p.to_crs().c_str(), nullptr));
    if (made.t != nullptr && xy) {
      made.t.reset(proj_normalize_for_visualization(pc, made.t.get()));
    }
    std::unique_ptr<PJ, ProjDeleter> target(
        proj_create(pc, p.to_crs().c_str()));
    const char* auth =
        target != nullptr ? proj_get_id_auth_name(target.get(), 0) : nullptr;
    made.srid = auth != nullptr && std::string(auth) == "EPSG"
                    ? std::atoi(proj_get_id_code(target.get(), 0))
                    : 0;
  }
  if (made.t == nullptr) return InvalidArgument();
  struct State {
    PJ* t;
    bool finite = true;
  } state{made.t.get()};
  GEOSGeometry* g = GEOSGeom_transformXY_r(
      c.handle(), a,
      [](double* x, double* y, void* data) {
        auto* s = static_cast<State*>(data);
        PJ_COORD in = proj_coord(*x, *y, 0, 0);
        PJ_COORD out = proj_trans(s->t, PJ_FWD, in);
        *x = out.xy.x, *y = out.xy.y;
        s->finite = s->finite && std::isfinite(*x) && std::isfinite(*y);
        return 1;
      },
      &state);
  if (!state.finite) {
    if (g != nullptr) GEOSGeom_destroy_r(c.handle(), g);
    return InvalidArgument();
  }
  if (g != nullptr) GEOSSetSRID_r(c.handle(), g, made.srid);
  Expected e;
  if (g == nullptr) return e;
  geos::GeometryPtr owned = c.Own(g);
  e.ok = c.WriteWkb(g, {.include_srid = true}, &e.bytes).ok();
  return e;
}

// geodesic_area: per polygon, geod_polygonarea of its exterior less its
// holes, each ring unsigned.
double PolygonsArea(GEOSContextHandle_t h, const GEOSGeometry* g) {
  if (GEOSisEmpty_r(h, g)) return 0;
  const int type = GEOSGeomTypeId_r(h, g);
  if (type >= GEOS_MULTIPOINT) {
    double sum = 0;
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) {
      sum += PolygonsArea(h, GEOSGetGeometryN_r(h, g, i));
    }
    return sum;
  }
  if (type != GEOS_POLYGON) return 0;
  std::vector<std::vector<std::pair<double, double>>> rings;
  EveryXy(h, g, &rings);
  double area = 0;
  for (size_t r = 0; r < rings.size(); ++r) {
    std::vector<double> lats, lons;
    for (const auto& [x, y] : rings[r]) lons.push_back(x), lats.push_back(y);
    double ring_area = 0, perimeter = 0;
    geod_polygonarea(Wgs84(), lats.data(), lons.data(),
                     static_cast<int>(lats.size()), &ring_area, &perimeter);
    area += r == 0 ? std::abs(ring_area) : -std::abs(ring_area);
  }
  return area;
}

double Inverse(double lon1, double lat1, double lon2, double lat2) {
  double s12 = 0;
  geod_inverse(Wgs84(), lat1, lon1, lat2, lon2, &s12, nullptr, nullptr);
  return s12;
}

Expected Close(double d) {
  Expected e = Number(d);
  e.tolerance = 1e-9;
  return e;
}

}  // namespace

Expected Reference(geos::Context& c, const v1::Operation& op,
                   const GEOSGeometry* a, const GEOSGeometry* b) {
  GEOSContextHandle_t h = c.handle();
  switch (op.op()) {
    case v1::OP_CODE_AREA:
      return Measure([&](double* d) { return GEOSArea_r(h, a, d); });
    case v1::OP_CODE_LENGTH:
      return Measure([&](double* d) { return GEOSLength_r(h, a, d); });
    case v1::OP_CODE_DISTANCE:
      return Measure([&](double* d) { return GEOSDistance_r(h, a, b, d); });
    case v1::OP_CODE_HAUSDORFF_DISTANCE:
      if (Densify(op) > 0) {
        return Measure([&](double* d) {
          return GEOSHausdorffDistanceDensify_r(h, a, b, Densify(op), d);
        });
      }
      return Measure(
          [&](double* d) { return GEOSHausdorffDistance_r(h, a, b, d); });
    case v1::OP_CODE_FRECHET_DISTANCE:
      // GEOS 3.11.1 crashes on empty input; the contract is NaN.
      if (GEOSisEmpty_r(h, a) || GEOSisEmpty_r(h, b)) return Number(kNaN);
      if (Densify(op) > 0) {
        return Measure([&](double* d) {
          return GEOSFrechetDistanceDensify_r(h, a, b, Densify(op), d);
        });
      }
      return Measure(
          [&](double* d) { return GEOSFrechetDistance_r(h, a, b, d); });
    case v1::OP_CODE_MINIMUM_CLEARANCE:
      // 0 on success (GEOS's other measures return 1).
      return Measure(
          [&](double* d) { return GEOSMinimumClearance_r(h, a, d) == 0; });
    case v1::OP_CODE_CROSSES:
      return Predicate(GEOSCrosses_r(h, a, b));
    case v1::OP_CODE_DISJOINT:
      return Predicate(GEOSDisjoint_r(h, a, b));
    case v1::OP_CODE_EQUALS:
      return Predicate(GEOSEquals_r(h, a, b));
    case v1::OP_CODE_OVERLAPS:
      return Predicate(GEOSOverlaps_r(h, a, b));
    case v1::OP_CODE_COVERED_BY:
      return Predicate(GEOSCoveredBy_r(h, a, b));
    case v1::OP_CODE_IS_EMPTY:
      return Predicate(GEOSisEmpty_r(h, a));
    case v1::OP_CODE_IS_SIMPLE:
      return Predicate(GEOSisSimple_r(h, a));
    case v1::OP_CODE_IS_RING:
      return Predicate(GEOSisRing_r(h, a));
    case v1::OP_CODE_IS_CLOSED: {
      // Shapely: false for what is not a line.
      const int type = GEOSGeomTypeId_r(h, a);
      if (type != GEOS_LINESTRING && type != GEOS_LINEARRING &&
          type != GEOS_MULTILINESTRING) {
        return Flag(false);
      }
      return Predicate(GEOSisClosed_r(h, a));
    }
    case v1::OP_CODE_HAS_Z:
      return Predicate(GEOSHasZ_r(h, a));
    case v1::OP_CODE_BOUNDARY:
      return Geometry(c, GEOSBoundary_r(h, a));
    case v1::OP_CODE_POINT_ON_SURFACE:
      return Geometry(c, GEOSPointOnSurface_r(h, a));
    case v1::OP_CODE_REVERSE:
      return Geometry(c, GEOSReverse_r(h, a));
    case v1::OP_CODE_EXTRACT_UNIQUE_POINTS:
      return Geometry(c, GEOSGeom_extractUniquePoints_r(h, a));
    case v1::OP_CODE_ORIENTED_ENVELOPE:
    case v1::OP_CODE_MINIMUM_ROTATED_RECTANGLE:
      return Geometry(c, GEOSMinimumRotatedRectangle_r(h, a));
    case v1::OP_CODE_MINIMUM_CLEARANCE_LINE:
      return Geometry(c, GEOSMinimumClearanceLine_r(h, a));
    case v1::OP_CODE_BUILD_AREA:
      return Geometry(c, GEOSBuildArea_r(h, a));
    case v1::OP_CODE_NODE:
      return Geometry(c, GEOSNode_r(h, a));
    case v1::OP_CODE_GET_NUM_GEOMETRIES:
      return Count(GEOSGetNumGeometries_r(h, a));
    case v1::OP_CODE_GET_NUM_COORDINATES:
      return Count(GEOSGetNumCoordinates_r(h, a));
    case v1::OP_CODE_INTERSECTS:
      return Predicate(GEOSIntersects_r(h, a, b));
    case v1::OP_CODE_CONTAINS:
      return Predicate(GEOSContains_r(h, a, b));
    case v1::OP_CODE_WITHIN:
      return Predicate(GEOSWithin_r(h, a, b));
    case v1::OP_CODE_COVERS:
      return Predicate(GEOSCovers_r(h, a, b));
    case v1::OP_CODE_TOUCHES:
      return Predicate(GEOSTouches_r(h, a, b));
    case v1::OP_CODE_DWITHIN:
      return Predicate(GEOSDistanceWithin_r(h, a, b, op.distance().distance()));
    case v1::OP_CODE_IS_VALID:
      return Predicate(GEOSisValid_r(h, a));
    case v1::OP_CODE_BUFFER: {
      const auto& p = op.buffer();
      return Geometry(
          c, GEOSBufferWithStyle_r(
                 h, a, p.radius(), p.has_quadsegs() ? p.quadsegs() : 8,
                 StyleOrRound(p.cap_style()), StyleOrRound(p.join_style()),
                 p.has_mitre_limit() ? p.mitre_limit() : 5));
    }
    case v1::OP_CODE_CENTROID:
      return Geometry(c, GEOSGetCentroid_r(h, a));
    case v1::OP_CODE_ENVELOPE:
      return Geometry(c, GEOSEnvelope_r(h, a));
    case v1::OP_CODE_CONVEX_HULL:
      return Geometry(c, GEOSConvexHull_r(h, a));
    case v1::OP_CODE_SIMPLIFY: {
      const auto& p = op.simplify();
      const bool preserve = !p.has_preserve_topology() || p.preserve_topology();
      return Geometry(
          c, preserve ? GEOSTopologyPreserveSimplify_r(h, a, p.tolerance())
                      : GEOSSimplify_r(h, a, p.tolerance()));
    }
    case v1::OP_CODE_MAKE_VALID:
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
    case v1::OP_CODE_INTERSECTION:
      return Geometry(c, Grid(op) > 0
                             ? GEOSIntersectionPrec_r(h, a, b, Grid(op))
                             : GEOSIntersection_r(h, a, b));
    case v1::OP_CODE_UNION:
      return Geometry(c, Grid(op) > 0 ? GEOSUnionPrec_r(h, a, b, Grid(op))
                                      : GEOSUnion_r(h, a, b));
    case v1::OP_CODE_DIFFERENCE:
      return Geometry(c, Grid(op) > 0 ? GEOSDifferencePrec_r(h, a, b, Grid(op))
                                      : GEOSDifference_r(h, a, b));
    case v1::OP_CODE_SYMMETRIC_DIFFERENCE:
      return Geometry(c, Grid(op) > 0
                             ? GEOSSymDifferencePrec_r(h, a, b, Grid(op))
                             : GEOSSymDifference_r(h, a, b));
    case v1::OP_CODE_UNARY_UNION:
      return Geometry(c, Grid(op) > 0 ? GEOSUnaryUnionPrec_r(h, a, Grid(op))
                                      : GEOSUnaryUnion_r(h, a));
    case v1::OP_CODE_BOUNDS: {
      if (GEOSisEmpty_r(h, a)) {
        Expected e = Number(kNaN);
        e.more = {kNaN, kNaN, kNaN};
        return e;
      }
      // Through the envelope geometry, not the extent accessors.
      GEOSGeometry* env = GEOSEnvelope_r(h, a);
      Expected e;
      double x0, y0, x1, y1;
      e.ok = GEOSGeom_getExtent_r(h, env, &x0, &y0, &x1, &y1) == 1;
      e.number = x0;
      e.more = {y0, x1, y1};
      GEOSGeom_destroy_r(h, env);
      return e;
    }
    case v1::OP_CODE_MINIMUM_BOUNDING_RADIUS: {
      GEOSGeometry* center = nullptr;
      double radius = 0;
      GEOSGeometry* circle =
          GEOSMinimumBoundingCircle_r(h, a, &radius, &center);
      Expected e = Number(radius);
      e.ok = circle != nullptr;
      GEOSGeom_destroy_r(h, circle);
      GEOSGeom_destroy_r(h, center);
      return e;
    }
    case v1::OP_CODE_MINIMUM_BOUNDING_CIRCLE: {
      GEOSGeometry* center = nullptr;
      double radius = 0;
      Expected e =
          Geometry(c, GEOSMinimumBoundingCircle_r(h, a, &radius, &center));
      GEOSGeom_destroy_r(h, center);
      return e;
    }
    case v1::OP_CODE_LINE_LOCATE_POINT: {
      // GEOS 3.11.1 reads freed memory locating an empty point; the
      // contract is NaN.
      if (GEOSisEmpty_r(h, b)) return Number(kNaN);
      const double d = op.locate().normalized()
                           ? GEOSProjectNormalized_r(h, a, b)
                           : GEOSProject_r(h, a, b);
      Expected e = Number(d);
      e.ok = d != -1;
      return e;
    }
    case v1::OP_CODE_CONTAINS_PROPERLY: {
      // Through a prepared a, as Shapely computes it.
      const GEOSPreparedGeometry* p = GEOSPrepare_r(h, a);
      Expected e = Predicate(GEOSPreparedContainsProperly_r(h, p, b));
      GEOSPreparedGeom_destroy_r(h, p);
      return e;
    }
    case v1::OP_CODE_EQUALS_EXACT: {
      if (!op.tolerance().normalize()) {
        return Predicate(
            GEOSEqualsExact_r(h, a, b, op.tolerance().tolerance()));
      }
      GEOSGeometry* na = GEOSGeom_clone_r(h, a);
      GEOSGeometry* nb = GEOSGeom_clone_r(h, b);
      GEOSNormalize_r(h, na);
      GEOSNormalize_r(h, nb);
      const char r = GEOSEqualsExact_r(h, na, nb, op.tolerance().tolerance());
      GEOSGeom_destroy_r(h, na);
      GEOSGeom_destroy_r(h, nb);
      return Predicate(r);
    }
    case v1::OP_CODE_RELATE:
      return Text(c, GEOSRelate_r(h, a, b));
    case v1::OP_CODE_RELATE_PATTERN:
      return Predicate(
          GEOSRelatePattern_r(h, a, b, op.relate_pattern().pattern().c_str()));
    case v1::OP_CODE_IS_CCW: {
      const int type = GEOSGeomTypeId_r(h, a);
      if ((type != GEOS_LINESTRING && type != GEOS_LINEARRING) ||
          GEOSGeomGetNumPoints_r(h, a) < 4) {
        return Flag(false);
      }
      char ccw = 0;
      Expected e = Flag(false);
      e.ok = GEOSCoordSeq_isCCW_r(h, GEOSGeom_getCoordSeq_r(h, a), &ccw) == 1;
      e.flag = ccw != 0;
      return e;
    }
    case v1::OP_CODE_IS_VALID_REASON:
      return Text(c, GEOSisValidReason_r(h, a));
    case v1::OP_CODE_OFFSET_CURVE: {
      const auto& p = op.offset_curve();
      if (p.legacy()) {
        return Geometry(c, GEOSSingleSidedBuffer_r(
                               h, a, std::fabs(p.distance()),
                               p.has_quadsegs() ? p.quadsegs() : 8,
                               StyleOrRound(p.join_style()),
                               p.has_mitre_limit() ? p.mitre_limit() : 5,
                               p.distance() >= 0));
      }
      return Geometry(
          c, GEOSOffsetCurve_r(h, a, p.distance(),
                               p.has_quadsegs() ? p.quadsegs() : 8,
                               StyleOrRound(p.join_style()),
                               p.has_mitre_limit() ? p.mitre_limit() : 5));
    }
    case v1::OP_CODE_CONCAVE_HULL:
      return Geometry(c, GEOSConcaveHull_r(h, a, op.concave_hull().ratio(),
                                           op.concave_hull().allow_holes()));
    case v1::OP_CODE_MAXIMUM_INSCRIBED_CIRCLE: {
      double tolerance = op.tolerance().tolerance();
      if (tolerance == 0 && !GEOSisEmpty_r(h, a)) {
        double x0, y0, x1, y1;
        GEOSGeom_getExtent_r(h, a, &x0, &y0, &x1, &y1);
        tolerance = std::max(x1 - x0, y1 - y0) / 1000;
      }
      if (tolerance <= 0) tolerance = 1;
      return Geometry(c, GEOSMaximumInscribedCircle_r(h, a, tolerance));
    }
    case v1::OP_CODE_SEGMENTIZE:
    case v1::OP_CODE_DENSIFY:
      return Geometry(
          c, GEOSDensify_r(h, a, op.segmentize().max_segment_length()));
    case v1::OP_CODE_REMOVE_REPEATED_POINTS:
      return Geometry(
          c, GEOSRemoveRepeatedPoints_r(h, a, op.tolerance().tolerance()));
    case v1::OP_CODE_NORMALIZE: {
      GEOSGeometry* g = GEOSGeom_clone_r(h, a);
      if (GEOSNormalize_r(h, g) != 0) {
        GEOSGeom_destroy_r(h, g);
        return Expected();
      }
      return Geometry(c, g);
    }
    case v1::OP_CODE_SNAP:
      return Geometry(c, GEOSSnap_r(h, a, b, op.tolerance().tolerance()));
    case v1::OP_CODE_CLIP_BY_RECT: {
      const auto& r = op.clip();
      return Geometry(
          c, GEOSClipByRect_r(h, a, r.xmin(), r.ymin(), r.xmax(), r.ymax()));
    }
    case v1::OP_CODE_POLYGONIZE: {
      std::vector<const GEOSGeometry*> parts;
      for (int i = 0; i < GEOSGetNumGeometries_r(h, a); ++i) {
        parts.push_back(GEOSGetGeometryN_r(h, a, i));
      }
      return Geometry(c, GEOSPolygonize_r(h, parts.data(), parts.size()));
    }
    case v1::OP_CODE_DELAUNAY_TRIANGLES:
      return Geometry(
          c, GEOSDelaunayTriangulation_r(h, a, op.triangulation().tolerance(),
                                         op.triangulation().only_edges()));
    case v1::OP_CODE_VORONOI_POLYGONS: {
      const auto& t = op.triangulation();
      geos::GeometryPtr env;
      if (t.has_extend_to_xmin()) {
        env = *c.ReadWkt(absl::StrFormat(
            "MULTIPOINT ((%.17g %.17g), (%.17g %.17g))", t.extend_to_xmin(),
            t.extend_to_ymin(), t.extend_to_xmax(), t.extend_to_ymax()));
      }
      return Geometry(c, GEOSVoronoiDiagram_r(h, a, env.get(), t.tolerance(),
                                              t.only_edges()));
    }
    case v1::OP_CODE_SET_PRECISION:
      return Geometry(
          c, GEOSGeom_setPrecision_r(h, a, op.set_precision().grid_size(),
                                     op.set_precision().mode()));
    case v1::OP_CODE_LINE_INTERPOLATE_POINT: {
      const auto& p = op.interpolate();
      return Geometry(c, p.normalized()
                             ? GEOSInterpolateNormalized_r(h, a, p.distance())
                             : GEOSInterpolate_r(h, a, p.distance()));
    }
    case v1::OP_CODE_SHARED_PATHS:
      return Geometry(c, GEOSSharedPaths_r(h, a, b));
    case v1::OP_CODE_SHORTEST_LINE: {
      if (GEOSisEmpty_r(h, a) || GEOSisEmpty_r(h, b)) {
        return Geometry(c, GEOSGeom_createEmptyLineString_r(h));
      }
      GEOSCoordSequence* seq = GEOSNearestPoints_r(h, a, b);
      if (seq == nullptr) return Expected();
      return Geometry(c, GEOSGeom_createLineString_r(h, seq));
    }
    case v1::OP_CODE_TO_GEOJSON: {
      GEOSGeoJSONWriter* w = GEOSGeoJSONWriter_create_r(h);
      Expected e = Bytes(
          c,
          GEOSGeoJSONWriter_writeGeometry_r(
              h, w, a, op.geojson().has_indent() ? op.geojson().indent() : -1));
      GEOSGeoJSONWriter_destroy_r(h, w);
      return e;
    }
    case v1::OP_CODE_GET_NUM_POINTS: {
      const int type = GEOSGeomTypeId_r(h, a);
      if (type != GEOS_LINESTRING && type != GEOS_LINEARRING) return Count(0);
      return Count(GEOSGeomGetNumPoints_r(h, a));
    }
    case v1::OP_CODE_GET_NUM_INTERIOR_RINGS:
      if (GEOSGeomTypeId_r(h, a) != GEOS_POLYGON) return Count(0);
      return Count(GEOSGetNumInteriorRings_r(h, a));
    case v1::OP_CODE_GET_X:
    case v1::OP_CODE_GET_Y:
    case v1::OP_CODE_GET_Z: {
      if (GEOSGeomTypeId_r(h, a) != GEOS_POINT || GEOSisEmpty_r(h, a)) {
        return Number(kNaN);
      }
      // Through the coordinate sequence rather than the point accessors.
      const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, a);
      double v = kNaN;
      const int dim = op.op() == v1::OP_CODE_GET_X   ? 0
                      : op.op() == v1::OP_CODE_GET_Y ? 1
                                                     : 2;
      const int ok = GEOSCoordSeq_getOrdinate_r(h, seq, 0, dim, &v);
      Expected e = Number(v);
      e.ok = ok == 1;
      return e;
    }
    case v1::OP_CODE_GET_SRID:
      return Count(GEOSGetSRID_r(h, a));
    case v1::OP_CODE_SET_SRID: {
      GEOSGeometry* g = GEOSGeom_clone_r(h, a);
      GEOSSetSRID_r(h, g, op.srid().srid());
      geos::GeometryPtr owned = c.Own(g);
      Expected e;
      e.ok = c.WriteWkb(g, {.include_srid = true}, &e.bytes).ok();
      return e;
    }
    case v1::OP_CODE_GET_PARTS: {
      Expected e;
      e.ok = true;
      for (int i = 0; i < GEOSGetNumGeometries_r(h, a); ++i) {
        std::string wkb;
        e.ok &= c.WriteWkb(GEOSGetGeometryN_r(h, a, i), {}, &wkb).ok();
        e.parts.push_back(std::move(wkb));
      }
      return e;
    }
    case v1::OP_CODE_GET_RINGS: {
      Expected e;
      e.ok = true;
      if (GEOSGeomTypeId_r(h, a) != GEOS_POLYGON || GEOSisEmpty_r(h, a)) {
        return e;
      }
      std::vector<const GEOSGeometry*> rings = {GEOSGetExteriorRing_r(h, a)};
      for (int i = 0; i < GEOSGetNumInteriorRings_r(h, a); ++i) {
        rings.push_back(GEOSGetInteriorRingN_r(h, a, i));
      }
      for (const GEOSGeometry* ring : rings) {
        std::string wkb;
        e.ok &= c.WriteWkb(ring, {}, &wkb).ok();
        e.parts.push_back(std::move(wkb));
      }
      return e;
    }
    case v1::OP_CODE_GET_COORDINATES: {
      Expected e;
      e.ok = true;
      Coordinates(h, a, op.coordinates().include_z(), &e.more);
      return e;
    }
    case v1::OP_CODE_CONSTRAINED_DELAUNAY_TRIANGLES:
      return Geometry(c, GEOSConstrainedDelaunayTriangulation_r(h, a));
    case v1::OP_CODE_LINE_MERGE:
      return Geometry(c, op.line_merge().directed()
                             ? GEOSLineMergeDirected_r(h, a)
                             : GEOSLineMerge_r(h, a));
    case v1::OP_CODE_GET_EXTERIOR_RING:
    case v1::OP_CODE_GET_INTERIOR_RING:
    case v1::OP_CODE_GET_GEOMETRY:
    case v1::OP_CODE_GET_POINT: {
      // Shapely's rules, spelled out: the right type, then an index that
      // may count from the end.
      const int type = GEOSGeomTypeId_r(h, a);
      const bool polygon = type == GEOS_POLYGON;
      const bool line = type == GEOS_LINESTRING || type == GEOS_LINEARRING;
      if (op.op() == v1::OP_CODE_GET_EXTERIOR_RING) {
        if (!polygon) return Expected();
        return Geometry(c, GEOSGeom_clone_r(h, GEOSGetExteriorRing_r(h, a)));
      }
      if ((op.op() == v1::OP_CODE_GET_INTERIOR_RING && !polygon) ||
          (op.op() == v1::OP_CODE_GET_POINT && !line)) {
        return Expected();
      }
      const int n = op.op() == v1::OP_CODE_GET_INTERIOR_RING
                        ? GEOSGetNumInteriorRings_r(h, a)
                    : op.op() == v1::OP_CODE_GET_POINT
                        ? GEOSGeomGetNumPoints_r(h, a)
                        : GEOSGetNumGeometries_r(h, a);
      int i = op.index().index();
      if (i < 0) i += n;
      if (i < 0 || i >= n) {
        Expected e;
        e.code = absl::StatusCode::kOutOfRange;
        return e;
      }
      if (op.op() == v1::OP_CODE_GET_POINT)
        return Geometry(c, GEOSGeomGetPointN_r(h, a, i));
      return Geometry(
          c, GEOSGeom_clone_r(h, op.op() == v1::OP_CODE_GET_GEOMETRY
                                     ? GEOSGetGeometryN_r(h, a, i)
                                     : GEOSGetInteriorRingN_r(h, a, i)));
    }
    case v1::OP_CODE_GET_COORDINATE_DIMENSION:
      return Count(GEOSGeom_getCoordinateDimension_r(h, a));
    case v1::OP_CODE_GET_PRECISION:
      return Number(GEOSGeom_getPrecision_r(h, a));
    case v1::OP_CODE_GET_DIMENSIONS: {
      Expected e = Count(0);  // -1 (an empty collection) is an answer.
      e.integer = GEOSGeom_getDimensions_r(h, a);
      return e;
    }
    case v1::OP_CODE_GET_TYPE_ID:
      return Count(GEOSGeomTypeId_r(h, a));
    case v1::OP_CODE_TO_WKT: {
      GEOSWKTWriter* w = GEOSWKTWriter_create_r(h);
      GEOSWKTWriter_setTrim_r(h, w, 1);
      GEOSWKTWriter_setOutputDimension_r(h, w, 3);
      if (op.wkt().has_rounding_precision()) {
        GEOSWKTWriter_setRoundingPrecision_r(h, w,
                                             op.wkt().rounding_precision());
      }
      Expected e = Bytes(c, GEOSWKTWriter_write_r(h, w, a));
      GEOSWKTWriter_destroy_r(h, w);
      return e;
    }
    case v1::OP_CODE_TO_WKB: {
      GEOSWKBWriter* w = GEOSWKBWriter_create_r(h);
      GEOSWKBWriter_setOutputDimension_r(h, w, 3);
      if (op.wkb().big_endian())
        GEOSWKBWriter_setByteOrder_r(h, w, GEOS_WKB_XDR);
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
    case v1::OP_CODE_TRANSFORM:
      return Transform(c, op, a);
    case v1::OP_CODE_GEODESIC_AREA:
      if (!AllLonLat(h, a)) return InvalidArgument();
      return Close(PolygonsArea(h, a));
    case v1::OP_CODE_GEODESIC_LENGTH: {
      if (!AllLonLat(h, a)) return InvalidArgument();
      std::vector<std::vector<std::pair<double, double>>> lines;
      EveryXy(h, a, &lines);
      double length = 0;
      for (const auto& line : lines) {
        for (size_t i = 1; i < line.size(); ++i) {
          length += Inverse(line[i - 1].first, line[i - 1].second,
                            line[i].first, line[i].second);
        }
      }
      return Close(length);
    }
    case v1::OP_CODE_GEODESIC_DISTANCE: {
      if (GEOSisEmpty_r(h, a) || GEOSisEmpty_r(h, b)) return Number(kNaN);
      if (!AllLonLat(h, a) || !AllLonLat(h, b)) return InvalidArgument();
      auto puntal = [&](const GEOSGeometry* g) {
        std::vector<std::vector<std::pair<double, double>>> lines;
        EveryXy(h, g, &lines);
        for (const auto& line : lines) {
          if (line.size() != 1) return false;
        }
        return true;
      };
      const bool a_puntal = puntal(a), b_puntal = puntal(b);
      if (!a_puntal && !b_puntal) return InvalidArgument();
      if (!a_puntal || !b_puntal) {
        // Point to edges: checked against sampled geodesics in
        // tests/proj/proj_test.cc and against pyproj on country outlines
        // in tests/process/crs_test.py.
        Expected e;
        e.unchecked = true;
        return e;
      }
      std::vector<std::vector<std::pair<double, double>>> pa, pb;
      EveryXy(h, a, &pa);
      EveryXy(h, b, &pb);
      double best = std::numeric_limits<double>::infinity();
      for (const auto& p : pa) {
        for (const auto& q : pb) {
          best = std::min(
              best, Inverse(p[0].first, p[0].second, q[0].first, q[0].second));
        }
      }
      return Close(best);
    }
    // --- Shapely 2.1's rest and PostGIS's favourites ---
    case v1::OP_CODE_SET_COORDINATES: {
      // b's points, read one by one, put in the place of a's, sequence by
      // sequence.
      const int b_type = GEOSGeomTypeId_r(h, b);
      if (b_type != GEOS_POINT && b_type != GEOS_MULTIPOINT) {
        return InvalidArgument();
      }
      std::vector<const GEOSGeometry*> points;
      if (GEOSisEmpty_r(h, b) == 0) {
        for (int i = 0; i < GEOSGetNumGeometries_r(h, b); ++i) {
          points.push_back(GEOSGetGeometryN_r(h, b, i));
        }
      }
      if (static_cast<int>(points.size()) != GEOSGetNumCoordinates_r(h, a)) {
        return InvalidArgument();
      }
      const bool b_z = GEOSHasZ_r(h, b) == 1;
      size_t next = 0;
      return Geometry(c, Rebuilt(h, a, [&](Kind, Points& ps, bool& has_z) {
                        for (auto& p : ps) {
                          const GEOSCoordSequence* seq =
                              GEOSGeom_getCoordSeq_r(h, points[next++]);
                          GEOSCoordSeq_getX_r(h, seq, 0, &p[0]);
                          GEOSCoordSeq_getY_r(h, seq, 0, &p[1]);
                          if (b_z) GEOSCoordSeq_getZ_r(h, seq, 0, &p[2]);
                        }
                        has_z = b_z;
                        return true;
                      }));
    }
    case v1::OP_CODE_FORCE_2D: {
      // GEOS's WKB writer drops z when asked for two dimensions.
      GEOSWKBWriter* w = GEOSWKBWriter_create_r(h);
      GEOSWKBWriter_setOutputDimension_r(h, w, 2);
      size_t size = 0;
      unsigned char* wkb = GEOSWKBWriter_write_r(h, w, a, &size);
      GEOSWKBWriter_destroy_r(h, w);
      GEOSWKBReader* r = GEOSWKBReader_create_r(h);
      GEOSGeometry* g = GEOSWKBReader_read_r(h, r, wkb, size);
      GEOSWKBReader_destroy_r(h, r);
      GEOSFree_r(h, wkb);
      return Geometry(c, g);
    }
    case v1::OP_CODE_FORCE_3D: {
      const double z = op.force_3d().z();
      return Geometry(c, Rebuilt(h, a, [z](Kind, Points& points, bool& has_z) {
                        if (!has_z) {
                          for (auto& p : points) p[2] = z;
                        }
                        has_z = true;
                        return true;
                      }));
    }
    case v1::OP_CODE_ORIENT_POLYGONS: {
      // Shapely's fallback: each ring's is_ccw (false under 4 points),
      // reversed where it disagrees.
      const bool exterior_cw = op.orient_polygons().exterior_cw();
      return Geometry(
          c, Rebuilt(h, a, [&](Kind kind, Points& points, bool& has_z) {
            if (kind != Kind::kShell && kind != Kind::kHole) return true;
            char ccw = 0;
            if (points.size() >= 4) {
              GEOSCoordSequence* seq = WritePoints(h, points, has_z);
              GEOSCoordSeq_isCCW_r(h, seq, &ccw);
              GEOSCoordSeq_destroy_r(h, seq);
            }
            if ((ccw == 1) != ((kind == Kind::kShell) != exterior_cw)) {
              std::reverse(points.begin(), points.end());
            }
            return true;
          }));
    }
    case v1::OP_CODE_EQUALS_IDENTICAL: {
      // The same type, then the same ISO WKB (dimensions and ordinates);
      // holds for rows without -0 or NaN, as the random rows are.
      if (GEOSGeomTypeId_r(h, a) != GEOSGeomTypeId_r(h, b)) return Flag(false);
      GEOSWKBWriter* w = GEOSWKBWriter_create_r(h);
      GEOSWKBWriter_setOutputDimension_r(h, w, 3);
      GEOSWKBWriter_setFlavor_r(h, w, GEOS_WKB_ISO);
      size_t na = 0, nb = 0;
      unsigned char* wa = GEOSWKBWriter_write_r(h, w, a, &na);
      unsigned char* wb = GEOSWKBWriter_write_r(h, w, b, &nb);
      const bool same = std::string(reinterpret_cast<char*>(wa), na) ==
                        std::string(reinterpret_cast<char*>(wb), nb);
      GEOSFree_r(h, wa);
      GEOSFree_r(h, wb);
      GEOSWKBWriter_destroy_r(h, w);
      return Flag(same);
    }
    case v1::OP_CODE_POLYGONIZE_FULL: {
      GEOSGeometry *cuts, *dangles, *invalid;
      GEOSGeometry* parts[4] = {
          GEOSPolygonize_full_r(h, a, &cuts, &dangles, &invalid)};
      parts[1] = cuts, parts[2] = dangles, parts[3] = invalid;
      return Geometry(
          c, GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, 4));
    }
    case v1::OP_CODE_COVERAGE_UNION_PAIRWISE: {
      GEOSGeometry* pair[2] = {GEOSGeom_clone_r(h, a), GEOSGeom_clone_r(h, b)};
      GEOSGeometry* both =
          GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, pair, 2);
      GEOSGeometry* u = GEOSCoverageUnion_r(h, both);
      GEOSGeom_destroy_r(h, both);
      return Geometry(c, u);
    }
    case v1::OP_CODE_DISJOINT_SUBSET_UNION:
      return Geometry(c, GEOSUnion_r(h, a, b));
    case v1::OP_CODE_EMPTY: {
      static const char* const kEmpty[] = {
          "POINT EMPTY",        "LINESTRING EMPTY",
          "LINEARRING EMPTY",   "POLYGON EMPTY",
          "MULTIPOINT EMPTY",   "MULTILINESTRING EMPTY",
          "MULTIPOLYGON EMPTY", "GEOMETRYCOLLECTION EMPTY"};
      const int type = op.empty().has_type_id() ? op.empty().type_id()
                                                : GEOSGeomTypeId_r(h, a);
      return Geometry(c, c.ReadWkt(kEmpty[type])->release());
    }
    case v1::OP_CODE_IDENTITY:
      return Geometry(c, GEOSGeom_clone_r(h, a));
    case v1::OP_CODE_POINTS:
      if (GEOSGeomTypeId_r(h, a) != GEOS_POINT) return InvalidArgument();
      return Geometry(c, GEOSGeom_clone_r(h, a));
    case v1::OP_CODE_LINESTRINGS:
    case v1::OP_CODE_LINEARRINGS:
    case v1::OP_CODE_POLYGONS: {
      // Shapely's creation functions, point by point: a line's points
      // rebuilt as a line, a ring (closed first, for linearrings) or a
      // polygon's shell.
      const int type = GEOSGeomTypeId_r(h, a);
      if (op.op() == v1::OP_CODE_POLYGONS && type == GEOS_POLYGON) {
        return Geometry(c, GEOSGeom_clone_r(h, a));
      }
      if (type != GEOS_LINESTRING && type != GEOS_LINEARRING) {
        return InvalidArgument();
      }
      const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, a);
      unsigned dims = 2;
      GEOSCoordSeq_getDimensions_r(h, seq, &dims);
      const bool has_z = dims >= 3;
      Points points = ReadPoints(h, seq, has_z);
      if (op.op() == v1::OP_CODE_LINESTRINGS) {
        return Geometry(
            c, GEOSGeom_createLineString_r(h, WritePoints(h, points, has_z)));
      }
      const bool open =
          !points.empty() && (points.front()[0] != points.back()[0] ||
                              points.front()[1] != points.back()[1]);
      if (open && op.op() == v1::OP_CODE_POLYGONS) return InvalidArgument();
      if (open) points.push_back(points.front());
      if (!points.empty() && points.size() < 4) return InvalidArgument();
      GEOSGeometry* ring =
          GEOSGeom_createLinearRing_r(h, WritePoints(h, points, has_z));
      if (op.op() == v1::OP_CODE_LINEARRINGS) return Geometry(c, ring);
      return Geometry(c, GEOSGeom_createPolygon_r(h, ring, nullptr, 0));
    }
    case v1::OP_CODE_AFFINE: {
      const auto& p = op.affine();
      return Transformed(c, a,
                         {.a = p.has_a() ? p.a() : 1,
                          .b = p.b(),
                          .c = p.c(),
                          .d = p.d(),
                          .e = p.has_e() ? p.e() : 1,
                          .f = p.f(),
                          .g = p.g(),
                          .h = p.h(),
                          .i = p.has_i() ? p.i() : 1,
                          .xoff = p.xoff(),
                          .yoff = p.yoff(),
                          .zoff = p.zoff()});
    }
    case v1::OP_CODE_ROTATE: {
      if (GEOSisEmpty_r(h, a)) return Geometry(c, GEOSGeom_clone_r(h, a));
      const auto& p = op.rotate();
      const double angle = Angle(p.angle(), p.use_radians());
      const double cosp = Tiny(std::cos(angle)), sinp = Tiny(std::sin(angle));
      const auto [x0, y0, z0] =
          Origin(h, a, p.origin(), p.origin_x(), p.origin_y());
      return Transformed(c, a,
                         {.a = cosp,
                          .b = -sinp,
                          .d = sinp,
                          .e = cosp,
                          .xoff = x0 - x0 * cosp + y0 * sinp,
                          .yoff = y0 - x0 * sinp - y0 * cosp});
    }
    case v1::OP_CODE_SCALE: {
      if (GEOSisEmpty_r(h, a)) return Geometry(c, GEOSGeom_clone_r(h, a));
      const auto& p = op.scale();
      const double xf = p.has_xfact() ? p.xfact() : 1;
      const double yf = p.has_yfact() ? p.yfact() : 1;
      const double zf = p.has_zfact() ? p.zfact() : 1;
      const auto [x0, y0, z0] =
          Origin(h, a, p.origin(), p.origin_x(), p.origin_y(), p.origin_z());
      return Transformed(c, a,
                         {.a = xf,
                          .e = yf,
                          .i = zf,
                          .xoff = x0 - x0 * xf,
                          .yoff = y0 - y0 * yf,
                          .zoff = z0 - z0 * zf});
    }
    case v1::OP_CODE_SKEW: {
      if (GEOSisEmpty_r(h, a)) return Geometry(c, GEOSGeom_clone_r(h, a));
      const auto& p = op.skew();
      const double tanx = Tiny(std::tan(Angle(p.xs(), p.use_radians())));
      const double tany = Tiny(std::tan(Angle(p.ys(), p.use_radians())));
      const auto [x0, y0, z0] =
          Origin(h, a, p.origin(), p.origin_x(), p.origin_y());
      return Transformed(
          c, a, {.b = tanx, .d = tany, .xoff = -y0 * tanx, .yoff = -x0 * tany});
    }
    case v1::OP_CODE_TRANSLATE: {
      const auto& p = op.translate();
      return Transformed(
          c, a, {.xoff = p.xoff(), .yoff = p.yoff(), .zoff = p.zoff()});
    }
    case v1::OP_CODE_SNAP_TO_GRID: {
      // PostGIS's lwgeom_grid: x and y to the nearest grid point (rint),
      // consecutive repeats dropped, lines under 2 points and rings under 4
      // gone, collections without their empty members.
      const auto& p = op.snap_to_grid();
      const double sx = p.size_x();
      const double sy = p.has_size_y() && p.size_y() >= 0 ? p.size_y() : sx;
      if (GEOSisEmpty_r(h, a) || (sx == 0 && sy == 0)) {
        return Geometry(c, GEOSGeom_clone_r(h, a));
      }
      auto snap = [](double v, double origin, double size) {
        return size > 0 ? std::rint((v - origin) / size) * size + origin : v;
      };
      return Geometry(c, Rebuilt(
                             h, a,
                             [&](Kind kind, Points& points, bool& has_z) {
                               Points kept;
                               for (auto q : points) {
                                 q[0] = snap(q[0], p.origin_x(), sx);
                                 q[1] = snap(q[1], p.origin_y(), sy);
                                 if (!kept.empty() && kept.back()[0] == q[0] &&
                                     kept.back()[1] == q[1] &&
                                     (!has_z || kept.back()[2] == q[2])) {
                                   continue;
                                 }
                                 kept.push_back(q);
                               }
                               points = kept;
                               const size_t least = kind == Kind::kPoint  ? 0
                                                    : kind == Kind::kLine ? 2
                                                                          : 4;
                               return points.size() >= least;
                             },
                             /*drop_empty=*/true));
    }
    case v1::OP_CODE_LINE_SUBSTRING: {
      // Shapely's substring: the ends where line_interpolate_point puts
      // them, the vertices strictly between by their distance along.
      const int type = GEOSGeomTypeId_r(h, a);
      Expected e;
      if (type != GEOS_LINESTRING && type != GEOS_LINEARRING) {
        e.code = absl::StatusCode::kInvalidArgument;
        return e;
      }
      if (GEOSisEmpty_r(h, a)) {
        return Geometry(c, GEOSGeom_createEmptyLineString_r(h));
      }
      double length = 0;
      GEOSLength_r(h, a, &length);
      const double from = op.line_substring().start_fraction() * length;
      const double to = op.line_substring().end_fraction() * length;
      if (from == to) return Geometry(c, GEOSInterpolate_r(h, a, from));
      const bool has_z = GEOSHasZ_r(h, a) == 1;
      Points points = ReadPoints(h, GEOSGeom_getCoordSeq_r(h, a), has_z);
      Points piece;
      auto end_point = [&](double d) {
        GEOSGeometry* p = GEOSInterpolate_r(h, a, d);
        Points xyz = ReadPoints(h, GEOSGeom_getCoordSeq_r(h, p), has_z);
        GEOSGeom_destroy_r(h, p);
        piece.push_back(xyz[0]);
      };
      end_point(from);
      double along = 0;
      for (size_t i = 0; i + 1 < points.size() && along < to; ++i) {
        if (along > from) piece.push_back(points[i]);
        along += std::hypot(points[i + 1][0] - points[i][0],
                            points[i + 1][1] - points[i][1]);
      }
      end_point(to);
      return Geometry(
          c, GEOSGeom_createLineString_r(h, WritePoints(h, piece, has_z)));
    }
    case v1::OP_CODE_SPLIT:
      return SplitReference(c, a, b);
    case v1::OP_CODE_TILE_ENVELOPE: {
      // PostGIS's ST_TileEnvelope on Web Mercator's square, margin 0.
      Expected e;
      e.code = absl::StatusCode::kInvalidArgument;
      const int zoom = op.tile_envelope().zoom();
      double x, y;
      if (GEOSGeomTypeId_r(h, a) != GEOS_POINT || GEOSisEmpty_r(h, a) ||
          !GEOSGeomGetX_r(h, a, &x) || !GEOSGeomGetY_r(h, a, &y) ||
          x != std::floor(x) || y != std::floor(y) || x < 0 || y < 0 ||
          x >= (1 << zoom) || y >= (1 << zoom)) {
        return e;
      }
      const double world = 20037508.342789244, size = 2 * world / (1 << zoom);
      const double x0 = -world + size * x, x1 = -world + size * (x + 1);
      const double y0 = world - size * (y + 1), y1 = world - size * y;
      GEOSGeometry* g = GEOSGeom_createPolygon_r(
          h,
          GEOSGeom_createLinearRing_r(h, WritePoints(h,
                                                     {{x0, y0, 0},
                                                      {x0, y1, 0},
                                                      {x1, y1, 0},
                                                      {x1, y0, 0},
                                                      {x0, y0, 0}},
                                                     false)),
          nullptr, 0);
      GEOSSetSRID_r(h, g, 3857);
      geos::GeometryPtr owned = c.Own(g);
      Expected tile;
      tile.ok = c.WriteWkb(g, {.include_srid = true}, &tile.bytes).ok();
      return tile;
    }
    case v1::OP_CODE_SUBDIVIDE: {
      // Pieces of at most max_vertices vertices, of a's dimension, which
      // together cover what a covers.
      const int max_vertices = op.subdivide().has_max_vertices()
                                   ? op.subdivide().max_vertices()
                                   : 256;
      Expected e;
      e.ok = true;
      // GEOS's overlay may refuse to cut an invalid polygon.
      const bool valid = GEOSisValid_r(h, a) == 1;
      e.may_fail = !valid;
      const int dim = GEOSGeom_getDimensions_r(h, a);
      std::string a_wkb;
      c.WriteWkb(a, {}, &a_wkb).IgnoreError();
      // Snap-rounding moves the cuts and vertices by up to the grid.
      const double grid = op.subdivide().grid_size();
      e.check = [max_vertices, dim, valid, grid, a_wkb](
                    geos::Context& c, const std::vector<std::string>& wkbs) {
        GEOSContextHandle_t h = c.handle();
        geos::GeometryPtr whole = *c.ReadWkb(a_wkb);
        std::vector<GEOSGeometry*> pieces;
        for (const std::string& wkb : wkbs) {
          GEOSGeometry* g = c.ReadWkb(wkb)->release();
          EXPECT_LE(GEOSGetNumCoordinates_r(h, g), max_vertices);
          EXPECT_EQ(GEOSGeom_getDimensions_r(h, g), dim);
          pieces.push_back(g);
        }
        GEOSGeometry* all = GEOSGeom_createCollection_r(
            h, GEOS_GEOMETRYCOLLECTION, pieces.data(), pieces.size());
        double length = 0;
        GEOSLength_r(h, whole.get(), &length);
        if (dim == 2 && valid) {
          double area = 0, got = 0;
          GEOSArea_r(h, whole.get(), &area);
          GEOSArea_r(h, all, &got);
          EXPECT_NEAR(got, area, 1e-9 * (1 + area) + 2 * grid * length);
        } else if (dim == 1 && !GEOSisEmpty_r(h, whole.get()) && grid == 0) {
          double got = 0;
          GEOSLength_r(h, all, &got);
          EXPECT_NEAR(got, length, 1e-9 * (1 + length));
        }
        if (valid && !GEOSisEmpty_r(h, whole.get()) && dim > 0) {
          // Every piece lies in a (within the grid).
          GEOSGeometry* grown =
              GEOSBuffer_r(h, whole.get(), 1e-6 + 2 * grid, 8);
          EXPECT_EQ(GEOSCovers_r(h, grown, all), 1);
          GEOSGeom_destroy_r(h, grown);
        }
        GEOSGeom_destroy_r(h, all);
      };
      return e;
    }
    case v1::OP_CODE_AS_MVT_GEOM: {
      // Integer tile coordinates within the buffered tile, a's dimension,
      // polygons valid; empty only where a was empty, outside the tile or
      // below its resolution.
      const auto& t = op.mvt_geom();
      const int extent = t.has_extent() ? t.extent() : 4096;
      const int buffer = t.has_buffer() ? t.buffer() : 256;
      const bool clipped = !t.has_clip_geom() || t.clip_geom();
      Expected e;
      e.ok = true;
      const int dim = GEOSGeom_getDimensions_r(h, a);
      e.check = [extent, buffer, clipped, dim](
                    geos::Context& c, const std::vector<std::string>& wkbs) {
        GEOSContextHandle_t h = c.handle();
        ASSERT_EQ(wkbs.size(), 1u);
        geos::GeometryPtr g = *c.ReadWkb(wkbs[0]);
        if (GEOSisEmpty_r(h, g.get())) return;
        EXPECT_EQ(GEOSGeom_getDimensions_r(h, g.get()), dim);
        std::vector<double> xy;
        Coordinates(h, g.get(), false, &xy);
        for (double v : xy) {
          EXPECT_EQ(v, std::rint(v));
          if (clipped) {
            EXPECT_GE(v, -buffer - 1);
            EXPECT_LE(v, extent + buffer + 1);
          }
        }
        if (dim == 2) EXPECT_EQ(GEOSisValid_r(h, g.get()), 1);
      };
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
    case v1::OP_CODE_DISTANCE:
      return Measure(
          [&](double* d) { return GEOSPreparedDistance_r(h, b, a, d); });
    case v1::OP_CODE_INTERSECTS:
      return Predicate(GEOSPreparedIntersects_r(h, b, a));
    case v1::OP_CODE_CROSSES:
      return Predicate(GEOSPreparedCrosses_r(h, b, a));
    case v1::OP_CODE_DISJOINT:
      return Predicate(GEOSPreparedDisjoint_r(h, b, a));
    case v1::OP_CODE_OVERLAPS:
      return Predicate(GEOSPreparedOverlaps_r(h, b, a));
    case v1::OP_CODE_COVERED_BY:
      return Predicate(GEOSPreparedCovers_r(h, b, a));
    case v1::OP_CODE_CONTAINS:
      return Predicate(GEOSPreparedWithin_r(h, b, a));
    case v1::OP_CODE_WITHIN:
      return Predicate(GEOSPreparedContains_r(h, b, a));
    case v1::OP_CODE_COVERS:
      return Predicate(GEOSPreparedCoveredBy_r(h, b, a));
    case v1::OP_CODE_TOUCHES:
      return Predicate(GEOSPreparedTouches_r(h, b, a));
    case v1::OP_CODE_DWITHIN:
      return Predicate(
          GEOSPreparedDistanceWithin_r(h, b, a, op.distance().distance()));
    default:
      return std::nullopt;
  }
}

}  // namespace geosrpc::testing
