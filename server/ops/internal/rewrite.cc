#include "server/ops/internal/rewrite.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "server/ops/internal/kernels.h"

namespace geosrpc::ops::internal {
namespace {

absl::Status CheckFinite(const Coords& coords) {
  for (double d : coords.v) {
    if (!(std::fabs(d) <= kMaxAbsCoordinate)) {
      return absl::OutOfRangeError(absl::StrCat(
          "a result coordinate (", d, ") is beyond +-", kMaxAbsCoordinate));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Coords> CopyCoords(geos::Context& c, const GEOSGeometry* g) {
  const GEOSContextHandle_t h = c.handle();
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, g);
  unsigned size = 0, dims = 0;
  if (seq == nullptr || GEOSCoordSeq_getSize_r(h, seq, &size) == 0 ||
      GEOSCoordSeq_getDimensions_r(h, seq, &dims) == 0) {
    return GeosFailure(c);
  }
  Coords coords;
  coords.dims = dims >= 3 ? 3 : 2;
  coords.v.resize(size * coords.dims);
  if (size > 0 && GEOSCoordSeq_copyToBuffer_r(h, seq, coords.v.data(),
                                              coords.dims == 3, 0) == 0) {
    return GeosFailure(c);
  }
  return coords;
}

absl::StatusOr<geos::GeometryPtr> CreateFromCoords(geos::Context& c, int type,
                                                   const Coords& coords) {
  RETURN_IF_ERROR(CheckFinite(coords));
  const GEOSContextHandle_t h = c.handle();
  // An empty sequence from a buffer has three dimensions whatever it is
  // told: GEOS's own constructor keeps an empty 2D part 2D.
  GEOSCoordSequence* seq =
      coords.size() == 0
          ? GEOSCoordSeq_create_r(h, 0, coords.dims)
          : GEOSCoordSeq_copyFromBuffer_r(h, coords.v.data(),
                                          static_cast<unsigned>(coords.size()),
                                          coords.dims == 3, 0);
  if (seq == nullptr) return GeosFailure(c);
  // Each constructor takes the sequence, also when it fails.
  GEOSGeometry* g = type == GEOS_POINT ? GEOSGeom_createPoint_r(h, seq)
                    : type == GEOS_LINEARRING
                        ? GEOSGeom_createLinearRing_r(h, seq)
                        : GEOSGeom_createLineString_r(h, seq);
  if (g == nullptr) return GeosFailure(c);
  return c.Own(g);
}

namespace {

class Rewriter {
 public:
  Rewriter(geos::Context& c, CoordsFn fn, const RewriteOptions& options)
      : c_(c), fn_(fn), options_(options) {}

  absl::StatusOr<geos::GeometryPtr> Rewrite(const GEOSGeometry* g) {
    const GEOSContextHandle_t h = c_.handle();
    const int type = GEOSGeomTypeId_r(h, g);
    switch (type) {
      case GEOS_POINT:
      case GEOS_LINESTRING:
      case GEOS_LINEARRING:
        return Simple(g, type, type == GEOS_POINT ? Part::kPoint : Part::kLine);
      case GEOS_POLYGON:
        return Polygon(g);
      case GEOS_MULTIPOINT:
      case GEOS_MULTILINESTRING:
      case GEOS_MULTIPOLYGON:
      case GEOS_GEOMETRYCOLLECTION:
        return Collection(g, type);
      default:
        return GeosFailure(c_);
    }
  }

 private:
  // `g`'s sequence through fn_, as a geometry of `type` (a dropped part is
  // empty).
  absl::StatusOr<geos::GeometryPtr> Simple(const GEOSGeometry* g, int type,
                                           Part part) {
    ASSIGN_OR_RETURN(Coords coords, CopyCoords(c_, g));
    bool keep = true;
    RETURN_IF_ERROR(fn_(part, coords, &keep));
    if (!keep) coords.v.clear();
    return CreateFromCoords(c_, type, coords);
  }

  absl::StatusOr<geos::GeometryPtr> Polygon(const GEOSGeometry* g) {
    const GEOSContextHandle_t h = c_.handle();
    const GEOSGeometry* shell = GEOSGetExteriorRing_r(h, g);
    const int holes = GEOSGetNumInteriorRings_r(h, g);
    if (shell == nullptr || holes < 0) return GeosFailure(c_);
    ASSIGN_OR_RETURN(Coords coords, CopyCoords(c_, shell));
    bool keep = true;
    RETURN_IF_ERROR(fn_(Part::kShell, coords, &keep));
    std::vector<geos::GeometryPtr> rings;
    if (!keep) coords.v.clear();
    ASSIGN_OR_RETURN(geos::GeometryPtr ring,
                     CreateFromCoords(c_, GEOS_LINEARRING, coords));
    rings.push_back(std::move(ring));
    for (int i = 0; keep && i < holes; ++i) {
      ASSIGN_OR_RETURN(Coords hole,
                       CopyCoords(c_, GEOSGetInteriorRingN_r(h, g, i)));
      bool keep_hole = true;
      RETURN_IF_ERROR(fn_(Part::kHole, hole, &keep_hole));
      if (!keep_hole) continue;
      ASSIGN_OR_RETURN(ring, CreateFromCoords(c_, GEOS_LINEARRING, hole));
      rings.push_back(std::move(ring));
    }
    geos::GeometryPtr outer = std::move(rings[0]);
    rings.erase(rings.begin());
    return c_.MakePolygon(std::move(outer), std::move(rings));
  }

  absl::StatusOr<geos::GeometryPtr> Collection(const GEOSGeometry* g,
                                               int type) {
    const GEOSContextHandle_t h = c_.handle();
    std::vector<geos::GeometryPtr> members;
    for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
      ASSIGN_OR_RETURN(geos::GeometryPtr m,
                       Rewrite(GEOSGetGeometryN_r(h, g, i)));
      if (options_.drop_empty_members && GEOSisEmpty_r(h, m.get()) != 0) {
        continue;
      }
      members.push_back(std::move(m));
    }
    return c_.MakeCollection(type, std::move(members));
  }

  geos::Context& c_;
  const CoordsFn fn_;
  const RewriteOptions& options_;
};

// Squared distance from `p` to segment (a, b) times its squared length,
// as PostGIS's ptarray_dp_findsplit_in_place computes it (the division
// left out on purpose).
double ScaledDistanceSquared(const double* a, const double* b, const double* p,
                             double ab_length_sqr) {
  const double ba_x = b[0] - a[0], ba_y = b[1] - a[1];
  const double ca_x = p[0] - a[0], ca_y = p[1] - a[1];
  const double dot = ca_x * ba_x + ca_y * ba_y;
  if (dot <= 0) return (ca_x * ca_x + ca_y * ca_y) * ab_length_sqr;
  if (dot >= ab_length_sqr) {
    const double cb_x = p[0] - b[0], cb_y = p[1] - b[1];
    return (cb_x * cb_x + cb_y * cb_y) * ab_length_sqr;
  }
  const double s = ca_x * ba_y - ca_y * ba_x;
  return s * s;
}

// The point of (first, last) farthest from their segment, if farther than
// `tolerance_sqr` (scaled as ScaledDistanceSquared); else `first`.
size_t FindSplit(const Coords& c, size_t first, size_t last,
                 double tolerance_sqr) {
  size_t split = first;
  if (last - first < 2) return first;
  const double* a = c.at(first);
  const double* b = c.at(last);
  const double ab_x = b[0] - a[0], ab_y = b[1] - a[1];
  const double ab_length_sqr = ab_x * ab_x + ab_y * ab_y;
  double max = tolerance_sqr;
  if (ab_length_sqr < DBL_EPSILON) {  // A closed stretch: distance to a.
    for (size_t k = first + 1; k < last; ++k) {
      const double dx = c.at(k)[0] - a[0], dy = c.at(k)[1] - a[1];
      if (dx * dx + dy * dy > max) split = k, max = dx * dx + dy * dy;
    }
    return split;
  }
  max *= ab_length_sqr;
  for (size_t k = first + 1; k < last; ++k) {
    const double d = ScaledDistanceSquared(a, b, c.at(k), ab_length_sqr);
    if (d > max) split = k, max = d;
  }
  return split;
}

// PostGIS's O(n) pass for a tolerance of 0 (at most 2 points to keep).
void DropCollinearPass(Coords& c) {
  const size_t n = c.size();
  size_t kept = 0;
  for (size_t i = 1; i + 1 < n; ++i) {
    const double* k = c.at(kept);
    const double* cur = c.at(i);
    const double* next = c.at(i + 1);
    const double ba_x = next[0] - k[0], ba_y = next[1] - k[1];
    const double ab_length_sqr = ba_x * ba_x + ba_y * ba_y;
    const double ca_x = cur[0] - k[0], ca_y = cur[1] - k[1];
    const double dot = ca_x * ba_x + ca_y * ba_y;
    const double s = ca_x * ba_y - ca_y * ba_x;
    if (dot < 0 || dot > ab_length_sqr || s != 0) {
      ++kept;
      if (kept != i) std::copy(cur, cur + c.dims, c.at(kept));
    }
  }
  ++kept;
  if (kept != n - 1) std::copy(c.at(n - 1), c.at(n - 1) + c.dims, c.at(kept));
  c.Truncate(kept + 1);
}

}  // namespace

absl::StatusOr<geos::GeometryPtr> RewriteCoordinates(
    geos::Context& c, const GEOSGeometry* g, CoordsFn fn,
    const RewriteOptions& options) {
  Rewriter rewriter(c, fn, options);
  ASSIGN_OR_RETURN(geos::GeometryPtr out, rewriter.Rewrite(g));
  GEOSSetSRID_r(c.handle(), out.get(), GEOSGetSRID_r(c.handle(), g));
  return out;
}

absl::StatusOr<geos::GeometryPtr> OrientRings(geos::Context& c,
                                              const GEOSGeometry* g,
                                              bool exterior_cw) {
  const GEOSContextHandle_t h = c.handle();
  return RewriteCoordinates(
      c, g, [&](Part part, Coords& coords, bool*) -> absl::Status {
        // Empty rings have no orientation.
        if ((part != Part::kShell && part != Part::kHole) ||
            coords.size() < 2) {
          return absl::OkStatus();
        }
        char ccw = 0;
        if (coords.size() >= 4) {
          const geos::CoordSeqPtr seq(
              GEOSCoordSeq_copyFromBuffer_r(
                  h, coords.v.data(), static_cast<unsigned>(coords.size()),
                  coords.dims == 3, 0),
              {h});
          if (!seq || GEOSCoordSeq_isCCW_r(h, seq.get(), &ccw) == 0) {
            return GeosFailure(c);
          }
        }
        const bool want_ccw = (part == Part::kShell) != exterior_cw;
        if ((ccw != 0) != want_ccw) {
          for (size_t i = 0, j = coords.size() - 1; i < j; ++i, --j) {
            std::swap_ranges(coords.at(i), coords.at(i) + coords.dims,
                             coords.at(j));
          }
        }
        return absl::OkStatus();
      });
}

void SnapToGrid(const Grid& grid, Coords& c) {
  size_t out = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    double* p = c.at(i);
    double x = p[0], y = p[1];
    if (grid.size_x > 0) {
      x = std::rint((x - grid.origin_x) / grid.size_x) * grid.size_x +
          grid.origin_x;
    }
    if (grid.size_y > 0) {
      y = std::rint((y - grid.origin_y) / grid.size_y) * grid.size_y +
          grid.origin_y;
    }
    if (out > 0) {
      const double* last = c.at(out - 1);
      if (last[0] == x && last[1] == y && (c.dims < 3 || last[2] == p[2])) {
        continue;
      }
    }
    double* q = c.at(out++);
    if (q != p && c.dims == 3) q[2] = p[2];
    q[0] = x, q[1] = y;
  }
  c.Truncate(out);
}

void DropCollinear(Coords& c, size_t min_points) {
  const size_t n = c.size();
  if (n < 3 || n <= min_points) return;
  if (min_points <= 2) return DropCollinearPass(c);
  // Douglas-Peucker with a tolerance of 0, splitting unconditionally until
  // min_points are kept.
  std::vector<bool> kept(n, false);
  kept[0] = kept[n - 1] = true;
  size_t kept_count = 2;
  std::vector<size_t> stack = {0};
  size_t first = 0, last = n - 1;
  double tolerance = kept_count >= min_points ? 0.0 : -1.0;
  while (!stack.empty()) {
    const size_t split = FindSplit(c, first, last, tolerance);
    if (split == first) {
      first = last;
      last = stack.back();
      stack.pop_back();
    } else {
      kept[split] = true;
      ++kept_count;
      stack.push_back(last);
      last = split;
      tolerance = kept_count >= min_points ? 0.0 : -1.0;
    }
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!kept[i]) continue;
    if (out != i) std::copy(c.at(i), c.at(i) + c.dims, c.at(out));
    ++out;
  }
  c.Truncate(out);
}

}  // namespace geosrpc::ops::internal
