// Building request batches and operations on the client side.
//
// A batch is one packed buffer plus n+1 offsets; BatchBuilder appends rows
// without an allocation per geometry. MakeOperation sets typed parameters by
// name using the server's ListOperations description. Not thread-safe per
// instance; the free functions are pure.
#ifndef GEOSRPC_CLIENT_CPP_BATCH_H_
#define GEOSRPC_CLIENT_CPP_BATCH_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "geosrpc/v1/geometry_service.pb.h"

namespace geosrpc::client {

class BatchBuilder {
 public:
  explicit BatchBuilder(v1::Encoding encoding = v1::ENCODING_WKB,
                        size_t reserve_rows = 0);

  // Appends one row's encoded geometry.
  void Add(absl::string_view geometry);
  // Appends a 2D point as little-endian WKB (encoding must be WKB).
  void AddPoint(double x, double y);

  size_t size() const { return batch_.offsets_size() - 1; }
  // The batch; the builder is left empty.
  v1::GeometryBatch Build();

 private:
  v1::Encoding encoding_;
  v1::GeometryBatch batch_;
};

// A batch of the given rows.
v1::GeometryBatch MakeBatch(v1::Encoding encoding,
                            absl::Span<const std::string> rows);

// Rows [begin, end) of `batch` as a batch of their own: the data and
// offsets between them, rebased to 0, or for coordinates the coordinates
// and every level's offsets. INVALID_ARGUMENT when the offsets the slice
// takes do not hold it (too few, decreasing, past the data).
absl::StatusOr<v1::GeometryBatch> SliceBatch(const v1::GeometryBatch& batch,
                                             size_t begin, size_t end);

// Little-endian WKB for POINT (x y).
std::string PointWkb(double x, double y);

// Parses an operation name ("distance", case-insensitive).
absl::StatusOr<v1::OpCode> ParseOpCode(absl::string_view name);

// A join predicate by Shapely's name ("intersects", "covered_by",
// "contains_properly", "dwithin", "envelope"), in any case, or by its whole
// name ("JOIN_PREDICATE_WITHIN"). INVALID_ARGUMENT lists the names.
absl::StatusOr<v1::JoinPredicate> ParseJoinPredicate(absl::string_view name);

// An enum value's name without its enum's prefix, as buf's naming puts it
// there: "DOUBLE" for RESULT_TYPE_DOUBLE, "FLAT" for BUFFER_CAP_STYLE_FLAT.
std::string ShortName(const google::protobuf::EnumValueDescriptor& value);

// Parameters written as one piece of text, "radius=1,quadsegs=2", as
// name/value pairs. Each value runs to the next comma followed by a name and
// '=' (a letter or '_', then letters, digits or '_'), or to the end, so a
// value may hold commas and '=' signs: a WKT or PROJ string CRS
// ("to_crs=+proj=utm +zone=33 +datum=WGS84", "to_crs=PROJCRS[\"x\", ...]").
// INVALID_ARGUMENT for a piece without '='.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseParams(
    absl::string_view text);

// An Operation for `info` with parameters given as name/value text
// ("radius", "0.2"); enums by name, whole or short and in any case
// ("BUFFER_CAP_STYLE_FLAT", "flat"), or number; bools as
// true/false/1/0. INVALID_ARGUMENT names an unknown parameter or bad value.
absl::StatusOr<v1::Operation> MakeOperation(
    const v1::OperationInfo& info,
    absl::Span<const std::pair<std::string, std::string>> params);

}  // namespace geosrpc::client

#endif  // GEOSRPC_CLIENT_CPP_BATCH_H_
