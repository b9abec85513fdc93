// Measures: one double per row (bounds: four), from a or from a and b.
#include <limits>

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/guards.h"
#include "server/ops/internal/kernels.h"

namespace geosrpc::ops::internal {
namespace {

constexpr ParamSpec kDensifyParams[] = {
    {.name = "densify",
     .type = ParamType::kDouble,
     .min = 0,
     .max = 1,
     .description =
         "Split each segment into pieces of this fraction first; 0: don't."},
};
// 0 means no densifying.
constexpr int kDensify = ParamIndex(kDensifyParams, "densify");

// GEOS 3.11.1 dereferences null computing the discrete Frechet distance of an
// empty geometry. A distance to nothing is undefined: NaN, as GEOS itself
// answers for the Hausdorff distance.
absl::Status FrechetDistance(geos::Context& c, const Row& r, const Params& p,
                             Value* out) {
  if (GEOSisEmpty_r(c.handle(), r.a) != 0 ||
      GEOSisEmpty_r(c.handle(), r.b) != 0) {
    out->number = std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  const double densify = p.number(kDensify);
  RETURN_IF_ERROR(CheckDensify(c, r, densify));
  return SetMeasure(
      c, densify > 0
             ? GEOSFrechetDistanceDensify_r(c.handle(), r.a, r.b, densify,
                                            &out->number)
             : GEOSFrechetDistance_r(c.handle(), r.a, r.b, &out->number));
}

absl::Status HausdorffDistance(geos::Context& c, const Row& r, const Params& p,
                               Value* out) {
  const double densify = p.number(kDensify);
  RETURN_IF_ERROR(CheckDensify(c, r, densify));
  return SetMeasure(
      c, densify > 0
             ? GEOSHausdorffDistanceDensify_r(c.handle(), r.a, r.b, densify,
                                              &out->number)
             : GEOSHausdorffDistance_r(c.handle(), r.a, r.b, &out->number));
}

// Unlike GEOS's other measures (1 on success), GEOSMinimumClearance_r
// returns 0 on success and 2 on error.
absl::Status MinimumClearance(geos::Context& c, const Row& r, const Params&,
                              Value* out) {
  return GEOSMinimumClearance_r(c.handle(), r.a, &out->number) == 0
             ? absl::OkStatus()
             : GeosFailure(c);
}

// Shapely reports NaN bounds for an empty geometry.
absl::Status Bounds(geos::Context& c, const Row& r, const Params&, Value* out) {
  const GEOSContextHandle_t h = c.handle();
  if (GEOSisEmpty_r(h, r.a) != 0) {
    out->number = out->more[0] = out->more[1] = out->more[2] =
        std::numeric_limits<double>::quiet_NaN();
    return absl::OkStatus();
  }
  const bool ok = GEOSGeom_getXMin_r(h, r.a, &out->number) == 1 &&
                  GEOSGeom_getYMin_r(h, r.a, &out->more[0]) == 1 &&
                  GEOSGeom_getXMax_r(h, r.a, &out->more[1]) == 1 &&
                  GEOSGeom_getYMax_r(h, r.a, &out->more[2]) == 1;
  return ok ? absl::OkStatus() : GeosFailure(c);
}

absl::Status MinimumBoundingRadius(geos::Context& c, const Row& r,
                                   const Params&, Value* out) {
  return BoundingCircle(c, r.a, &out->number, nullptr);
}

constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_AREA,
     .result = ResultType::kDouble,
     .kernel = UnaryMeasure<GEOSArea_r>,
     .description = "Area of a (0 for non-areal)."},
    {.code = v1::OP_CODE_LENGTH,
     .result = ResultType::kDouble,
     .kernel = UnaryMeasure<GEOSLength_r>,
     .description = "Length of a (perimeter for polygons)."},
    {.code = v1::OP_CODE_DISTANCE,
     .arity = 2,
     .result = ResultType::kDouble,
     .kernel = IgnoringEmptyMembers<BinaryMeasure<GEOSDistance_r>>,
     .prepared_kernel = PreparedMeasure<GEOSPreparedDistance_r>,
     .description = "Minimum Cartesian distance between a and b."},
    {.code = v1::OP_CODE_HAUSDORFF_DISTANCE,
     .arity = 2,
     .result = ResultType::kDouble,
     .params_field = "densify",
     .params = kDensifyParams,
     .kernel = IgnoringEmptyMembers<HausdorffDistance>,
     .description = "Discrete Hausdorff distance between a and b."},
    {.code = v1::OP_CODE_FRECHET_DISTANCE,
     .arity = 2,
     .result = ResultType::kDouble,
     .params_field = "densify",
     .params = kDensifyParams,
     .kernel = IgnoringEmptyMembers<FrechetDistance>,
     .description = "Discrete Frechet distance between a and b (NaN when "
                    "either is empty)."},
    {.code = v1::OP_CODE_MINIMUM_CLEARANCE,
     .result = ResultType::kDouble,
     .kernel = MinimumClearance,
     .description = "Smallest distance a vertex can move before a becomes "
                    "invalid (inf when none)."},
    {.code = v1::OP_CODE_BOUNDS,
     .result = ResultType::kDouble,
     .kernel = Bounds,
     .description = "xmin, ymin, xmax, ymax of a: four values per row (NaN "
                    "when empty).",
     .values_per_row = 4},
    {.code = v1::OP_CODE_MINIMUM_BOUNDING_RADIUS,
     .result = ResultType::kDouble,
     .kernel = MinimumBoundingRadius,
     .description = "Radius of the smallest circle enclosing a."},
};

}  // namespace

absl::Span<const OpSpec> MeasureOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
