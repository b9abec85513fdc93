// The geosrpc CLI's output: result rows as CSV
// (row,value,error_code,error_message) or a JSON array, a join's pairs
// likewise, and the operation list as Markdown. (Reading geometry files is
// base/input/.)
//
// Thread-safety: pure functions; safe from any number of threads.
#ifndef GEOSRPC_CLIENT_CLI_OUTPUT_H_
#define GEOSRPC_CLIENT_CLI_OUTPUT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/cpp/client.h"
#include "geosrpc/v1/geometry_service.pb.h"

namespace geosrpc::cli {

enum class OutputFormat { kCsv, kJson };

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view name);

// `v` as the shortest text that reads back to the same double ("2.4", not
// "2.3999999999999999"), as Shapely, PostGIS and JavaScript print numbers;
// "nan", "inf" or "-inf" when not finite.
std::string ShortestDouble(double v);

// Renders every row of `result`: numbers and booleans as such, WKT as text,
// WKB as lower-case hex.
std::string FormatResult(const client::ComputeResult& result,
                         OutputFormat format);

// A Join's or Nearest's pairs in their order, each failed row of `a` where
// its row falls. CSV: a_row,set_row[,distance],error_code,error_message
// (distance when the result has distances; a failed row has no set_row).
// JSON: an array of {"a_row","set_row"[,"distance"]} and
// {"a_row","error":{"code","message"}}.
std::string FormatPairs(const client::JoinResult& result, OutputFormat format);

// The operations as a Markdown reference (docs/operations.md).
std::string OperationsMarkdown(const v1::ListOperationsResponse& list);

}  // namespace geosrpc::cli

#endif  // GEOSRPC_CLIENT_CLI_OUTPUT_H_
