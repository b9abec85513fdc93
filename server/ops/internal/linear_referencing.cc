// Linear referencing: positions along lines (line_interpolate_point,
// line_locate_point), and what two lines share or how they come closest.
#include <limits>

#include "absl/status/status.h"
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
};

}  // namespace

absl::Span<const OpSpec> LinearReferencingOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
