// Cutting a into pieces, as PostGIS does: ST_Subdivide (pieces of at most
// so many vertices, each its own value) and ST_Split (by a blade, one
// collection per row). Both can multiply vertices: their results are
// bounded by kMaxResultVertices.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "server/geos/handles.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/guards.h"
#include "server/ops/internal/kernels.h"
#include "server/ops/internal/rewrite.h"

namespace geosrpc::ops::internal {
namespace {

absl::StatusOr<geos::GeometryPtr> Owned(geos::Context& c, GEOSGeometry* g) {
  if (g == nullptr) return GeosFailure(c);
  return c.Own(g);
}

// The rectangle polygon as PostGIS's lwpoly_construct_envelope builds it,
// from (x0 y0) up, across and down: GEOS computes where a cut crosses an
// edge from the edge's ends, so the ring's order is the last bit of the
// cut's position.
absl::StatusOr<geos::GeometryPtr> Envelope(geos::Context& c, double x0,
                                           double y0, double x1, double y1) {
  const GEOSContextHandle_t h = c.handle();
  const double ring[] = {x0, y0, x0, y1, x1, y1, x1, y0, x0, y0};
  GEOSCoordSequence* seq = GEOSCoordSeq_copyFromBuffer_r(h, ring, 5, 0, 0);
  ASSIGN_OR_RETURN(
      geos::GeometryPtr shell,
      Owned(c, seq != nullptr ? GEOSGeom_createLinearRing_r(h, seq) : nullptr));
  return c.MakePolygon(std::move(shell));
}

absl::Status TooManyVertices(double vertices) {
  return absl::ResourceExhaustedError(
      absl::StrCat("the result would have more than ", kMaxResultVertices,
                   " vertices (", vertices, " so far)"));
}

// --- Subdivide ------------------------------------------------------------

constexpr ParamSpec kSubdivideParams[] = {
    {.name = "max_vertices",
     .type = ParamType::kInt,
     .default_value = 256,
     .min = 5,
     .max = 1 << 30,
     .description = "Most vertices of a piece (at least 5: a box's)."},
    {.name = "grid_size",
     .type = ParamType::kDouble,
     .min = 0,
     .max = kInf,
     .description = "Snap-rounding grid of the cuts; 0 is full floating "
                    "precision."},
};
constexpr int kMaxVertices = ParamIndex(kSubdivideParams, "max_vertices");
constexpr int kSubdivideGrid = ParamIndex(kSubdivideParams, "grid_size");

// PostGIS's FP_TOLERANCE: how far a degenerate box is widened, and how
// close a pivot may come to the box's edge.
constexpr double kTolerance = 1e-12;
// PostGIS's bound on the recursion: 2^50 pieces is plenty.
constexpr int kMaxDepth = 50;

// PostGIS stores a geometry's bounds as floats rounded outward (but for
// points, and lines of two points), and its subdivision starts from those:
// the first cut's box, and so where exactly the cut crosses a's edges,
// follows them. Ordinates are within +-1e150, so never beyond a float's
// range but in these two.
bool HasStoredBounds(GEOSContextHandle_t h, const GEOSGeometry* g) {
  switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT:
      return false;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
      return GEOSGetNumCoordinates_r(h, g) > 2;
    case GEOS_MULTIPOINT:
      return GEOSGetNumGeometries_r(h, g) != 1;
    case GEOS_MULTILINESTRING:
      return GEOSGetNumGeometries_r(h, g) != 1 ||
             GEOSGetNumCoordinates_r(h, g) > 2;
    default:
      return true;
  }
}

// PostGIS's next_float_down and next_float_up.
double FloatDown(double d) {
  if (d >= FLT_MAX) return FLT_MAX;
  if (d <= -FLT_MAX) return -FLT_MAX;
  const float f = static_cast<float>(d);
  return static_cast<double>(f) <= d ? f : std::nextafterf(f, -FLT_MAX);
}
double FloatUp(double d) {
  if (d >= FLT_MAX) return FLT_MAX;
  if (d <= -FLT_MAX) return -FLT_MAX;
  const float f = static_cast<float>(d);
  return static_cast<double>(f) >= d ? f : std::nextafterf(f, FLT_MAX);
}

// PostGIS's ptarray_signed_area, unsigned.
double RingArea(const Coords& ring) {
  double sum = 0;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    sum +=
        ring.at(i)[0] * ring.at(i + 1)[1] - ring.at(i + 1)[0] * ring.at(i)[1];
  }
  return std::fabs(sum / 2);
}

// `g`'s coordinates (a ring's), copied out.
absl::StatusOr<Coords> RingCoords(geos::Context& c, const GEOSGeometry* ring) {
  const GEOSContextHandle_t h = c.handle();
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, ring);
  unsigned size = 0;
  if (seq == nullptr || GEOSCoordSeq_getSize_r(h, seq, &size) == 0) {
    return GeosFailure(c);
  }
  Coords coords;
  coords.v.resize(size * 2);
  if (size > 0 &&
      GEOSCoordSeq_copyToBuffer_r(h, seq, coords.v.data(), 0, 0) == 0) {
    return GeosFailure(c);
  }
  return coords;
}

// PostGIS's lwgeom_simplify_in_place with a tolerance of 0, keeping
// collapsed lines and shells (preserve_collapsed): drops vertices lying
// exactly on the line between their neighbours, and holes left with
// fewer than 4 points.
absl::StatusOr<geos::GeometryPtr> DropCollinearVertices(geos::Context& c,
                                                        const GEOSGeometry* g) {
  return RewriteCoordinates(c, g, [](Part part, Coords& coords, bool* keep) {
    switch (part) {
      case Part::kPoint:
        break;
      case Part::kLine:
        DropCollinear(coords, 2);
        break;
      case Part::kShell:
        DropCollinear(coords, 4);
        break;
      case Part::kHole:
        DropCollinear(coords, 0);
        *keep = coords.size() >= 4;
        break;
    }
    return absl::OkStatus();
  });
}

// PostGIS's lwgeom_subdivide_recursive, on GEOS: a piece with too many
// vertices is cut in two across its longer side, through the vertex of
// its shell (or, where its holes hold most of its vertices, its largest
// hole) nearest the middle, and each half cut again.
class Subdivider {
 public:
  Subdivider(geos::Context& c, int dimension, const Params& p,
             std::vector<geos::GeometryPtr>* pieces)
      : c_(c),
        dimension_(dimension),
        max_vertices_(p.integer(kMaxVertices)),
        grid_(p.number(kSubdivideGrid)),
        pieces_(pieces) {}

  // `stored`: g is the row itself, whose bounds PostGIS reads as stored.
  absl::Status Subdivide(const GEOSGeometry* g, int depth, bool stored) {
    const GEOSContextHandle_t h = c_.handle();
    if (GEOSisEmpty_r(h, g) != 0) return absl::OkStatus();
    double x0, y0, x1, y1;
    if (GEOSGeom_getExtent_r(h, g, &x0, &y0, &x1, &y1) != 1) {
      return GeosFailure(c_);
    }
    if (stored && HasStoredBounds(h, g)) {
      x0 = FloatDown(x0), y0 = FloatDown(y0);
      x1 = FloatUp(x1), y1 = FloatUp(y1);
    }
    double width = x1 - x0, height = y1 - y0;
    const int type = GEOSGeomTypeId_r(h, g);
    if (width == 0 && height == 0) {
      if (type == GEOS_POINT && dimension_ == 0) return Keep(g);
      return absl::OkStatus();
    }
    if (width == 0) x0 -= kTolerance, x1 += kTolerance, width = 2 * kTolerance;
    if (height == 0) {
      y0 -= kTolerance, y1 += kTolerance, height = 2 * kTolerance;
    }
    // Collections (not multipoints) are cut member by member.
    if (type >= GEOS_MULTILINESTRING) {
      for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
        RETURN_IF_ERROR(
            Subdivide(GEOSGetGeometryN_r(h, g, i), depth, /*stored=*/false));
      }
      return absl::OkStatus();
    }
    // Lower-dimensional leftovers of a cut go.
    if (GEOSGeom_getDimensions_r(h, g) < dimension_) return absl::OkStatus();
    if (depth > kMaxDepth) return Keep(g);
    const int vertices = GEOSGetNumCoordinates_r(h, g);
    if (vertices < 0) return GeosFailure(c_);
    if (vertices == 0) return absl::OkStatus();
    if (vertices <= max_vertices_) return Keep(g);

    const bool along_x = width > height;
    const double center = along_x ? (x0 + x1) / 2 : (y0 + y1) / 2;
    double pivot = center;
    if (type == GEOS_POLYGON) {
      ASSIGN_OR_RETURN(double p, Pivot(g, vertices, along_x, center));
      pivot = p;
    }
    const double lo = along_x ? x0 : y0, hi = along_x ? x1 : y1;
    const double cut =
        std::fabs(hi - pivot) > kTolerance && std::fabs(lo - pivot) > kTolerance
            ? pivot
            : center;
    const double boxes[2][4] = {
        {x0, y0, along_x ? cut : x1, along_x ? y1 : cut},
        {along_x ? cut : x0, along_x ? y0 : cut, x1, y1}};
    RETURN_IF_ERROR(CheckGrid(c_, g, nullptr, grid_));
    for (const auto& b : boxes) {
      ASSIGN_OR_RETURN(geos::GeometryPtr box,
                       Envelope(c_, b[0], b[1], b[2], b[3]));
      ASSIGN_OR_RETURN(
          geos::GeometryPtr clipped,
          Owned(c_, grid_ > 0 ? GEOSIntersectionPrec_r(h, g, box.get(), grid_)
                              : GEOSIntersection_r(h, g, box.get())));
      ASSIGN_OR_RETURN(clipped, DropCollinearVertices(c_, clipped.get()));
      RETURN_IF_ERROR(Subdivide(clipped.get(), depth + 1, /*stored=*/false));
    }
    return absl::OkStatus();
  }

 private:
  // The ordinate, along the cut's axis, of the vertex nearest `center` of
  // the ring PostGIS cuts through.
  absl::StatusOr<double> Pivot(const GEOSGeometry* polygon, int vertices,
                               bool along_x, double center) {
    const GEOSContextHandle_t h = c_.handle();
    ASSIGN_OR_RETURN(Coords ring,
                     RingCoords(c_, GEOSGetExteriorRing_r(h, polygon)));
    if (static_cast<size_t>(vertices) >= 2 * ring.size()) {
      // Most vertices are in holes: the largest hole.
      double largest = 0;
      Coords chosen = ring;
      for (int i = 0, n = GEOSGetNumInteriorRings_r(h, polygon); i < n; ++i) {
        ASSIGN_OR_RETURN(Coords hole,
                         RingCoords(c_, GEOSGetInteriorRingN_r(h, polygon, i)));
        const double area = RingArea(hole);
        if (area >= largest) largest = area, chosen = std::move(hole);
      }
      ring = std::move(chosen);
    }
    double pivot = center, nearest = kInf;
    for (size_t i = 0; i < ring.size(); ++i) {
      const double v = ring.at(i)[along_x ? 0 : 1];
      if (std::fabs(v - center) < nearest) {
        nearest = std::fabs(v - center);
        pivot = v;
      }
    }
    return pivot;
  }

  absl::Status Keep(const GEOSGeometry* g) {
    vertices_ += GEOSGetNumCoordinates_r(c_.handle(), g);
    if (vertices_ > kMaxResultVertices) return TooManyVertices(vertices_);
    pieces_->push_back(c_.Own(GEOSGeom_clone_r(c_.handle(), g)));
    if (!pieces_->back()) return GeosFailure(c_);
    return absl::OkStatus();
  }

  geos::Context& c_;
  const int dimension_;
  const int max_vertices_;
  const double grid_;
  std::vector<geos::GeometryPtr>* pieces_;
  double vertices_ = 0;
};

// PostGIS's ST_Subdivide: a's pieces of at most max_vertices vertices,
// each its own value; of a's highest dimension only (a collection's
// points go where it has polygons); none for empty a.
absl::Status Subdivide(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  const GEOSContextHandle_t h = c.handle();
  if (GEOSisEmpty_r(h, r.a) != 0) return absl::OkStatus();
  const int dimension = GEOSGeom_getDimensions_r(h, r.a);
  if (dimension < 0) return GeosFailure(c);
  Subdivider subdivider(c, dimension, p, &out->parts);
  return subdivider.Subdivide(r.a, 0, /*stored=*/true);
}

// --- Split ----------------------------------------------------------------

// Adds `g`'s parts (g itself unless a collection) to `out`.
absl::Status AddParts(geos::Context& c, geos::GeometryPtr g,
                      std::vector<geos::GeometryPtr>* out) {
  const GEOSContextHandle_t h = c.handle();
  if (GEOSGeomTypeId_r(h, g.get()) < GEOS_MULTIPOINT) {
    out->push_back(std::move(g));
    return absl::OkStatus();
  }
  for (int i = 0, n = GEOSGetNumGeometries_r(h, g.get()); i < n; ++i) {
    out->push_back(
        c.Own(GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, g.get(), i))));
    if (!out->back()) return GeosFailure(c);
  }
  return absl::OkStatus();
}

// PostGIS's lwline_split_by_point_to: `line` cut where `point` lies
// exactly on it (squared distance 0 as PostGIS measures it), not at an
// end; otherwise whole.
absl::Status SplitLineByPoint(geos::Context& c, const GEOSGeometry* line,
                              const GEOSGeometry* point,
                              std::vector<geos::GeometryPtr>* out) {
  const GEOSContextHandle_t h = c.handle();
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, line);
  unsigned size = 0, dims = 2;
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
  double px, py;
  if (GEOSGeomGetX_r(h, point, &px) != 1 ||
      GEOSGeomGetY_r(h, point, &py) != 1) {
    return GeosFailure(c);
  }
  // The first segment the point lies on.
  size_t seg = size;
  double fraction = 0;
  for (size_t i = 0; i + 1 < size; ++i) {
    const double* a = coords.at(i);
    const double* b = coords.at(i + 1);
    const double dx = b[0] - a[0], dy = b[1] - a[1];
    const double len2 = dx * dx + dy * dy;
    if (len2 == 0) {
      if (a[0] == px && a[1] == py) seg = i, fraction = 0;
    } else {
      const double r = ((px - a[0]) * dx + (py - a[1]) * dy) / len2;
      const double s = (a[1] - py) * dx - (a[0] - px) * dy;
      if (r >= 0 && r <= 1 && s == 0) seg = i, fraction = r;
    }
    if (seg != size) break;
  }
  const bool at_start = seg == 0 && fraction == 0;
  const bool at_end = seg + 2 == size && fraction == 1;
  if (seg == size || at_start || at_end) {
    out->push_back(c.Own(GEOSGeom_clone_r(h, line)));
    return out->back() ? absl::OkStatus() : GeosFailure(c);
  }
  std::vector<double> cut = {px, py};
  if (coords.dims == 3) {
    const double za = coords.at(seg)[2], zb = coords.at(seg + 1)[2];
    cut.push_back(za + (zb - za) * fraction);
  }
  Coords first{.dims = coords.dims}, second{.dims = coords.dims};
  first.v.assign(coords.v.begin(), coords.v.begin() + (seg + 1) * coords.dims);
  first.v.insert(first.v.end(), cut.begin(), cut.end());
  second.v = cut;
  second.v.insert(second.v.end(), coords.v.begin() + (seg + 1) * coords.dims,
                  coords.v.end());
  for (Coords* piece : {&first, &second}) {
    // The cut point may repeat a vertex it fell on.
    Coords clean{.dims = piece->dims};
    for (size_t i = 0; i < piece->size(); ++i) {
      const double* q = piece->at(i);
      if (clean.size() > 0 &&
          std::equal(q, q + piece->dims, clean.at(clean.size() - 1))) {
        continue;
      }
      clean.v.insert(clean.v.end(), q, q + piece->dims);
    }
    GEOSCoordSequence* s = GEOSCoordSeq_copyFromBuffer_r(
        h, clean.v.data(), static_cast<unsigned>(clean.size()), clean.dims == 3,
        0);
    ASSIGN_OR_RETURN(
        geos::GeometryPtr g,
        Owned(c, s != nullptr ? GEOSGeom_createLineString_r(h, s) : nullptr));
    out->push_back(std::move(g));
  }
  return absl::OkStatus();
}

// PostGIS's ST_Split of one part (a point, line or polygon) by a blade.
absl::Status SplitPart(geos::Context& c, const GEOSGeometry* part,
                       const GEOSGeometry* blade,
                       std::vector<geos::GeometryPtr>* out) {
  const GEOSContextHandle_t h = c.handle();
  const int type = GEOSGeomTypeId_r(h, part);
  const int blade_dim = GEOSGeom_getDimensions_r(h, blade);
  if (type == GEOS_LINESTRING || type == GEOS_LINEARRING) {
    if (blade_dim == 0) {
      // Point by point, each piece cut by the next.
      std::vector<geos::GeometryPtr> pieces;
      pieces.push_back(c.Own(GEOSGeom_clone_r(h, part)));
      for (int i = 0, n = GEOSGetNumGeometries_r(h, blade); i < n; ++i) {
        const GEOSGeometry* point = GEOSGetGeometryN_r(h, blade, i);
        if (GEOSisEmpty_r(h, point) != 0) continue;
        std::vector<geos::GeometryPtr> next;
        for (const auto& piece : pieces) {
          RETURN_IF_ERROR(SplitLineByPoint(c, piece.get(), point, &next));
        }
        pieces = std::move(next);
      }
      for (auto& piece : pieces) out->push_back(std::move(piece));
      return absl::OkStatus();
    }
    if (blade_dim == 1) {
      const char linear = GEOSRelatePattern_r(h, part, blade, "1********");
      if (linear == 2) return GeosFailure(c);
      if (linear == 1) {
        return absl::InvalidArgumentError(
            "the blade overlaps the line: a shared stretch cannot be split");
      }
      ASSIGN_OR_RETURN(geos::GeometryPtr pieces,
                       Owned(c, GEOSDifference_r(h, part, blade)));
      return AddParts(c, std::move(pieces), out);
    }
    return absl::InvalidArgumentError(
        "a line splits by a point or a line, not a polygon");
  }
  if (type == GEOS_POLYGON) {
    if (blade_dim != 1) {
      return absl::InvalidArgumentError("a polygon splits by a line only");
    }
    // PostGIS's lwpoly_split_by_line: the polygons of the boundary noded
    // with the blade, those inside the polygon kept.
    ASSIGN_OR_RETURN(geos::GeometryPtr boundary,
                     Owned(c, GEOSBoundary_r(h, part)));
    ASSIGN_OR_RETURN(geos::GeometryPtr noded,
                     Owned(c, GEOSUnion_r(h, boundary.get(), blade)));
    const GEOSGeometry* lines = noded.get();
    ASSIGN_OR_RETURN(geos::GeometryPtr polygons,
                     Owned(c, GEOSPolygonize_r(h, &lines, 1)));
    for (int i = 0, n = GEOSGetNumGeometries_r(h, polygons.get()); i < n; ++i) {
      const GEOSGeometry* piece = GEOSGetGeometryN_r(h, polygons.get(), i);
      ASSIGN_OR_RETURN(geos::GeometryPtr inside,
                       Owned(c, GEOSPointOnSurface_r(h, piece)));
      const char in = GEOSIntersects_r(h, part, inside.get());
      if (in == 2) return GeosFailure(c);
      if (in == 1) {
        out->push_back(c.Own(GEOSGeom_clone_r(h, piece)));
        if (!out->back()) return GeosFailure(c);
      }
    }
    return absl::OkStatus();
  }
  // Points do not split.
  out->push_back(c.Own(GEOSGeom_clone_r(h, part)));
  return out->back() ? absl::OkStatus() : GeosFailure(c);
}

// PostGIS's ST_Split(a, b): a cut by blade b, as one GEOMETRYCOLLECTION of
// the pieces. Lines split by points lying exactly on them and by lines
// crossing them; polygons by lines. Multi-geometries split member by
// member.
absl::Status Split(geos::Context& c, const Row& r, const Params&, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  std::vector<geos::GeometryPtr> pieces;
  if (GEOSisEmpty_r(h, r.b) != 0) {
    RETURN_IF_ERROR(AddParts(c, c.Own(GEOSGeom_clone_r(h, r.a)), &pieces));
  } else {
    std::vector<const GEOSGeometry*> parts;
    if (GEOSGeomTypeId_r(h, r.a) >= GEOS_MULTIPOINT) {
      for (int i = 0, n = GEOSGetNumGeometries_r(h, r.a); i < n; ++i) {
        parts.push_back(GEOSGetGeometryN_r(h, r.a, i));
      }
    } else if (GEOSisEmpty_r(h, r.a) == 0) {
      parts.push_back(r.a);
    }
    for (const GEOSGeometry* part : parts) {
      if (GEOSisEmpty_r(h, part) != 0) continue;
      if (GEOSGeomTypeId_r(h, part) >= GEOS_MULTIPOINT) {
        return absl::InvalidArgumentError("split takes no nested collections");
      }
      RETURN_IF_ERROR(SplitPart(c, part, r.b, &pieces));
    }
  }
  double vertices = 0;
  for (auto& piece : pieces) {
    vertices += GEOSGetNumCoordinates_r(h, piece.get());
  }
  if (vertices > kMaxResultVertices) return TooManyVertices(vertices);
  ASSIGN_OR_RETURN(out->geometry, c.MakeCollection(GEOS_GEOMETRYCOLLECTION,
                                                   std::move(pieces)));
  return absl::OkStatus();
}

constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_SUBDIVIDE,
     .result = ResultType::kGeometry,
     .params_field = "subdivide",
     .params = kSubdivideParams,
     .kernel = IgnoringEmptyMembers<Subdivide>,
     .description =
         "a cut into pieces of at most max_vertices vertices, each its own "
         "value, of a's highest dimension (PostGIS's ST_Subdivide); "
         "source_rows maps them to rows.",
     .expands = true},
    {.code = v1::OP_CODE_SPLIT,
     .arity = 2,
     .result = ResultType::kGeometry,
     .kernel = IgnoringEmptyMembers<Split>,
     .description =
         "a cut by blade b, as a GEOMETRYCOLLECTION of the pieces: lines by "
         "points on them or lines crossing them, polygons by lines "
         "(PostGIS's ST_Split)."},
};

}  // namespace

absl::Span<const OpSpec> PieceOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
