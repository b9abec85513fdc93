#include "client/cli/io.h"

#include <cstdio>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "client/cpp/batch.h"
#include "server/geos/context.h"

namespace geosrpc::cli {

absl::StatusOr<InputFormat> ParseInputFormat(absl::string_view name) {
  if (name == "auto") return InputFormat::kAuto;
  if (name == "wkt") return InputFormat::kWkt;
  if (name == "hex" || name == "hexwkb") return InputFormat::kHexWkb;
  if (name == "geojson") return InputFormat::kGeoJson;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown input format '", name, "' (auto, wkt, hex, geojson)"));
}

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view name) {
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "json") return OutputFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown output format '", name, "' (csv, json)"));
}

namespace {

bool IsHex(absl::string_view s) {
  if (s.empty() || s.size() % 2 != 0) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

absl::StatusOr<v1::GeometryBatch> ParseGeoJson(absl::string_view content) {
  geos::Context context;
  GEOSContextHandle_t h = context.handle();
  geos::GeoJsonReaderPtr reader(GEOSGeoJSONReader_create_r(h), {h});
  const std::string text(content);
  geos::GeometryPtr g(
      GEOSGeoJSONReader_readGeometry_r(h, reader.get(), text.c_str()), {h});
  if (!g) return context.Error(absl::StatusCode::kInvalidArgument, "GeoJSON");
  client::BatchBuilder builder(v1::WKB);
  std::string wkb;
  auto add = [&](const GEOSGeometry* part) -> absl::Status {
    wkb.clear();
    if (absl::Status s = context.WriteWkb(part, {}, &wkb); !s.ok()) return s;
    builder.Add(wkb);
    return absl::OkStatus();
  };
  // A FeatureCollection reads as a GeometryCollection of its features.
  const bool collection =
      absl::StrContains(content, "FeatureCollection") &&
      GEOSGeomTypeId_r(h, g.get()) == GEOS_GEOMETRYCOLLECTION;
  if (collection) {
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g.get()); ++i) {
      if (absl::Status s = add(GEOSGetGeometryN_r(h, g.get(), i)); !s.ok()) {
        return s;
      }
    }
  } else if (absl::Status s = add(g.get()); !s.ok()) {
    return s;
  }
  return builder.Build();
}

void AppendJsonString(absl::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppend(out, "\\u00", absl::Hex(c, absl::kZeroPad2));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void AppendCsvField(absl::string_view s, std::string* out) {
  if (s.find_first_of(",\"\n") == absl::string_view::npos) {
    out->append(s.data(), s.size());
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

// Row i's value as text, and whether it is a JSON string.
std::pair<std::string, bool> ValueText(const client::ComputeResult& r,
                                       size_t i) {
  switch (r.column) {
    case v1::ResultChunk::kDoubles:
      return {absl::StrFormat("%.17g", r.doubles[i]), false};
    case v1::ResultChunk::kBools:
      return {r.bools[i] ? "true" : "false", false};
    case v1::ResultChunk::kInts:
      return {absl::StrCat(r.ints[i]), false};
    case v1::ResultChunk::kGeometries:
    case v1::ResultChunk::kEncoded:
      if (r.binary_encoding == v1::WKB) {
        return {absl::BytesToHexString(r.binary[i]), true};
      }
      return {r.binary[i], true};
    default:
      return {"", true};
  }
}

}  // namespace

absl::StatusOr<v1::GeometryBatch> ParseGeometries(absl::string_view content,
                                                  InputFormat format) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(content);
  if (format == InputFormat::kAuto) {
    if (absl::StartsWith(trimmed, "{")) {
      format = InputFormat::kGeoJson;
    } else {
      absl::string_view first = trimmed.substr(0, trimmed.find('\n'));
      format = IsHex(absl::StripAsciiWhitespace(first)) ? InputFormat::kHexWkb
                                                        : InputFormat::kWkt;
    }
  }
  if (format == InputFormat::kGeoJson) return ParseGeoJson(content);

  client::BatchBuilder builder(
      format == InputFormat::kWkt ? v1::WKT : v1::HEX_WKB);
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) builder.Add(line);
  }
  return builder.Build();
}

std::string FormatResult(const client::ComputeResult& result,
                         OutputFormat format) {
  std::string out;
  size_t e = 0;  // Next error, by row.
  if (format == OutputFormat::kCsv) {
    out = "row,value,error_code,error_message\n";
  } else {
    out = "[";
  }
  for (size_t i = 0; i < result.rows(); ++i) {
    const v1::RowError* error = nullptr;
    if (e < result.errors.size() && result.errors[e].row() == i) {
      error = &result.errors[e++];
    }
    if (format == OutputFormat::kCsv) {
      absl::StrAppend(&out, i, ",");
      if (error == nullptr) AppendCsvField(ValueText(result, i).first, &out);
      out.push_back(',');
      if (error != nullptr) {
        absl::StrAppend(&out, error->code(), ",");
        AppendCsvField(error->message(), &out);
      } else {
        out.push_back(',');
      }
      out.push_back('\n');
    } else {
      absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "{\"row\":", i);
      if (error != nullptr) {
        absl::StrAppend(&out, ",\"error\":{\"code\":", error->code(),
                        ",\"message\":");
        AppendJsonString(error->message(), &out);
        out.append("}}");
      } else {
        auto [text, quoted] = ValueText(result, i);
        out.append(",\"value\":");
        if (quoted) {
          AppendJsonString(text, &out);
        } else if (text == "nan" || text == "inf" || text == "-inf") {
          out.append("null");
        } else {
          out.append(text);
        }
        out.push_back('}');
      }
    }
  }
  if (format == OutputFormat::kJson) out.append("\n]\n");
  return out;
}

}  // namespace geosrpc::cli
