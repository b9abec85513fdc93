// The geosrpc CLI's file formats.
//
// Input: one geometry per line as WKT or hex WKB, or a GeoJSON
// FeatureCollection (or single Feature/geometry), detected from the content.
// Output: one line per row as CSV (row,value,error_code,error_message) or a
// JSON array. Pure functions: thread-safe.
#ifndef GEOSRPC_CLIENT_CLI_IO_H_
#define GEOSRPC_CLIENT_CLI_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/cpp/client.h"
#include "geosrpc/v1/geometry_service.pb.h"

namespace geosrpc::cli {

enum class InputFormat { kAuto, kWkt, kHexWkb, kGeoJson };

absl::StatusOr<InputFormat> ParseInputFormat(absl::string_view name);

// The batch that `content` describes. GeoJSON features become WKB rows, in
// order; blank lines in line formats are skipped.
absl::StatusOr<v1::GeometryBatch> ParseGeometries(absl::string_view content,
                                                  InputFormat format);

enum class OutputFormat { kCsv, kJson };

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view name);

// Renders every row of `result`: numbers and booleans as such, WKT as text,
// WKB as lower-case hex.
std::string FormatResult(const client::ComputeResult& result,
                         OutputFormat format);

// The operations as a Markdown reference (docs/operations.md).
std::string OperationsMarkdown(const v1::ListOperationsResponse& list);

}  // namespace geosrpc::cli

#endif  // GEOSRPC_CLIENT_CLI_IO_H_
