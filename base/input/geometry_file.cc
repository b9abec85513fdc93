#include "base/input/geometry_file.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/input/geojson.h"
#include "base/status_macros.h"

namespace geosrpc::input {
namespace {

bool IsHex(absl::string_view s) {
  if (s.empty() || s.size() % 2 != 0) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A batch of `rows`, each as written.
template <typename Rows>
v1::GeometryBatch BatchOf(v1::Encoding encoding, const Rows& rows) {
  v1::GeometryBatch batch;
  batch.set_encoding(encoding);
  batch.add_offsets(0);
  for (absl::string_view row : rows) {
    batch.mutable_data()->append(row.data(), row.size());
    batch.add_offsets(batch.data().size());
  }
  return batch;
}

}  // namespace

absl::StatusOr<InputFormat> ParseInputFormat(absl::string_view name) {
  if (name == "auto") return InputFormat::kAuto;
  if (name == "wkt") return InputFormat::kWkt;
  if (name == "hex" || name == "hexwkb") return InputFormat::kHexWkb;
  if (name == "geojson") return InputFormat::kGeoJson;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown input format '", name, "' (auto, wkt, hex, geojson)"));
}

absl::StatusOr<v1::GeometryBatch> ParseGeometries(absl::string_view content,
                                                  InputFormat format) {
  if (format == InputFormat::kAuto) {
    absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(content);
    absl::ConsumePrefix(&trimmed, "\xEF\xBB\xBF");  // A UTF-8 byte order mark.
    // GeoJSON: an object, or a GeoJSON text sequence (RFC 8142), whose
    // records open with the record separator.
    if (absl::StartsWith(trimmed, "{") || absl::StartsWith(trimmed, "\x1e")) {
      format = InputFormat::kGeoJson;
    } else {
      absl::string_view first = trimmed.substr(0, trimmed.find('\n'));
      format = IsHex(absl::StripAsciiWhitespace(first)) ? InputFormat::kHexWkb
                                                        : InputFormat::kWkt;
    }
  }
  if (format == InputFormat::kGeoJson) {
    ASSIGN_OR_RETURN(std::vector<absl::string_view> rows,
                     SplitGeoJson(content));
    return BatchOf(v1::ENCODING_GEOJSON, rows);
  }
  std::vector<absl::string_view> lines;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) lines.push_back(line);
  }
  return BatchOf(
      format == InputFormat::kWkt ? v1::ENCODING_WKT : v1::ENCODING_HEX_WKB,
      lines);
}

absl::StatusOr<v1::GeometryBatch> ReadGeometryFile(const std::string& path,
                                                   InputFormat format) {
  std::stringstream content;
  if (path == "-") {
    content << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    content << in.rdbuf();
  }
  return ParseGeometries(content.str(), format);
}

}  // namespace geosrpc::input
