#include "client/cli/output.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "client/cpp/batch.h"

namespace geosrpc::cli {

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view name) {
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "json") return OutputFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown output format '", name, "' (csv, json)"));
}

namespace {

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
    case v1::ResultChunk::kDoubles: {
      if (r.width == 1) return {absl::StrFormat("%.17g", r.doubles[i]), false};
      std::vector<std::string> values;
      for (int k = 0; k < r.width; ++k) {
        const double v = r.doubles[i * r.width + k];
        values.push_back(std::isfinite(v) ? absl::StrFormat("%.17g", v)
                                          : std::string("null"));
      }
      return {absl::StrCat("[", absl::StrJoin(values, ","), "]"), false};
    }
    case v1::ResultChunk::kStrings:
      return {r.strings[i], true};
    case v1::ResultChunk::kBools:
      return {r.bools[i] ? "true" : "false", false};
    case v1::ResultChunk::kInts:
      return {absl::StrCat(r.ints[i]), false};
    case v1::ResultChunk::kGeometries:
    case v1::ResultChunk::kEncoded:
      if (r.binary_encoding == v1::ENCODING_WKB) {
        return {absl::BytesToHexString(r.binary[i]), true};
      }
      return {r.binary[i], true};
    default:
      return {"", true};
  }
}

}  // namespace

std::string FormatResult(const client::ComputeResult& result,
                         OutputFormat format) {
  // Entries: every row (or, for get_parts and reductions, every value) in
  // order, then the rows that failed where they have no value.
  struct Entry {
    uint64_t row;
    std::optional<size_t> value;
    const v1::RowError* error = nullptr;
  };
  std::vector<Entry> entries;
  if (result.mapping == v1::RESULT_MAPPING_ONE_PER_ROW) {
    size_t e = 0;  // Next error, by row.
    for (size_t i = 0; i < result.rows(); ++i) {
      Entry entry{i, i};
      if (e < result.errors.size() && result.errors[e].row() == i) {
        entry.error = &result.errors[e++];
      }
      entries.push_back(entry);
    }
  } else {
    const size_t values = result.mapping == v1::RESULT_MAPPING_PER_PART
                              ? result.source_rows.size()
                              : result.binary.size();
    for (size_t i = 0; i < values; ++i) {
      entries.push_back({result.mapping == v1::RESULT_MAPPING_PER_PART
                             ? result.source_rows[i]
                             : 0,
                         i});
    }
    for (const v1::RowError& e : result.errors) {
      entries.push_back({e.row(), std::nullopt, &e});
    }
  }

  std::string out = format == OutputFormat::kCsv
                        ? "row,value,error_code,error_message\n"
                        : "[";
  bool first = true;
  for (const Entry& entry : entries) {
    const v1::RowError* error = entry.error;
    if (format == OutputFormat::kCsv) {
      absl::StrAppend(&out, entry.row, ",");
      if (error == nullptr) {
        AppendCsvField(ValueText(result, *entry.value).first, &out);
      }
      out.push_back(',');
      if (error != nullptr) {
        absl::StrAppend(&out, error->code(), ",");
        AppendCsvField(error->message(), &out);
      } else {
        out.push_back(',');
      }
      out.push_back('\n');
      continue;
    }
    absl::StrAppend(&out, first ? "\n" : ",\n", "{\"row\":", entry.row);
    first = false;
    if (error != nullptr) {
      absl::StrAppend(&out, ",\"error\":{\"code\":", error->code(),
                      ",\"message\":");
      AppendJsonString(error->message(), &out);
      out.append("}}");
      continue;
    }
    auto [text, quoted] = ValueText(result, *entry.value);
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
  if (format == OutputFormat::kJson) out.append("\n]\n");
  return out;
}

std::string FormatPairs(const client::JoinResult& result, OutputFormat format) {
  const bool with_distance = !result.distances.empty();
  const auto number = [&](double d) {
    if (format == OutputFormat::kJson && !std::isfinite(d)) {
      return std::string("null");
    }
    return absl::StrFormat("%.17g", d);
  };
  std::string out;
  if (format == OutputFormat::kCsv) {
    out = with_distance ? "a_row,set_row,distance,error_code,error_message\n"
                        : "a_row,set_row,error_code,error_message\n";
  } else {
    out = "[";
  }
  bool first = true;
  size_t e = 0;  // Next error, by row.
  const auto error = [&](const v1::RowError& err) {
    if (format == OutputFormat::kCsv) {
      absl::StrAppend(&out, err.row(), with_distance ? ",,," : ",,", err.code(),
                      ",");
      AppendCsvField(err.message(), &out);
      out.push_back('\n');
      return;
    }
    absl::StrAppend(&out, first ? "\n" : ",\n", "{\"a_row\":", err.row(),
                    ",\"error\":{\"code\":", err.code(), ",\"message\":");
    AppendJsonString(err.message(), &out);
    out.append("}}");
    first = false;
  };
  for (size_t i = 0; i < result.a_rows.size(); ++i) {
    while (e < result.errors.size() &&
           result.errors[e].row() < result.a_rows[i]) {
      error(result.errors[e++]);
    }
    if (format == OutputFormat::kCsv) {
      absl::StrAppend(&out, result.a_rows[i], ",", result.set_rows[i]);
      if (with_distance)
        absl::StrAppend(&out, ",", number(result.distances[i]));
      out.append(",,\n");
      continue;
    }
    absl::StrAppend(&out, first ? "\n" : ",\n", "{\"a_row\":", result.a_rows[i],
                    ",\"set_row\":", result.set_rows[i]);
    if (with_distance) {
      absl::StrAppend(&out, ",\"distance\":", number(result.distances[i]));
    }
    out.push_back('}');
    first = false;
  }
  while (e < result.errors.size()) error(result.errors[e++]);
  if (format == OutputFormat::kJson) out.append("\n]\n");
  return out;
}

std::string OperationsMarkdown(const v1::ListOperationsResponse& list) {
  std::string out =
      "# Operations\n\n"
      "Generated from the operation table (`server/ops/`: each family's "
      "entries "
      "beside its kernels), the "
      "same table that drives dispatch, parameter validation and "
      "`ListOperations`. Regenerate with `make docs`; a test fails when this "
      "file and the table disagree. `geosrpc list --markdown` prints the same "
      "for a running server.\n\n"
      "Binary operations take `b` either broadcast (one geometry against "
      "every row; *prepared* marks those that then use GEOS's prepared "
      "geometry) or row-wise. Parameters go in the `Operation.params` field "
      "named in the table; unset ones take their defaults.\n\n"
      "| Operation | Inputs | Result | Parameters | Description |\n"
      "| --- | --- | --- | --- | --- |\n";
  for (const v1::OperationInfo& op : list.operations()) {
    std::string result = absl::AsciiStrToLower(client::ShortName(
        *v1::ResultType_descriptor()->FindValueByNumber(op.result_type())));
    if (op.values_per_row() > 1) {
      absl::StrAppend(&result, " x", op.values_per_row());
    }
    if (op.expands()) absl::StrAppend(&result, " per part");
    if (op.reduces()) absl::StrAppend(&result, " (one per batch)");
    std::vector<std::string> params;
    for (const v1::ParameterInfo& p : op.parameters()) {
      params.push_back(absl::StrCat("`", op.params_message(), ".", p.name(),
                                    "`: ", p.type(), " = ", p.default_value(),
                                    ", ", p.allowed(), ". ", p.description()));
    }
    absl::StrAppend(
        &out, "| `", op.name(), "` | ",
        op.arity() == 2 ? (op.prepared_broadcast() ? "a, b (prepared)" : "a, b")
                        : "a",
        " | ", result, " | ",
        absl::StrReplaceAll(absl::StrJoin(params, "<br>"), {{"|", "\\|"}}),
        " | ", absl::StrReplaceAll(op.description(), {{"|", "\\|"}}), " |\n");
  }
  return out;
}

}  // namespace geosrpc::cli
