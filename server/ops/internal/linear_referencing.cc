// Linear referencing: positions along lines (line_interpolate_point,
// line_locate_point, line_substring), and what two lines share or how they
// come closest.
#include <cmath>
#include <limits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/geos/handles.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/guards.h"
#include "server/ops/internal/kernels.h"

namespace geosrpc::ops::internal {
namespace {

constexpr ParamSpec kLocateParams[] = {
    {.name = "normalized",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Answer as a fraction of a's length."},
};
constexpr int kLocateNormalized = ParamIndex(kLocateParams, "normalized");

// GEOS signals failure with -1, which is never a valid position. GEOS
// 3.11.1 reads freed memory locating an empty point: nowhere is NaN.
absl::Status LineLocatePoint(geos::Context& c, const Row& r, const Params& p,
                             Value* out) {
  if (GEOSisEmpty_r(c.handle(), r.b) != 0) {
    out->number = std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  c.ClearError();
  const double d = p.flag(kLocateNormalized)
                       ? GEOSProjectNormalized_r(c.handle(), r.a, r.b)
                       : GEOSProject_r(c.handle(), r.a, r.b);
  if (d == -1) return GeosFailure(c);
  out->number = d;
  return absl::OkStatus();
}

constexpr ParamSpec kInterpolateParams[] = {
    {.name = "distance",
     .type = ParamType::kDouble,
     .required = true,
     .min = -kInf,
     .max = kInf,
     .description = "Distance along a; negative counts from the end."},
    {.name = "normalized",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "distance is a fraction of a's length."},
};
constexpr int kInterpolateDistance = ParamIndex(kInterpolateParams, "distance");
constexpr int kInterpolateNormalized =
    ParamIndex(kInterpolateParams, "normalized");

absl::Status LineInterpolatePoint(geos::Context& c, const Row& r,
                                  const Params& p, Value* out) {
  const double distance = p.number(kInterpolateDistance);
  return SetGeometry(
      c,
      p.flag(kInterpolateNormalized)
          ? GEOSInterpolateNormalized_r(c.handle(), r.a, distance)
          : GEOSInterpolate_r(c.handle(), r.a, distance),
      out);
}

// GEOS answers null, with no message, when either input is empty.
absl::Status ShortestLine(geos::Context& c, const Row& r, const Params&,
                          Value* out) {
  const GEOSContextHandle_t h = c.handle();
  if (GEOSisEmpty_r(h, r.a) != 0 || GEOSisEmpty_r(h, r.b) != 0) {
    return SetGeometry(c, GEOSGeom_createEmptyLineString_r(h), out);
  }
  GEOSCoordSequence* seq = GEOSNearestPoints_r(h, r.a, r.b);
  if (seq == nullptr) return GeosFailure(c);
  return SetGeometry(c, GEOSGeom_createLineString_r(h, seq), out);
}

constexpr ParamSpec kSubstringParams[] = {
    {.name = "start_fraction",
     .type = ParamType::kDouble,
     .required = true,
     .min = 0,
     .max = 1,
     .description = "Where the piece starts, as a fraction of a's length."},
    {.name = "end_fraction",
     .type = ParamType::kDouble,
     .required = true,
     .min = 0,
     .max = 1,
     .description = "Where it ends; at least start_fraction."},
};
constexpr int kStart = ParamIndex(kSubstringParams, "start_fraction");
constexpr int kEnd = ParamIndex(kSubstringParams, "end_fraction");

absl::Status CheckSubstring(const Params& p) {
  if (p.number(kStart) <= p.number(kEnd)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "start_fraction may not exceed end_fraction");
}

// PostGIS's ST_LineSubstring (Shapely's shapely.ops.substring with
// normalized fractions): the piece of line string a between two fractions
// of its length, its ends interpolated as line_interpolate_point finds
// them, its vertices strictly between kept; a point where they meet.
absl::Status LineSubstring(geos::Context& c, const Row& r, const Params& p,
                           Value* out) {
  const GEOSContextHandle_t h = c.handle();
  const int type = GEOSGeomTypeId_r(h, r.a);
  if (type != GEOS_LINESTRING && type != GEOS_LINEARRING) {
    return absl::InvalidArgumentError(
        "line_substring takes a LINESTRING (get_parts or line_merge splits "
        "others)");
  }
  if (GEOSisEmpty_r(h, r.a) != 0) {
    return SetGeometry(c, GEOSGeom_createEmptyLineString_r(h), out);
  }
  double length = 0;
  if (GEOSLength_r(h, r.a, &length) != 1) return GeosFailure(c);
  const double from = p.number(kStart) * length;
  const double to = p.number(kEnd) * length;
  geos::GeometryPtr start = c.Own(GEOSInterpolate_r(h, r.a, from));
  if (!start) return GeosFailure(c);
  if (from == to) {
    out->geometry = std::move(start);
    return absl::OkStatus();
  }
  geos::GeometryPtr end = c.Own(GEOSInterpolate_r(h, r.a, to));
  if (!end) return GeosFailure(c);

  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(h, r.a);
  unsigned size = 0, dims = 2;
  if (seq == nullptr || GEOSCoordSeq_getSize_r(h, seq, &size) == 0 ||
      GEOSCoordSeq_getDimensions_r(h, seq, &dims) == 0) {
    return GeosFailure(c);
  }
  const bool z = dims >= 3;
  const int width = z ? 3 : 2;
  std::vector<double> line(static_cast<size_t>(size) * width);
  if (GEOSCoordSeq_copyToBuffer_r(h, seq, line.data(), z, 0) == 0) {
    return GeosFailure(c);
  }
  // An end point's ordinates; z as GEOS interpolated it.
  auto append_point = [&](const GEOSGeometry* point,
                          std::vector<double>* v) -> bool {
    const GEOSCoordSequence* s = GEOSGeom_getCoordSeq_r(h, point);
    double xyz[3] = {0, 0, std::nan("")};
    if (s == nullptr || GEOSCoordSeq_getXY_r(h, s, 0, &xyz[0], &xyz[1]) == 0) {
      return false;
    }
    if (z) GEOSCoordSeq_getZ_r(h, s, 0, &xyz[2]);
    v->insert(v->end(), xyz, xyz + width);
    return true;
  };
  std::vector<double> piece;
  if (!append_point(start.get(), &piece)) return GeosFailure(c);
  double along = 0;
  for (unsigned i = 0; i + 1 < size; ++i) {
    const double* p0 = &line[i * width];
    if (along >= to) break;
    if (from < along) piece.insert(piece.end(), p0, p0 + width);
    const double dx = p0[width] - p0[0], dy = p0[width + 1] - p0[1];
    along += std::sqrt(dx * dx + dy * dy);
  }
  if (!append_point(end.get(), &piece)) return GeosFailure(c);
  GEOSCoordSequence* result = GEOSCoordSeq_copyFromBuffer_r(
      h, piece.data(), static_cast<unsigned>(piece.size() / width), z, 0);
  if (result == nullptr) return GeosFailure(c);
  return SetGeometry(c, GEOSGeom_createLineString_r(h, result), out);
}

constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_LINE_LOCATE_POINT,
     .arity = 2,
     .result = ResultType::kDouble,
     .params_field = "locate",
     .params = kLocateParams,
     .kernel = IgnoringEmptyMembers<LineLocatePoint>,
     .description = "Distance along line a to the point on it nearest b (NaN "
                    "when b is empty)."},
    {.code = v1::OP_CODE_LINE_INTERPOLATE_POINT,
     .result = ResultType::kGeometry,
     .params_field = "interpolate",
     .params = kInterpolateParams,
     .kernel = IgnoringEmptyMembers<LineInterpolatePoint>,
     .description = "The point at a distance along line a."},
    {.code = v1::OP_CODE_SHARED_PATHS,
     .arity = 2,
     .result = ResultType::kGeometry,
     .kernel = IgnoringEmptyMembers<BinaryConstructive<GEOSSharedPaths_r>>,
     .description = "Paths lines a and b share: a collection of same- and "
                    "opposite-direction parts."},
    {.code = v1::OP_CODE_SHORTEST_LINE,
     .arity = 2,
     .result = ResultType::kGeometry,
     .kernel = IgnoringEmptyMembers<ShortestLine>,
     .description =
         "The shortest line from a to b (empty when either is empty)."},
    {.code = v1::OP_CODE_LINE_SUBSTRING,
     .result = ResultType::kGeometry,
     .params_field = "line_substring",
     .params = kSubstringParams,
     .kernel = LineSubstring,
     .description = "The piece of line string a between two fractions of its "
                    "length (PostGIS's ST_LineSubstring; a point where they "
                    "meet).",
     .check_params = CheckSubstring},
};

}  // namespace

absl::Span<const OpSpec> LinearReferencingOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
