#include "tests/testing/random_geometries.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "server/geos/context.h"

namespace geosrpc::testing {

const std::vector<std::string>& GridPolygons() {
  static const auto* polygons = new std::vector<std::string>{
      "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
      "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 8, 8 8, 8 2, 2 2))",
      "POLYGON ((0 0, 10 0, 5 7, 0 0))",
      "MULTIPOLYGON (((0 0, 4 0, 4 4, 0 4, 0 0)), ((6 6, 10 6, 10 10, 6 6)))",
      "POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))",
      "MULTIPOLYGON (((0 0, 6 0, 6 6, 0 6, 0 0)), ((4 4, 10 4, 10 10, 4 10, "
      "4 4)))",
      "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (0 0, 3 5, 5 3, 0 0))",
  };
  return *polygons;
}

std::string RandomGeometries::Ring(double cx, double cy, double radius,
                                   int vertices, bool clockwise) {
  std::string ring = "(";
  std::string first;
  for (int i = 0; i < vertices; ++i) {
    const double angle = (clockwise ? -1 : 1) * 2 * M_PI * i / vertices;
    const double r = radius * Uniform(0.5, 1.0);
    std::string p =
        absl::StrCat(cx + r * std::cos(angle), " ", cy + r * std::sin(angle));
    if (i == 0) first = p;
    absl::StrAppend(&ring, i ? ", " : "", p);
  }
  absl::StrAppend(&ring, ", ", first, ")");
  return ring;
}

std::string RandomGeometries::Line(int vertices) {
  std::string line = "(";
  double x = Coord(), y = Coord();
  for (int i = 0; i < vertices; ++i) {
    absl::StrAppend(&line, i ? ", " : "", x, " ", y);
    x += Uniform(-10.0, 10.0);
    y += Uniform(-10.0, 10.0);
  }
  return line + ")";
}

std::string RandomGeometries::PointWkt() {
  return absl::StrCat("POINT (", Coord(), " ", Coord(), ")");
}

std::string RandomGeometries::PolygonWkt(int vertices) {
  return absl::StrCat(
      "POLYGON (", Ring(Coord(), Coord(), Uniform(1.0, 20.0), vertices, false),
      ")");
}

std::string RandomGeometries::AnyWkt() {
  const int kind = Int(0, 20);
  switch (kind) {
    case 0:
    case 1:
    case 2:
      return PointWkt();
    case 3:
    case 4:
      return absl::StrCat("LINESTRING ", Line(Int(2, 12)));
    case 5:
    case 6:
    case 7:
    case 8:
      return PolygonWkt(Int(3, 30));
    case 9: {  // With a hole.
      const double cx = Coord(), cy = Coord();
      return absl::StrCat("POLYGON (", Ring(cx, cy, 20, 16, false), ", ",
                          Ring(cx, cy, 5, 8, true), ")");
    }
    case 10: {  // Bow-tie: invalid, so overlays may fail.
      const double x = Coord(), y = Coord(), d = Uniform(1.0, 9.0);
      return absl::StrCat("POLYGON ((", x, " ", y, ", ", x + d, " ", y + d,
                          ", ", x + d, " ", y, ", ", x, " ", y + d, ", ", x,
                          " ", y, "))");
    }
    case 11:
      return absl::StrCat("MULTIPOINT (", Coord(), " ", Coord(), ", ", Coord(),
                          " ", Coord(), ", ", Coord(), " ", Coord(), ")");
    case 12:
      return absl::StrCat("MULTILINESTRING (", Line(3), ", ", Line(5), ")");
    case 13:
    case 14: {  // Parts may overlap: sometimes invalid.
      const std::string a = PolygonWkt(8), b = PolygonWkt(12);
      return absl::StrCat("MULTIPOLYGON ((", a.substr(9, a.size() - 10), "), (",
                          b.substr(9, b.size() - 10), "))");
    }
    case 15:
      return absl::StrCat("GEOMETRYCOLLECTION (", PointWkt(), ", ",
                          PolygonWkt(6), ")");
    case 16:
      return absl::StrCat("POINT Z (", Coord(), " ", Coord(), " ", Coord(),
                          ")");
    case 17: {
      const char* empties[] = {"POINT EMPTY", "LINESTRING EMPTY",
                               "POLYGON EMPTY", "GEOMETRYCOLLECTION EMPTY"};
      return empties[Int(0, 4)];
    }
    default:
      return PolygonWkt(Int(40, 120));
  }
}

std::vector<std::string> RandomGeometries::Wkts(int n) {
  std::vector<std::string> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) out.push_back(AnyWkt());
  return out;
}

std::string RandomWalkWkt(int vertices, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> step(-1, 1);
  std::string wkt = "LINESTRING (";
  double x = 0, y = 0;
  for (int i = 0; i < vertices; ++i) {
    x += step(rng);
    y += step(rng);
    absl::StrAppend(&wkt, i ? ", " : "", x, " ", y);
  }
  return wkt + ")";
}

std::vector<std::string> WktToWkb(const std::vector<std::string>& wkts) {
  geos::Context context;
  std::vector<std::string> out;
  out.reserve(wkts.size());
  for (const std::string& wkt : wkts) {
    auto g = context.ReadWkt(wkt);
    std::string wkb;
    if (g.ok()) (void)context.WriteWkb(g->get(), {}, &wkb);
    out.push_back(std::move(wkb));
  }
  return out;
}

}  // namespace geosrpc::testing
