// Random geometries for tests and benchmarks: reproducible from a seed,
// covering every geometry type, empties, and some invalid polygons (so that
// operations meet GEOS errors as well as results). Not thread-safe per
// generator.
#ifndef GEOSRPC_TESTS_TESTING_RANDOM_GEOMETRIES_H_
#define GEOSRPC_TESTS_TESTING_RANDOM_GEOMETRIES_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace geosrpc::testing {

// Polygons within [0, 10]^2 whose vertices lie on the half-unit grid, for
// point-location tests (points on that grid meet their vertices, edges and
// holes): a rectangle, one with a hole, a triangle, a multipolygon, two
// invalid ones (a bow tie; members that overlap) and a hole touching its
// shell at a vertex. Not random: the same every time.
const std::vector<std::string>& GridPolygons();

class RandomGeometries {
 public:
  explicit RandomGeometries(uint64_t seed) : gen_(seed) {}

  // A mix of points, lines, polygons (some with holes, some invalid),
  // multi-geometries, collections and empties, within [0, 100]^2.
  std::string AnyWkt();
  std::string PointWkt();
  // A simple star-shaped polygon around a random centre.
  std::string PolygonWkt(int vertices);

  std::vector<std::string> Wkts(int n);

 private:
  double Coord() { return Uniform(0.0, 100.0); }
  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(gen_);
  }
  int Int(int lo, int hi) {  // [lo, hi)
    return std::uniform_int_distribution<int>(lo, hi - 1)(gen_);
  }
  std::string Ring(double cx, double cy, double radius, int vertices,
                   bool clockwise);
  std::string Line(int vertices);

  // Not absl::BitGen, which salts seeds per process: a failing seed must
  // fail again.
  std::mt19937_64 gen_;
};

// A LINESTRING random walk from the origin with steps in [-1, 1)^2. Its wide
// buffer is pathological for GEOS (seconds at a few thousand vertices,
// minutes at 20,000) and passes many interrupt checkpoints.
std::string RandomWalkWkt(int vertices, uint64_t seed = 1);

// The WKB (NDR, extended, 3D) of each WKT, via GEOS.
std::vector<std::string> WktToWkb(const std::vector<std::string>& wkts);

}  // namespace geosrpc::testing

#endif  // GEOSRPC_TESTS_TESTING_RANDOM_GEOMETRIES_H_
