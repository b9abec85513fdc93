// Splitting GeoJSON text into rows, one per feature, without parsing any
// geometry.
//
// The client leaves geometry to the server: each row is a feature's (or a
// geometry's) own bytes, sent as ENCODING_GEOJSON, where the server's GEOS
// reader takes a Feature and reads its geometry. So a feature the server
// cannot read (a null geometry, say) is that row's error, not the file's.
// SplitGeoJson still checks the JSON syntax of everything it passes over —
// strings with their escapes, numbers, literals, nesting — so that a
// malformed file fails here, with the byte offset of the fault, rather than
// as a confusing row error.
//
// Thread-safety: pure functions; safe from any number of threads.
#ifndef GEOSRPC_CLIENT_INPUT_GEOJSON_H_
#define GEOSRPC_CLIENT_INPUT_GEOJSON_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace geosrpc::input {

// The rows of `text`, which holds one or more JSON objects separated by
// whitespace: a single object, or newline-delimited GeoJSON (one per line;
// RFC 8142's record separators are accepted too). A FeatureCollection gives
// one row per element of its "features" array; any other object (a Feature
// or a bare geometry) is one row. Rows are views into `text`, in order.
// INVALID_ARGUMENT for malformed JSON, a top-level value that is not an
// object, or a FeatureCollection without a "features" array; the message
// names the byte offset ("GeoJSON: expected ':' at byte 17").
absl::StatusOr<std::vector<absl::string_view>> SplitGeoJson(
    absl::string_view text);

}  // namespace geosrpc::input

#endif  // GEOSRPC_CLIENT_INPUT_GEOJSON_H_
