// Coordinate reference systems, with PROJ: transform (reprojection) and
// geodesic measures in metres on the WGS84 ellipsoid for
// longitude/latitude input. The kernels use the worker's proj::Context
// (Row::proj): its transformations are cached per (from, to, always_xy)
// pair, since creating one costs far more than applying it.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "server/batch/wkb.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/kernels.h"
#include "server/proj/context.h"
#include "server/proj/crs_check.h"
#include "server/proj/geodesic.h"

namespace geosrpc::ops::internal {
namespace {

// --- transform ------------------------------------------------------------

constexpr ParamSpec kTransformParams[] = {
    {.name = "from_crs",
     .type = ParamType::kString,
     .min = 0,
     .max = proj::kMaxCrsLength,
     .description =
         "Source CRS: AUTH:CODE (EPSG:4326), a PROJ string, WKT or PROJJSON "
         "(not a name). Empty: each row's SRID, as EPSG:SRID (a row error "
         "when it has none).",
     .check = proj::CheckCrs},
    {.name = "to_crs",
     .type = ParamType::kString,
     .required = true,
     .min = 1,
     .max = proj::kMaxCrsLength,
     .description = "Target CRS, as from_crs. Results carry its EPSG code as "
                    "their SRID (0 when it has none).",
     .check = proj::CheckCrs},
    {.name = "always_xy",
     .type = ParamType::kBool,
     .default_value = 1,
     .min = 0,
     .max = 1,
     .description = "x is longitude or easting, y latitude or northing, "
                    "whatever axis order the CRSs define "
                    "(proj_normalize_for_visualization)."},
    {.name = "densify",
     .type = ParamType::kDouble,
     .min = 0,
     .max = kInf,
     .description = "Before transforming, split edges longer than this (in "
                    "from_crs units) into equal parts; 0: don't. At most "
                    "1000000 vertices a row."},
};
constexpr int kFromCrs = ParamIndex(kTransformParams, "from_crs");
constexpr int kToCrs = ParamIndex(kTransformParams, "to_crs");
constexpr int kAlwaysXy = ParamIndex(kTransformParams, "always_xy");
constexpr int kDensify = ParamIndex(kTransformParams, "densify");

// A densified row may hold at most this many vertices.
constexpr uint64_t kMaxDensifiedVertices = 1'000'000;

// Rebuilds a geometry with every coordinate transformed, part by part, so
// types, nesting and Z are kept; empty parts are copied as they are.
class Reprojector {
 public:
  Reprojector(geos::Context& geos, proj::Context& proj,
              const proj::Transformation& t, double densify)
      : geos_(geos), proj_(proj), t_(t), densify_(densify) {
    // The calling worker's buffers, reused row after row: a point costs
    // no allocation of its own.
    thread_local Buffers buffers;
    in_ = &buffers.in;
    out_ = &buffers.out;
    dense_ = &buffers.dense;
  }

  absl::StatusOr<geos::GeometryPtr> Geometry(const GEOSGeometry* g) {
    const GEOSContextHandle_t h = geos_.handle();
    if (GEOSisEmpty_r(h, g) == 1) return Made(GEOSGeom_clone_r(h, g));
    const int type = GEOSGeomTypeId_r(h, g);
    switch (type) {
      case GEOS_POINT: {
        ASSIGN_OR_RETURN(GEOSCoordSequence * s, Sequence(g));
        return Made(GEOSGeom_createPoint_r(h, s));
      }
      case GEOS_LINESTRING: {
        ASSIGN_OR_RETURN(GEOSCoordSequence * s, Sequence(g));
        return Made(GEOSGeom_createLineString_r(h, s));
      }
      case GEOS_LINEARRING: {
        ASSIGN_OR_RETURN(GEOSCoordSequence * s, Sequence(g));
        return Made(GEOSGeom_createLinearRing_r(h, s));
      }
      case GEOS_POLYGON: {
        std::vector<geos::GeometryPtr> rings;
        for (int i = -1, n = GEOSGetNumInteriorRings_r(h, g); i < n; ++i) {
          const GEOSGeometry* ring = i < 0 ? GEOSGetExteriorRing_r(h, g)
                                           : GEOSGetInteriorRingN_r(h, g, i);
          if (ring == nullptr) return GeosFailure(geos_);
          ASSIGN_OR_RETURN(GEOSCoordSequence * s, Sequence(ring));
          ASSIGN_OR_RETURN(rings.emplace_back(),
                           Made(GEOSGeom_createLinearRing_r(h, s)));
        }
        geos::GeometryPtr shell = std::move(rings[0]);
        rings.erase(rings.begin());
        return geos_.MakePolygon(std::move(shell), std::move(rings));
      }
      default: {  // Multi-geometries and collections.
        std::vector<geos::GeometryPtr> parts;
        for (int i = 0, n = GEOSGetNumGeometries_r(h, g); i < n; ++i) {
          ASSIGN_OR_RETURN(parts.emplace_back(),
                           Geometry(GEOSGetGeometryN_r(h, g, i)));
        }
        return geos_.MakeCollection(type, std::move(parts));
      }
    }
  }

 private:
  absl::StatusOr<geos::GeometryPtr> Made(GEOSGeometry* g) {
    if (g == nullptr) return GeosFailure(geos_);
    return geos_.Own(g);
  }

  // The transformed (and densified) coordinates of a point, line or ring.
  // The caller owns the sequence (GEOS takes it with the geometry).
  absl::StatusOr<GEOSCoordSequence*> Sequence(const GEOSGeometry* g) {
    const GEOSContextHandle_t h = geos_.handle();
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, g);
    unsigned size = 0, dims = 0;
    if (seq == nullptr || GEOSCoordSeq_getSize_r(h, seq, &size) == 0 ||
        GEOSCoordSeq_getDimensions_r(h, seq, &dims) == 0) {
      return GeosFailure(geos_);
    }
    const int d = dims >= 3 ? 3 : 2;
    in_->resize(size_t{size} * d);
    if (size > 0 &&
        GEOSCoordSeq_copyToBuffer_r(h, seq, in_->data(), d == 3, 0) == 0) {
      return GeosFailure(geos_);
    }
    if (densify_ > 0) RETURN_IF_ERROR(Densify(d));
    const size_t n = in_->size() / d;
    out_->resize(in_->size());
    RETURN_IF_ERROR(proj_.Transform(t_, in_->data(), out_->data(), n, d));
    GEOSCoordSequence* result =
        GEOSCoordSeq_copyFromBuffer_r(h, out_->data(), n, d == 3, 0);
    if (result == nullptr) return GeosFailure(geos_);
    return result;
  }

  // Splits every segment of in_ longer than densify_ into equal parts (z
  // interpolated too), counting the row's vertices against the bound
  // before making any.
  absl::Status Densify(int d) {
    const size_t n = in_->size() / d;
    double added = 0;
    for (size_t i = 1; i < n; ++i) {
      const double* p = &(*in_)[(i - 1) * d];
      const double* q = &(*in_)[i * d];
      const double length = std::hypot(q[0] - p[0], q[1] - p[1]);
      if (length > densify_) added += std::ceil(length / densify_) - 1;
    }
    vertices_ += n;
    if (added + vertices_ > kMaxDensifiedVertices) {
      return absl::InvalidArgumentError(absl::StrCat(
          "densifying by ", densify_, " would make more than ",
          kMaxDensifiedVertices, " vertices of this row; densify less"));
    }
    if (added == 0) return absl::OkStatus();
    vertices_ += static_cast<uint64_t>(added);
    dense_->clear();
    dense_->reserve(in_->size() + static_cast<size_t>(added) * d);
    for (size_t i = 0; i < n; ++i) {
      const double* q = &(*in_)[i * d];
      if (i > 0) {
        const double* p = &(*in_)[(i - 1) * d];
        const double length = std::hypot(q[0] - p[0], q[1] - p[1]);
        if (length > densify_) {
          const int pieces = static_cast<int>(std::ceil(length / densify_));
          for (int k = 1; k < pieces; ++k) {
            const double f = static_cast<double>(k) / pieces;
            for (int j = 0; j < d; ++j) {
              dense_->push_back(p[j] + f * (q[j] - p[j]));
            }
          }
        }
      }
      dense_->insert(dense_->end(), q, q + d);
    }
    in_->swap(*dense_);
    return absl::OkStatus();
  }

  struct Buffers {
    std::vector<double> in, out, dense;
  };

  geos::Context& geos_;
  proj::Context& proj_;
  const proj::Transformation& t_;
  const double densify_;
  uint64_t vertices_ = 0;
  std::vector<double>* in_;
  std::vector<double>* out_;
  std::vector<double>* dense_;
};

absl::Status NoProjContext() {
  return absl::InternalError("no PROJ context for this row");
}

// The transformation a row with SRID `srid` takes: from from_crs, or from
// EPSG:srid when from_crs is unset.
absl::StatusOr<const proj::Transformation*> RowTransformation(
    proj::Context& proj, const Params& p, int srid) {
  if (!p.string(kFromCrs).empty()) {
    return proj.FindTransformation(p.string(kFromCrs), p.string(kToCrs),
                                   p.flag(kAlwaysXy));
  }
  if (srid <= 0) {
    return absl::InvalidArgumentError(
        "a has no SRID: set transform.from_crs, or send extended WKB "
        "carrying the SRID");
  }
  return proj.FindTransformation(absl::StrCat("EPSG:", srid), p.string(kToCrs),
                                 p.flag(kAlwaysXy));
}

absl::Status Transform(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  if (r.proj == nullptr) return NoProjContext();
  ASSIGN_OR_RETURN(
      const proj::Transformation* t,
      RowTransformation(*r.proj, p, GEOSGetSRID_r(c.handle(), r.a)));
  Reprojector reprojector(c, *r.proj, *t, p.number(kDensify));
  ASSIGN_OR_RETURN(out->geometry, reprojector.Geometry(r.a));
  GEOSSetSRID_r(c.handle(), out->geometry.get(), t->target_srid);
  return absl::OkStatus();
}

// Plain WKB takes the short way, WKB to WKB, unless it is to be densified:
// decoding, rebuilding and writing a geometry through GEOS cost more than
// transforming its coordinates (bench/RESULTS.md, "transform").
bool KeepsWkb(absl::string_view wkb, const Params& p) {
  return p.number(kDensify) == 0 && batch::PlainWkb(wkb);
}

absl::Status TransformWkb(geos::Context&, const Row& r, const Params& p,
                          Value* out) {
  if (r.proj == nullptr) return NoProjContext();
  ASSIGN_OR_RETURN(const proj::Transformation* t,
                   RowTransformation(*r.proj, p, batch::WkbSrid(r.a_wkb)));
  return batch::RewriteWkb(
      r.a_wkb, t->target_srid,
      [&](const double* in, double* xyz, size_t n, int dims) {
        return r.proj->Transform(*t, in, xyz, n, dims);
      },
      out->bytes);
}

bool KeepsCoordinates(const Params& p) { return p.number(kDensify) == 0; }

// One PROJ call for a run of coordinates. The SRID is the array's: with
// no from_crs, a run without one fails (each row then says so).
absl::Status TransformCoordinates(const CoordinateRun& run, const Params& p) {
  if (run.proj == nullptr) return NoProjContext();
  ASSIGN_OR_RETURN(const proj::Transformation* t,
                   RowTransformation(*run.proj, p, run.srid));
  return run.proj->Transform(*t, run.in, run.out, run.n, run.dims);
}

// --- Geodesic measures ----------------------------------------------------

// OK if `g`'s SRID is unset, 4326 or another longitude/latitude CRS: a
// projected geometry is refused rather than measured as if in degrees.
absl::Status CheckGeographic(geos::Context& c, const Row& r,
                             const GEOSGeometry* g, const char* operand) {
  const int srid = GEOSGetSRID_r(c.handle(), g);
  if (srid == 0 || srid == 4326) return absl::OkStatus();
  if (r.proj == nullptr) return NoProjContext();
  absl::StatusOr<bool> geographic = r.proj->IsGeographic(srid);
  if (!geographic.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        operand, "'s SRID ", srid, ": ", geographic.status().message()));
  }
  if (!*geographic) {
    return absl::InvalidArgumentError(absl::StrCat(
        operand, " has SRID ", srid,
        ", not a longitude/latitude CRS; transform it to EPSG:4326 first"));
  }
  return absl::OkStatus();
}

template <absl::StatusOr<double> (*Measure)(geos::Context&,
                                            const GEOSGeometry*)>
absl::Status UnaryGeodesic(geos::Context& c, const Row& r, const Params&,
                           Value* out) {
  RETURN_IF_ERROR(CheckGeographic(c, r, r.a, "a"));
  ASSIGN_OR_RETURN(out->number, Measure(c, r.a));
  return absl::OkStatus();
}

absl::Status GeodesicDistance(geos::Context& c, const Row& r, const Params&,
                              Value* out) {
  RETURN_IF_ERROR(CheckGeographic(c, r, r.a, "a"));
  RETURN_IF_ERROR(CheckGeographic(c, r, r.b, "b"));
  ASSIGN_OR_RETURN(out->number, proj::GeodesicDistance(c, r.a, r.b));
  return absl::OkStatus();
}

constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_TRANSFORM,
     .result = ResultType::kGeometry,
     .params_field = "transform",
     .params = kTransformParams,
     .kernel = Transform,
     .description =
         "a reprojected from from_crs (or its SRID) to to_crs with PROJ, "
         "every type and Z kept; a coordinate PROJ cannot transform is a "
         "row error.",
     .keeps_wkb = KeepsWkb,
     .wkb_kernel = TransformWkb,
     .keeps_coordinates = KeepsCoordinates,
     .coordinate_kernel = TransformCoordinates},
    {.code = v1::OP_CODE_GEODESIC_AREA,
     .result = ResultType::kDouble,
     .kernel = UnaryGeodesic<proj::GeodesicArea>,
     .description =
         "Area of longitude/latitude a on the WGS84 ellipsoid, in square "
         "metres (geodesic edges; each polygon's exterior less its holes, "
         "ring orientation ignored; 0 for non-areal)."},
    {.code = v1::OP_CODE_GEODESIC_LENGTH,
     .result = ResultType::kDouble,
     .kernel = UnaryGeodesic<proj::GeodesicLength>,
     .description = "Length of longitude/latitude a on the WGS84 ellipsoid, "
                    "in metres (perimeter for polygons, as length)."},
    {.code = v1::OP_CODE_GEODESIC_DISTANCE,
     .arity = 2,
     .result = ResultType::kDouble,
     .kernel = GeodesicDistance,
     .description =
         "Minimum distance on the WGS84 ellipsoid, in metres, between "
         "longitude/latitude a and b, one of them a point or multipoint (0 "
         "inside a polygon; NaN when either is empty)."},
};

}  // namespace

absl::Span<const OpSpec> CrsOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
