// Random geometries for tests and benchmarks: reproducible from a seed,
// covering every geometry type, empties, and some invalid polygons (so that
// operations meet GEOS errors as well as results). Not thread-safe per
// generator.
#ifndef GEOSRPC_TESTS_TESTING_RANDOM_GEOMETRIES_H_
#define GEOSRPC_TESTS_TESTING_RANDOM_GEOMETRIES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/random/random.h"

namespace geosrpc::testing {

class RandomGeometries {
 public:
  explicit RandomGeometries(uint64_t seed) : gen_(std::seed_seq{seed}) {}

  // A mix of points, lines, polygons (some with holes, some invalid),
  // multi-geometries, collections and empties, within [0, 100]^2.
  std::string AnyWkt();
  std::string PointWkt();
  // A simple star-shaped polygon around a random centre.
  std::string PolygonWkt(int vertices);

  std::vector<std::string> Wkts(int n);

 private:
  double Coord() { return absl::Uniform(gen_, 0.0, 100.0); }
  std::string Ring(double cx, double cy, double radius, int vertices,
                   bool clockwise);
  std::string Line(int vertices);

  absl::BitGen gen_;
};

// The WKB (NDR, extended, 3D) of each WKT, via GEOS.
std::vector<std::string> WktToWkb(const std::vector<std::string>& wkts);

}  // namespace geosrpc::testing

#endif  // GEOSRPC_TESTS_TESTING_RANDOM_GEOMETRIES_H_
