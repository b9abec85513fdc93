#include "server/proj/geodesic.h"

#include <geodesic.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace geosrpc::proj {
namespace {

constexpr double kA = 6378137.0;               // WGS84 semi-major axis, m.
constexpr double kF = 1 / 298.257223563;       // WGS84 flattening.
constexpr double kE2 = kF * (2 - kF);          // First eccentricity squared.
constexpr double kMinRadius = kA * (1 - kE2);  // Meridian's, at the equator.
constexpr double kMeanRadius = 6371008.8;      // (2a + b) / 3.
constexpr double kDegree = M_PI / 180;

const geod_geodesic& Wgs84() {
  static const geod_geodesic* const g = [] {
    auto* g = new geod_geodesic;
    geod_init(g, kA, kF);
    return g;
  }();
  return *g;
}

// A vertex in degrees, with its Earth-centred Cartesian position (metres,
// on the ellipsoid) for distance bounds.
struct Vertex {
  double lat = 0, lon = 0;
  double x = 0, y = 0, z = 0;
};

Vertex MakeVertex(double lon, double lat) {
  Vertex v{.lat = lat, .lon = lon};
  const double phi = lat * kDegree, lambda = lon * kDegree;
  const double sin_phi = std::sin(phi), cos_phi = std::cos(phi);
  const double n = kA / std::sqrt(1 - kE2 * sin_phi * sin_phi);
  v.x = n * cos_phi * std::cos(lambda);
  v.y = n * cos_phi * std::sin(lambda);
  v.z = n * (1 - kE2) * sin_phi;
  return v;
}

double Chord(const Vertex& p, const Vertex& q) {
  return std::hypot(p.x - q.x, p.y - q.y, p.z - q.z);
}

double Inverse(double lat1, double lon1, double lat2, double lon2,
               double* azi1 = nullptr) {
  double s12 = 0, a1 = 0, a2 = 0;
  geod_inverse(&Wgs84(), lat1, lon1, lat2, lon2, &s12, &a1, &a2);
  if (azi1 != nullptr) *azi1 = a1;
  return s12;
}

double Inverse(const Vertex& p, const Vertex& q) {
  return Inverse(p.lat, p.lon, q.lat, q.lon);
}

// y - x in degrees, reduced to (-180, 180].
double AngDiff(double x, double y) {
  const double d = std::remainder(y - x, 360.0);
  return d == -180 ? 180 : d;
}

// What a geometry is made of, for the measures: its points, its line
// strings and rings (each as its vertices), and its polygons as ranges of
// those rings, exterior first.
struct Shape {
  std::vector<Vertex> points;
  std::vector<std::vector<Vertex>> lines;
  struct Polygon {
    size_t first_ring = 0;
    size_t rings = 0;
  };
  std::vector<Polygon> polygons;
};

absl::Status ReadVertices(geos::Context& c, const GEOSGeometry* g,
                          std::vector<Vertex>* out) {
  const GEOSContextHandle_t h = c.handle();
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, g);
  unsigned size = 0;
  if (seq == nullptr || GEOSCoordSeq_getSize_r(h, seq, &size) == 0) {
    return c.Error(absl::StatusCode::kFailedPrecondition, "GEOS");
  }
  std::vector<double> xy(2 * size);
  if (size > 0 &&
      GEOSCoordSeq_copyToBuffer_r(h, seq, xy.data(), /*hasZ=*/0, 0) == 0) {
    return c.Error(absl::StatusCode::kFailedPrecondition, "GEOS");
  }
  out->reserve(out->size() + size);
  for (unsigned i = 0; i < size; ++i) {
    const double lon = xy[2 * i], lat = xy[2 * i + 1];
    if (!(std::abs(lat) <= 90) || !(std::abs(lon) <= 540)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "(", lon, " ", lat,
          ") is not a longitude/latitude in degrees (latitude within ±90, "
          "longitude within ±540); geodesic measures take EPSG:4326 "
          "(transform the geometry first)"));
    }
    out->push_back(MakeVertex(lon, lat));
  }
  return absl::OkStatus();
}

absl::Status Collect(geos::Context& c, const GEOSGeometry* g, Shape* out) {
  const GEOSContextHandle_t h = c.handle();
  if (GEOSisEmpty_r(h, g) == 1) return absl::OkStatus();
  switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
      return ReadVertices(c, g, &out->points);
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
      out->lines.emplace_back();
      return ReadVertices(c, g, &out->lines.back());
    case GEOS_POLYGON: {
      Shape::Polygon polygon{.first_ring = out->lines.size()};
      const int holes = GEOSGetNumInteriorRings_r(h, g);
      for (int i = -1; i < holes; ++i) {
        const GEOSGeometry* ring = i < 0 ? GEOSGetExteriorRing_r(h, g)
                                         : GEOSGetInteriorRingN_r(h, g, i);
        if (ring == nullptr) {
          return c.Error(absl::StatusCode::kFailedPrecondition, "GEOS");
        }
        out->lines.emplace_back();
        RETURN_IF_ERROR(ReadVertices(c, ring, &out->lines.back()));
      }
      polygon.rings = out->lines.size() - polygon.first_ring;
      out->polygons.push_back(polygon);
      return absl::OkStatus();
    }
    default:  // Multi-geometries and collections.
      for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
        RETURN_IF_ERROR(Collect(c, GEOSGetGeometryN_r(h, g, i), out));
      }
      return absl::OkStatus();
  }
}

// Unsigned area of one ring, as PostGIS computes it: its vertices without
// the closing repeat, counter-clockwise positive, signed so that a
// clockwise ring is its own area rather than the rest of the Earth's.
double RingArea(const std::vector<Vertex>& ring) {
  size_t n = ring.size();
  if (n >= 2 && ring[0].lat == ring[n - 1].lat &&
      ring[0].lon == ring[n - 1].lon) {
    --n;
  }
  if (n < 3) return 0;
  geod_polygon polygon;
  geod_polygon_init(&polygon, /*polylinep=*/0);
  for (size_t i = 0; i < n; ++i) {
    geod_polygon_addpoint(&Wgs84(), &polygon, ring[i].lat, ring[i].lon);
  }
  double area = 0;
  geod_polygon_compute(&Wgs84(), &polygon, /*reverse=*/0, /*sign=*/1, &area,
                       nullptr);
  return std::abs(area);
}

double LineLength(const std::vector<Vertex>& line) {
  double length = 0;
  for (size_t i = 1; i < line.size(); ++i) {
    length += Inverse(line[i - 1], line[i]);
  }
  return length;
}

// --- Distance -------------------------------------------------------------

// Edges whose chord is longer are not bounded (see EdgeLowerBound).
constexpr double kBoundedChord = 1e6;
// Covers rounding in the bound.
constexpr double kBoundSlack = 1e-6;
// The iteration stops when the foot moves less than this (metres).
constexpr double kStepTolerance = 1e-8;
constexpr int kMaxSteps = 30;

// A lower bound of the geodesic distance from p to any point X of the
// geodesic edge a-b (0 when none is known). The edge's length L is at most
// 2 R asin(c / 2R) for its chord c, R being the smallest radius of
// curvature of the ellipsoid (a geodesic curves no more than that; Schur's
// comparison theorem, for edges far shorter than pi R), and every X lies
// within L/2 of the chord's midpoint M (|XA| + |XB| <= L). So the geodesic
// distance, never shorter than the straight one, is at least
// |PM| - L/2.
double EdgeLowerBound(const Vertex& p, const Vertex& a, const Vertex& b) {
  const double c = Chord(a, b);
  if (c >= kBoundedChord) return 0;
  const double half_length = kMinRadius * std::asin(c / (2 * kMinRadius));
  const double mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2, mz = (a.z + b.z) / 2;
  return std::hypot(p.x - mx, p.y - my, p.z - mz) - half_length - kBoundSlack;
}

// Latitude, at longitude a.lon + offset, of the geodesic edge a-b whose
// longitudes span that offset (found by bisection: longitude is monotonic
// along a geodesic).
double CrossingLatitude(const Vertex& a, const Vertex& b, double offset) {
  double azi1 = 0;
  const double s12 = Inverse(a.lat, a.lon, b.lat, b.lon, &azi1);
  geod_geodesicline line;
  geod_lineinit(&line, &Wgs84(), a.lat, a.lon, azi1,
                GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_DISTANCE_IN);
  const double target = a.lon + offset;
  const double sense = offset > 0 ? 1 : -1;
  double lo = 0, hi = s12, lat = 0, lon = 0;
  for (int i = 0; i < 64 && hi - lo > 1e-9; ++i) {
    const double mid = (lo + hi) / 2;
    geod_genposition(&line, GEOD_LONG_UNROLL, mid, &lat, &lon, nullptr, nullptr,
                     nullptr, nullptr, nullptr, nullptr);
    (sense * (lon - target) < 0 ? lo : hi) = mid;
  }
  geod_genposition(&line, GEOD_LONG_UNROLL, (lo + hi) / 2, &lat, &lon, nullptr,
                   nullptr, nullptr, nullptr, nullptr, nullptr);
  return lat;
}

// Whether the meridian from p to the north pole crosses the edge a-b
// (half-open in longitude, so a ray through a vertex counts once).
bool CrossesNorthward(const Vertex& p, const Vertex& a, const Vertex& b) {
  const double da = AngDiff(p.lon, a.lon);
  const double db = da + AngDiff(a.lon, b.lon);
  if (!((da <= 0 && 0 < db) || (db <= 0 && 0 < da))) return false;
  const double lo = std::min(a.lat, b.lat), hi = std::max(a.lat, b.lat);
  // A geodesic between two points of one hemisphere bulges towards its
  // pole: it is nowhere nearer the equator than its ends.
  if (lo >= 0 && lo > p.lat) return true;
  if (hi <= 0 && hi <= p.lat) return false;
  return CrossingLatitude(a, b, -da) > p.lat;
}

bool InRing(const Vertex& p, const std::vector<Vertex>& ring) {
  bool inside = false;
  double winding = 0;
  bool north_pole = false;
  for (size_t i = 1; i < ring.size(); ++i) {
    const Vertex& a = ring[i - 1];
    const Vertex& b = ring[i];
    winding += AngDiff(a.lon, b.lon);
    north_pole = north_pole || a.lat == 90;
    if (CrossesNorthward(p, a, b)) inside = !inside;
  }
  // A ring around the north pole: the ray to the pole ends inside it.
  if (std::abs(winding) > 180 && north_pole) inside = !inside;
  return inside;
}

bool InPolygons(const Vertex& p, const Shape& shape) {
  for (const Shape::Polygon& polygon : shape.polygons) {
    if (!InRing(p, shape.lines[polygon.first_ring])) continue;
    bool in_hole = false;
    for (size_t r = 1; r < polygon.rings && !in_hole; ++r) {
      in_hole = InRing(p, shape.lines[polygon.first_ring + r]);
    }
    if (!in_hole) return true;
  }
  return false;
}

// The least of `best` and the distance from p to `shape`'s points and edges.
double DistanceTo(const Vertex& p, const Shape& shape, double best,
                  std::vector<double>* bounds) {
  for (const Vertex& q : shape.points) {
    if (Chord(p, q) < best) best = std::min(best, Inverse(p, q));
  }
  // Bounds first; then the edge with the least bound, for a good `best`
  // early; then every edge whose bound is below `best`.
  bounds->clear();
  double least = std::numeric_limits<double>::infinity();
  const Vertex* least_a = nullptr;
  const Vertex* least_b = nullptr;
  for (const std::vector<Vertex>& line : shape.lines) {
    for (size_t i = 1; i < line.size(); ++i) {
      bounds->push_back(EdgeLowerBound(p, line[i - 1], line[i]));
      if (bounds->back() < least) {
        least = bounds->back();
        least_a = &line[i - 1];
        least_b = &line[i];
      }
    }
  }
  if (least_a == nullptr || least >= best) return best;
  auto edge = [&](const Vertex& a, const Vertex& b) {
    best = std::min(
        best, PointToSegmentDistance(p.lat, p.lon, a.lat, a.lon, b.lat, b.lon));
  };
  edge(*least_a, *least_b);
  size_t k = 0;
  for (const std::vector<Vertex>& line : shape.lines) {
    for (size_t i = 1; i < line.size(); ++i, ++k) {
      if ((*bounds)[k] < best && &line[i - 1] != least_a) {
        edge(line[i - 1], line[i]);
      }
    }
  }
  return best;
}

uint64_t Edges(const Shape& shape) {
  uint64_t edges = 0;
  for (const auto& line : shape.lines) {
    if (!line.empty()) edges += line.size() - 1;
  }
  return edges;
}

}  // namespace

double PointToSegmentDistance(double p_lat, double p_lon, double a_lat,
                              double a_lon, double b_lat, double b_lon) {
  double azi1 = 0, azi_ap = 0;
  const double s12 = Inverse(a_lat, a_lon, b_lat, b_lon, &azi1);
  const double d_a = Inverse(a_lat, a_lon, p_lat, p_lon, &azi_ap);
  if (s12 == 0 || d_a == 0) return d_a;
  double best = std::min(d_a, Inverse(b_lat, b_lon, p_lat, p_lon));
  // Along-track distance from the foot to the nearest point of the whole
  // geodesic, as a sphere gives it: tan(ds/R) = tan(d/R) cos(angle).
  auto along = [](double d, double angle_degrees) {
    const double sigma = d / kMeanRadius;
    return kMeanRadius *
           std::atan2(std::sin(sigma) * std::cos(angle_degrees * kDegree),
                      std::cos(sigma));
  };
  geod_geodesicline line;
  geod_lineinit(
      &line, &Wgs84(), a_lat, a_lon, azi1,
      GEOD_LATITUDE | GEOD_LONGITUDE | GEOD_AZIMUTH | GEOD_DISTANCE_IN);
  double s = std::clamp(along(d_a, azi_ap - azi1), 0.0, s12);
  for (int step = 0; step < kMaxSteps; ++step) {
    double lat = 0, lon = 0, azi = 0, azi_xp = 0;
    geod_position(&line, s, &lat, &lon, &azi);
    const double d = Inverse(lat, lon, p_lat, p_lon, &azi_xp);
    best = std::min(best, d);
    if (d == 0) break;
    const double next = std::clamp(s + along(d, azi_xp - azi), 0.0, s12);
    if (std::abs(next - s) <= kStepTolerance) break;
    s = next;
  }
  return best;
}

absl::StatusOr<double> GeodesicArea(geos::Context& context,
                                    const GEOSGeometry* g) {
  Shape shape;
  RETURN_IF_ERROR(Collect(context, g, &shape));
  double area = 0;
  for (const Shape::Polygon& polygon : shape.polygons) {
    double polygon_area = 0;
    for (size_t r = 0; r < polygon.rings; ++r) {
      const double ring = RingArea(shape.lines[polygon.first_ring + r]);
      polygon_area += r == 0 ? ring : -ring;
    }
    area += polygon_area;
  }
  return area;
}

absl::StatusOr<double> GeodesicLength(geos::Context& context,
                                      const GEOSGeometry* g) {
  Shape shape;
  RETURN_IF_ERROR(Collect(context, g, &shape));
  double length = 0;
  for (const std::vector<Vertex>& line : shape.lines) {
    length += LineLength(line);
  }
  return length;
}

absl::StatusOr<double> GeodesicDistance(geos::Context& context,
                                        const GEOSGeometry* a,
                                        const GEOSGeometry* b,
                                        uint64_t max_pairs) {
  const GEOSContextHandle_t h = context.handle();
  if (GEOSisEmpty_r(h, a) == 1 || GEOSisEmpty_r(h, b) == 1) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  Shape shape_a, shape_b;
  RETURN_IF_ERROR(Collect(context, a, &shape_a));
  RETURN_IF_ERROR(Collect(context, b, &shape_b));
  const bool a_puntal = shape_a.lines.empty();
  if (!a_puntal && !shape_b.lines.empty()) {
    return absl::InvalidArgumentError(
        "geodesic_distance needs a or b to be a point or multipoint "
        "(distances between lines or polygons are not computed)");
  }
  const Shape& points = a_puntal ? shape_a : shape_b;
  const Shape& other = a_puntal ? shape_b : shape_a;
  const uint64_t pairs =
      points.points.size() * (Edges(other) + other.points.size());
  if (pairs > max_pairs) {
    return absl::InvalidArgumentError(
        absl::StrCat("geodesic_distance: ", points.points.size(),
                     " points against ", Edges(other) + other.points.size(),
                     " vertices; at most ", max_pairs, " pairs a row"));
  }
  double best = std::numeric_limits<double>::infinity();
  std::vector<double> bounds;
  for (const Vertex& p : points.points) {
    if (InPolygons(p, other)) return 0.0;
    best = DistanceTo(p, other, best, &bounds);
  }
  return best;
}

}  // namespace geosrpc::proj
