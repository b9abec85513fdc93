// Validation of untrusted geometry encodings before GEOS sees them.
//
// GEOS 3.11.1 crashes or stalls on some small hostile inputs (claimed counts
// far beyond the bytes present, deep collection nesting, non-finite
// coordinates). ValidateWkb walks the bytes once, checking every claimed size
// against what is there, and rejects what GEOS should never be given. The
// functions are pure: safe to call from any number of threads.
#ifndef GEOSRPC_SERVER_BATCH_WKB_H_
#define GEOSRPC_SERVER_BATCH_WKB_H_

#include <cstdint>
#include <limits>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace geosrpc::batch {

struct GeometryLimits {
  // Collections nested deeper than this are rejected (a collection inside a
  // collection has depth 2).
  int max_depth = 32;
  // Coordinates in one geometry.
  uint64_t max_vertices = 10'000'000;
  // Larger ordinates are rejected: GEOS 3.11.1 overflows to infinity inside
  // some algorithms near the top of the double range and then crashes
  // (buffer of a line from -1e308 to 1e308) or never returns (simplify of a
  // line to 1e308). Up to 1e150, squares and products of differences stay
  // finite.
  double max_abs_coordinate = 1e150;
};

// What validation learns of a geometry on the way.
struct WkbInfo {
  uint64_t vertices = 0;
  // The x extent of its coordinates; min_x > max_x when it has none (empty).
  double min_x = std::numeric_limits<double>::infinity();
  double max_x = -std::numeric_limits<double>::infinity();
};

// OK when `wkb` holds exactly one well-formed ISO or extended WKB geometry of
// types 1-7 within `limits`, with finite coordinates (an empty point's NaNs
// excepted) no larger than limits.max_abs_coordinate. Errors are
// INVALID_ARGUMENT naming the byte offset, or RESOURCE_EXHAUSTED for a limit.
// `source` names the input in messages: "WKB" reports byte offsets; any
// other name (e.g. "WKT", for WKB written from parsed text) leaves them out.
absl::Status ValidateWkb(absl::string_view wkb, const GeometryLimits& limits,
                         WkbInfo* info = nullptr,
                         absl::string_view source = "WKB");

// True, with its coordinates, when `wkb` is a two-dimensional point that
// ValidateWkb accepts (21 bytes, either byte order, no SRID, finite and
// within limits): the commonest row of all, which callers can then build
// without GEOS's reader (GEOSGeom_createPointFromXY_r, several times
// cheaper). False says nothing about the row: ValidateWkb decides.
bool ReadPlainXyPoint(absl::string_view wkb, const GeometryLimits& limits,
                      double* x, double* y);

// Rewriting WKB without GEOS. A "plain" geometry (PlainWkb) is one GEOS
// 3.11 reads and writes back changing nothing but the header: no M, Z in
// every part or in none, no empty part. For those, RewriteWkb gives the
// bytes GEOS's writer would give for the geometry with its coordinates
// changed, at a fraction of the cost of a GEOS geometry (transform of points
// and polygons; bench/RESULTS.md).

// The SRID extended WKB carries in its outermost header; 0 for none.
int32_t WkbSrid(absl::string_view wkb);

// Whether `wkb`, which ValidateWkb accepted, is plain (above).
bool PlainWkb(absl::string_view wkb);

// Changes `n` coordinates of `dims` ordinates (x, y[, z] interleaved) from
// `in` into `out`.
using CoordinateMap = absl::FunctionRef<absl::Status(
    const double* in, double* out, size_t n, int dims)>;

// Appends plain `wkb` to `out` as GEOS 3.11's writer writes it with the
// service's result options (little-endian extended WKB, Z kept, `srid` on
// the outermost geometry when non-zero), each coordinate sequence (a point,
// a line, a ring) passed through `map` on the way. Stops at the first error
// `map` returns, with `out` partly written; INTERNAL if `wkb` is not plain.
absl::Status RewriteWkb(absl::string_view wkb, int32_t srid, CoordinateMap map,
                        std::string* out);

// Decodes hexadecimal text (either case, even length) into bytes.
absl::Status DecodeHex(absl::string_view hex, std::string* out);

// A cheap check of WKT before parsing: bounded parenthesis nesting and only
// characters WKT uses. GEOS's parse is then validated by writing WKB and
// calling ValidateWkb (see FrozenBatch).
absl::Status PrecheckWkt(absl::string_view wkt, const GeometryLimits& limits);

// The same for GeoJSON: bounded bracket nesting outside strings (GEOS's JSON
// parser recurses once per level; a Feature's properties may hold any text)
// and no NUL bytes. Also refuses null and a Feature whose geometry is null
// ("GeoJSON: null geometry"), which GEOS fails on with an opaque message,
// and empty positions in the geometries GEOS reads, which crash it (see
// internal/geojson_positions.h). Validated after parsing like WKT.
absl::Status PrecheckGeoJson(absl::string_view json,
                             const GeometryLimits& limits);

}  // namespace geosrpc::batch

#endif  // GEOSRPC_SERVER_BATCH_WKB_H_
