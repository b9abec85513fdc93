// Reading geometry files into request batches: the CLI's --a/--b and the
// load client's --dataset=file:PATH.
//
// Formats: WKT or hex WKB, one geometry per line (blank lines skipped); or
// GeoJSON — a FeatureCollection, a single Feature or geometry, or
// newline-delimited GeoJSON — one row per feature (see geojson.h). The format
// is detected from the content unless given. Rows are sent as written
// (ENCODING_WKT, ENCODING_HEX_WKB, ENCODING_GEOJSON): the server parses them,
// so the client needs no geometry library, and a row the server cannot read
// is that row's error, not the file's.
//
// Thread-safety: pure functions; safe from any number of threads.
#ifndef GEOSRPC_CLIENT_INPUT_GEOMETRY_FILE_H_
#define GEOSRPC_CLIENT_INPUT_GEOMETRY_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "geosrpc/v1/geometry_service.pb.h"

namespace geosrpc::input {

enum class InputFormat { kAuto, kWkt, kHexWkb, kGeoJson };

// "auto", "wkt", "hex" (or "hexwkb"), "geojson".
absl::StatusOr<InputFormat> ParseInputFormat(absl::string_view name);

// The batch that `content` describes. kAuto: GeoJSON when the first
// non-blank byte is '{' or a record separator (RFC 8142), hex WKB when the
// first line is hex digits, else WKT.
absl::StatusOr<v1::GeometryBatch> ParseGeometries(absl::string_view content,
                                                  InputFormat format);

// ParseGeometries of the file at `path` ("-": standard input).
absl::StatusOr<v1::GeometryBatch> ReadGeometryFile(const std::string& path,
                                                   InputFormat format);

}  // namespace geosrpc::input

#endif  // GEOSRPC_CLIENT_INPUT_GEOMETRY_FILE_H_
