// Output: a written as text or bytes (WKT, WKB or hex WKB, GeoJSON), appended
// to the chunk's bytes through the worker's writers.
#include "absl/status/status.h"
#include "server/ops/internal/families.h"
#include "server/ops/internal/kernels.h"

namespace geosrpc::ops::internal {
namespace {

constexpr ParamSpec kWktParams[] = {
    {.name = "rounding_precision",
     .type = ParamType::kInt,
     .default_value = -1,
     .min = -1,
     .max = 20,
     .description = "Decimal digits; -1 for full precision."},
    {.name = "trim",
     .type = ParamType::kBool,
     .default_value = 1,
     .min = 0,
     .max = 1,
     .description = "Drop trailing zeros."},
    {.name = "output_dimension",
     .type = ParamType::kInt,
     .default_value = 3,
     .min = 2,
     .max = 3,
     .description = "3 keeps Z where present."},
};
constexpr int kRounding = ParamIndex(kWktParams, "rounding_precision");
constexpr int kTrim = ParamIndex(kWktParams, "trim");
constexpr int kWktDimension = ParamIndex(kWktParams, "output_dimension");

absl::Status ToWkt(geos::Context& c, const Row& r, const Params& p,
                   Value* out) {
  out->bytes_encoding = v1::ENCODING_WKT;
  return c.WriteWkt(r.a,
                    {.rounding_precision = p.integer(kRounding),
                     .trim = p.flag(kTrim),
                     .output_dimension = p.integer(kWktDimension)},
                    out->bytes);
}

constexpr ParamSpec kWkbParams[] = {
    {.name = "big_endian",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "XDR instead of NDR."},
    {.name = "output_dimension",
     .type = ParamType::kInt,
     .default_value = 3,
     .min = 2,
     .max = 3,
     .description = "3 keeps Z where present."},
    {.name = "include_srid",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Extended WKB with the SRID."},
    {.name = "iso",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "ISO flavor instead of extended."},
    {.name = "hex",
     .type = ParamType::kBool,
     .min = 0,
     .max = 1,
     .description = "Hexadecimal text."},
};
constexpr int kBigEndian = ParamIndex(kWkbParams, "big_endian");
constexpr int kWkbDimension = ParamIndex(kWkbParams, "output_dimension");
constexpr int kIncludeSrid = ParamIndex(kWkbParams, "include_srid");
constexpr int kIso = ParamIndex(kWkbParams, "iso");
constexpr int kHex = ParamIndex(kWkbParams, "hex");

absl::Status ToWkb(geos::Context& c, const Row& r, const Params& p,
                   Value* out) {
  out->bytes_encoding = p.flag(kHex) ? v1::ENCODING_HEX_WKB : v1::ENCODING_WKB;
  return c.WriteWkb(r.a,
                    {.big_endian = p.flag(kBigEndian),
                     .output_dimension = p.integer(kWkbDimension),
                     .include_srid = p.flag(kIncludeSrid),
                     .iso = p.flag(kIso),
                     .hex = p.flag(kHex)},
                    out->bytes);
}

constexpr ParamSpec kGeoJsonParams[] = {
    {.name = "indent",
     .type = ParamType::kInt,
     .default_value = -1,
     .min = -1,
     .max = 16,
     .description = "Spaces per level; -1 for compact."},
};
constexpr int kIndent = ParamIndex(kGeoJsonParams, "indent");

absl::Status ToGeoJson(geos::Context& c, const Row& r, const Params& p,
                       Value* out) {
  out->bytes_encoding = v1::ENCODING_GEOJSON;
  return c.WriteGeoJson(r.a, p.integer(kIndent), out->bytes);
}

constexpr OpSpec kOperations[] = {
    {.code = v1::OP_CODE_TO_WKT,
     .result = ResultType::kBytes,
     .params_field = "wkt",
     .params = kWktParams,
     .kernel = ToWkt,
     .description = "a as WKT text."},
    {.code = v1::OP_CODE_TO_WKB,
     .result = ResultType::kBytes,
     .params_field = "wkb",
     .params = kWkbParams,
     .kernel = ToWkb,
     .description = "a as WKB with the given flavor."},
    {.code = v1::OP_CODE_TO_GEOJSON,
     .result = ResultType::kBytes,
     .params_field = "geojson",
     .params = kGeoJsonParams,
     .kernel = ToGeoJson,
     .description = "a as a GeoJSON geometry."},
};

}  // namespace

absl::Span<const OpSpec> OutputOperations() { return kOperations; }

}  // namespace geosrpc::ops::internal
