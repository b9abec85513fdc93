#include "server/exec/chunk_builder.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace geosrpc::exec {
namespace {

// `error` says that `row` (of a, or a group's number) failed with `status`.
// Returns the status code.
int FillError(v1::RowError* error, size_t row, const absl::Status& status) {
  error->set_row(row);
  error->set_code(static_cast<int>(status.code()));
  error->set_message(std::string(status.message()));
  return error->code();
}

}  // namespace

void BatchCounters::AddErrors(const RowErrorCounts& errors) {
  if (errors.total == 0) return;
  error_rows_.fetch_add(errors.total, std::memory_order_relaxed);
  for (int c = 0; c < RowErrorCounts::kCodes; ++c) {
    if (errors.by_code[c] != 0) {
      errors_by_code_[c].fetch_add(errors.by_code[c],
                                   std::memory_order_relaxed);
    }
  }
}

ChunkBuilder::ChunkBuilder(const ops::OpSpec& spec, v1::Encoding encoding,
                           geos::Context* context, Mode mode, bool grouped)
    : type_(spec.result),
      width_(spec.values_per_row),
      expands_(spec.expands),
      mode_(mode),
      grouped_(grouped),
      encoding_(encoding == v1::ENCODING_UNSPECIFIED ? v1::ENCODING_WKB
                                                     : encoding),
      context_(context) {
  if (encoding_ == v1::ENCODING_COORDINATES && mode_ == Mode::kRows &&
      type_ == ops::ResultType::kGeometry) {
    coordinates_ = std::make_unique<batch::CoordinateColumnBuilder>();
  }
}

void ChunkBuilder::Open(size_t row) {
  if (chunk_) return;
  chunk_ = std::make_unique<v1::ResultChunk>();
  chunk_->set_row_offset(row);
  chunk_->set_mapping(mode_ == Mode::kRows
                          ? (expands_ ? v1::RESULT_MAPPING_PER_PART
                                      : v1::RESULT_MAPPING_ONE_PER_ROW)
                      : grouped_ ? v1::RESULT_MAPPING_ONE_PER_GROUP
                                 : v1::RESULT_MAPPING_ONE_PER_BATCH);
  binary_ = nullptr;
  if (mode_ == Mode::kRowErrors) return;
  if (coordinates_) {
    // The column is filled at Take().
  } else if (type_ == ops::ResultType::kGeometry) {
    binary_ = chunk_->mutable_geometries();
    binary_->set_encoding(encoding_);
  } else if (type_ == ops::ResultType::kBytes) {
    binary_ = chunk_->mutable_encoded();
  }
  if (binary_ != nullptr) binary_->add_offsets(0);
  if (type_ == ops::ResultType::kDouble && width_ > 1) {
    chunk_->mutable_doubles()->set_width(width_);
  }
}

int ChunkBuilder::Add(size_t row, absl::Status status, ops::Value& value) {
  if (expands_) return AddParts(row, std::move(status), value);
  if (coordinates_) status = AddCoordinates(std::move(status), value);
  if (status.ok() && binary_ != nullptr &&
      type_ == ops::ResultType::kGeometry && !value.written) {
    status = WriteGeometry(value.geometry.get());
  }
  const bool ok = status.ok();
  switch (type_) {
    case ops::ResultType::kDouble: {
      constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
      auto* values = chunk_->mutable_doubles();
      values->add_values(ok ? value.number : kNaN);
      for (int i = 1; i < width_; ++i) {
        values->add_values(ok ? value.more[i - 1] : kNaN);
      }
      break;
    }
    case ops::ResultType::kString:
      chunk_->mutable_strings()->add_values(ok ? std::move(value.text)
                                               : std::string());
      break;
    case ops::ResultType::kBool:
      chunk_->mutable_bools()->add_values(ok && value.flag);
      break;
    case ops::ResultType::kInt:
      chunk_->mutable_ints()->add_values(ok ? value.integer : 0);
      break;
    case ops::ResultType::kGeometry:
    case ops::ResultType::kBytes:
      if (coordinates_) break;
      if (!ok) {  // Drop partial output.
        binary_->mutable_data()->resize(
            binary_->offsets(binary_->offsets_size() - 1));
      }
      if (type_ == ops::ResultType::kBytes) {
        binary_->set_encoding(value.bytes_encoding);
      }
      binary_->add_offsets(binary_->data().size());
      break;
  }
  chunk_->set_row_count(chunk_->row_count() + 1);
  ++values_;
  return ok ? 0 : AddError(row, status);
}

absl::Status ChunkBuilder::AddReduced(const GEOSGeometry* result) {
  RETURN_IF_ERROR(WriteReduced(result));
  chunk_->set_row_count(1);
  ++values_;
  return absl::OkStatus();
}

int ChunkBuilder::AddGroup(size_t group, int64_t key, absl::Status status,
                           const GEOSGeometry* result) {
  if (status.ok()) status = WriteReduced(result);
  if (!status.ok()) {
    if (binary_ != nullptr) {
      binary_->mutable_data()->resize(
          binary_->offsets(binary_->offsets_size() - 1));
      binary_->add_offsets(binary_->data().size());
    } else {
      constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
      for (int i = 0; i < width_; ++i)
        chunk_->mutable_doubles()->add_values(kNaN);
    }
  }
  chunk_->add_group_keys(key);
  chunk_->set_row_count(chunk_->row_count() + 1);
  ++values_;
  if (status.ok()) return 0;
  return FillError(chunk_->add_group_errors(), group, status);
}

absl::Status ChunkBuilder::WriteReduced(const GEOSGeometry* g) {
  if (type_ == ops::ResultType::kGeometry) {
    RETURN_IF_ERROR(WriteGeometry(g));
    binary_->add_offsets(binary_->data().size());
    return absl::OkStatus();
  }
  // Bounds: xmin, ymin, xmax, ymax; NaN for an empty geometry.
  const GEOSContextHandle_t h = context_->handle();
  double b[4];
  std::fill(b, b + 4, std::numeric_limits<double>::quiet_NaN());
  if (GEOSisEmpty_r(h, g) == 0 && (GEOSGeom_getXMin_r(h, g, &b[0]) == 0 ||
                                   GEOSGeom_getYMin_r(h, g, &b[1]) == 0 ||
                                   GEOSGeom_getXMax_r(h, g, &b[2]) == 0 ||
                                   GEOSGeom_getYMax_r(h, g, &b[3]) == 0)) {
    return context_->Error(absl::StatusCode::kFailedPrecondition, "bounds");
  }
  for (double v : b) chunk_->mutable_doubles()->add_values(v);
  return absl::OkStatus();
}

absl::Status ChunkBuilder::AddCoordinates(absl::Status status,
                                          const ops::Value& value) {
  if (status.ok() && !value.written) {
    status = WriteGeometry(value.geometry.get(), &scratch_);
  }
  if (status.ok()) status = coordinates_->Append(scratch_);
  if (!status.ok()) coordinates_->AppendEmpty();
  scratch_.clear();
  return status;
}

int ChunkBuilder::AddError(size_t row, const absl::Status& status) {
  return FillError(chunk_->add_errors(), row, status);
}

size_t ChunkBuilder::byte_size() const {
  if (coordinates_) return coordinates_->byte_size();
  if (binary_ != nullptr) return binary_->data().size();
  if (mode_ == Mode::kRowErrors) return chunk_->errors_size() * 64;
  if (type_ == ops::ResultType::kDouble) {
    return chunk_->doubles().values_size() * sizeof(double) +
           chunk_->source_rows_size() * sizeof(uint64_t);
  }
  return chunk_->row_count() * width_ * sizeof(double);
}

void ChunkBuilder::AddCoordinateRows(
    size_t row, batch::CoordinateColumnBuilder::Column column) {
  Open(row);
  const size_t n = column.kind == batch::CoordinateKind::kPoint
                       ? column.coords.size() / (8 * column.dimensions)
                       : column.geometry_offsets.size() - 1;
  SetCoordinates(std::move(column));
  chunk_->set_row_count(chunk_->row_count() + n);
  values_ += n;
}

std::unique_ptr<v1::ResultChunk> ChunkBuilder::Take() {
  binary_ = nullptr;
  if (coordinates_ && chunk_ && !chunk_->has_coordinates()) {
    SetCoordinates(coordinates_->Take());
  }
  return std::move(chunk_);
}

void ChunkBuilder::SetCoordinates(
    batch::CoordinateColumnBuilder::Column column) {
  v1::CoordinateArray* out = chunk_->mutable_coordinates();
  out->set_kind(static_cast<v1::CoordinateKind>(column.kind));
  out->set_dimensions(column.dimensions);
  *out->mutable_coords() = std::move(column.coords);
  out->mutable_geometry_offsets()->Add(column.geometry_offsets.begin(),
                                       column.geometry_offsets.end());
  out->mutable_part_offsets()->Add(column.part_offsets.begin(),
                                   column.part_offsets.end());
  out->mutable_ring_offsets()->Add(column.ring_offsets.begin(),
                                   column.ring_offsets.end());
}

// Every part of `row`, each its own value, or the row's error.
int ChunkBuilder::AddParts(size_t row, absl::Status status, ops::Value& value) {
  chunk_->set_row_count(chunk_->row_count() + 1);
  if (type_ == ops::ResultType::kDouble) return AddNumbers(row, status, value);
  if (coordinates_) return AddPartCoordinates(row, std::move(status), value);
  const int offsets = binary_->offsets_size();
  const int sources = chunk_->source_rows_size();
  for (size_t i = 0; status.ok() && i < value.parts.size(); ++i) {
    status = WriteGeometry(value.parts[i].get());
    binary_->add_offsets(binary_->data().size());
    chunk_->add_source_rows(row);
  }
  if (status.ok()) {
    values_ += value.parts.size();
    return 0;
  }
  // Drop the row's partial output.
  binary_->mutable_offsets()->Truncate(offsets);
  binary_->mutable_data()->resize(binary_->offsets(offsets - 1));
  chunk_->mutable_source_rows()->Truncate(sources);
  return AddError(row, status);
}

// AddParts, for results as coordinates: every part or none.
int ChunkBuilder::AddPartCoordinates(size_t row, absl::Status status,
                                     const ops::Value& value) {
  std::vector<size_t> ends;
  ends.reserve(value.parts.size());
  for (size_t i = 0; status.ok() && i < value.parts.size(); ++i) {
    status = WriteGeometry(value.parts[i].get(), &scratch_);
    ends.push_back(scratch_.size());
  }
  if (status.ok()) {
    std::vector<absl::string_view> parts;
    parts.reserve(ends.size());
    size_t begin = 0;
    for (size_t end : ends) {
      parts.push_back(absl::string_view(scratch_).substr(begin, end - begin));
      begin = end;
    }
    status = coordinates_->Append(parts);
  }
  scratch_.clear();
  if (!status.ok()) return AddError(row, status);
  for (size_t i = 0; i < value.parts.size(); ++i) chunk_->add_source_rows(row);
  values_ += value.parts.size();
  return 0;
}

// An expanding numeric row: value.width doubles per part.
int ChunkBuilder::AddNumbers(size_t row, const absl::Status& status,
                             const ops::Value& value) {
  if (!status.ok()) return AddError(row, status);
  v1::DoubleColumn* column = chunk_->mutable_doubles();
  column->set_width(value.width);
  column->mutable_values()->Add(value.numbers.begin(), value.numbers.end());
  const size_t parts = value.numbers.size() / value.width;
  for (size_t i = 0; i < parts; ++i) chunk_->add_source_rows(row);
  values_ += parts;
  return 0;
}

// Geometry results keep a non-zero SRID (extended WKB), so set_srid and
// EWKB input round-trip.
absl::Status ChunkBuilder::WriteGeometry(const GEOSGeometry* g,
                                         std::string* out) {
  if (out == nullptr) out = binary_->mutable_data();
  switch (encoding_) {
    case v1::ENCODING_WKT:
      return context_->WriteWkt(g, {}, out);
    case v1::ENCODING_GEOJSON:
      return context_->WriteGeoJson(g, -1, out);
    default:
      return context_->WriteWkb(
          g, {.include_srid = true, .hex = encoding_ == v1::ENCODING_HEX_WKB},
          out);
  }
}

}  // namespace geosrpc::exec
