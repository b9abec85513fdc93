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

// A non-empty point without M, as WKB carries it: what ReadWkbPoint finds
// and AppendWkbPoint writes.
struct WkbPoint {
  double x = 0, y = 0, z = 0;
  bool has_z = false;
  int32_t srid = 0;  // 0: none.
};

// Reads `wkb`, which ValidateWkb accepted, as a point (ISO or extended,
// either byte order). False when it holds another type, an empty point or
// a point with M: those go through GEOS.
bool ReadWkbPoint(absl::string_view wkb, WkbPoint* point);

// Appends `point` exactly as GEOS 3.11's writer writes it with the
// service's result options (little-endian extended WKB, Z when the point has
// it, the SRID when non-zero).
void AppendWkbPoint(const WkbPoint& point, std::string* out);

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
