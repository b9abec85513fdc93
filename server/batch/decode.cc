#include "server/batch/decode.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace geosrpc::batch {
namespace {

// Validates `bytes` (decoding hex first) and, when `geometry` is given,
// parses it. Text encodings are always parsed: their validation is of the
// WKB written from the parse.
absl::Status Decode(geos::Context& context, Encoding encoding,
                    absl::string_view bytes, const GeometryLimits& limits,
                    std::string* scratch, WkbInfo* info,
                    geos::GeometryPtr* geometry) {
  if (bytes.empty()) return absl::InvalidArgumentError("empty geometry");
  switch (encoding) {
    case Encoding::kWkb:
    case Encoding::kHexWkb: {
      if (encoding == Encoding::kHexWkb) {
        RETURN_IF_ERROR(DecodeHex(bytes, scratch));
        bytes = *scratch;
      }
      double x, y;
      if (ReadPlainXyPoint(bytes, limits, &x, &y)) {
        if (info != nullptr)
          *info = WkbInfo{.vertices = 1, .min_x = x, .max_x = x};
        if (geometry == nullptr) return absl::OkStatus();
        ASSIGN_OR_RETURN(*geometry, context.MakePoint(x, y));
        return absl::OkStatus();
      }
      RETURN_IF_ERROR(ValidateWkb(bytes, limits, info));
      if (geometry == nullptr) return absl::OkStatus();
      ASSIGN_OR_RETURN(*geometry, context.ReadWkb(bytes));
      return absl::OkStatus();
    }
    case Encoding::kWkt:
    case Encoding::kGeoJson: {
      const bool wkt = encoding == Encoding::kWkt;
      RETURN_IF_ERROR(wkt ? PrecheckWkt(bytes, limits)
                          : PrecheckGeoJson(bytes, limits));
      ASSIGN_OR_RETURN(geos::GeometryPtr g,
                       wkt ? context.ReadWkt(std::string(bytes))
                           : context.ReadGeoJson(std::string(bytes)));
      // The parse succeeded; hold the result to the same rules as WKB input
      // (finite coordinates, depth, size) before anything computes on it.
      scratch->clear();
      RETURN_IF_ERROR(context.WriteWkb(g.get(), geos::WkbOptions{}, scratch));
      RETURN_IF_ERROR(
          ValidateWkb(*scratch, limits, info, wkt ? "WKT" : "GeoJSON"));
      if (geometry != nullptr) *geometry = std::move(g);
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unknown encoding");
}

}  // namespace

absl::Status ValidateShape(const BatchView& view, absl::string_view name) {
  if (view.offsets.empty()) {
    if (view.data.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": offsets is empty but data holds ",
                     view.data.size(), " bytes (offsets needs n+1 entries)"));
  }
  if (view.offsets[0] != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": offsets[0] must be 0, got ", view.offsets[0]));
  }
  for (size_t i = 1; i < view.offsets.size(); ++i) {
    if (view.offsets[i] < view.offsets[i - 1]) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": offsets decrease at index ", i, " (",
                       view.offsets[i - 1], " then ", view.offsets[i], ")"));
    }
  }
  if (view.offsets.back() != view.data.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": last offset is ", view.offsets.back(),
                     " but data holds ", view.data.size(), " bytes"));
  }
  return absl::OkStatus();
}

absl::StatusOr<geos::GeometryPtr> DecodeRow(
    geos::Context& context, Encoding encoding, absl::string_view bytes,
    const GeometryLimits& limits, std::string* scratch, WkbInfo* info) {
  geos::GeometryPtr geometry;
  RETURN_IF_ERROR(
      Decode(context, encoding, bytes, limits, scratch, info, &geometry));
  return geometry;
}

absl::StatusOr<WkbInfo> InspectRow(geos::Context& context, Encoding encoding,
                                   absl::string_view bytes,
                                   const GeometryLimits& limits,
                                   std::string* scratch) {
  WkbInfo info;
  RETURN_IF_ERROR(
      Decode(context, encoding, bytes, limits, scratch, &info, nullptr));
  return info;
}

RowDecoder::RowDecoder(geos::Context& context, const BatchView& view,
                       const GeometryLimits& limits,
                       std::optional<KeepWkb> keep_wkb)
    : context_(context),
      view_(view),
      limits_(limits),
      keep_wkb_(view.encoding == Encoding::kWkb ? keep_wkb : std::nullopt) {}

absl::StatusOr<geos::GeometryPtr> RowDecoder::Decode(size_t i,
                                                     uint64_t* vertices) {
  WkbInfo info;
  absl::StatusOr<geos::GeometryPtr> g;
  if (!keep_wkb_.has_value()) {
    g = DecodeRow(context_, view_.encoding, view_.row(i), limits_, &scratch_,
                  &info);
  } else {
    // DecodeRow, stopping short of GEOS for the rows kept.
    const absl::string_view wkb = view_.row(i);
    absl::StatusOr<WkbInfo> valid =
        InspectRow(context_, view_.encoding, wkb, limits_, &scratch_);
    if (!valid.ok()) {
      g = std::move(valid).status();
    } else {
      info = *valid;
      g = (*keep_wkb_)(wkb)
              ? geos::GeometryPtr(nullptr, {context_.handle()})  // Kept.
              : context_.ReadWkb(wkb);
    }
  }
  *vertices += info.vertices;
  return g;
}

bool RowDecoder::PlainPoint(size_t i, double* x, double* y,
                            uint64_t* vertices) {
  absl::string_view bytes = view_.row(i);
  if (view_.encoding == Encoding::kHexWkb) {
    // Hex of a point is 42 characters; anything else is not one.
    if (bytes.size() != 42 || !DecodeHex(bytes, &scratch_).ok()) return false;
    bytes = scratch_;
  } else if (view_.encoding != Encoding::kWkb) {
    return false;
  }
  if (!ReadPlainXyPoint(bytes, limits_, x, y)) return false;
  *vertices += 1;
  return true;
}

namespace {

DecodedRows DecodeAll(RowDecoder decoder, size_t n) {
  DecodedRows rows;
  rows.geometries.resize(n);
  rows.statuses.resize(n);
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<geos::GeometryPtr> g = decoder.Decode(i, &rows.vertices);
    if (g.ok()) {
      rows.geometries[i] = *std::move(g);
    } else {
      rows.statuses[i] = std::move(g).status();
    }
  }
  return rows;
}

}  // namespace

DecodedRows DecodeRows(geos::Context& context, const BatchView& view,
                       const GeometryLimits& limits) {
  return DecodeAll(RowDecoder(context, view, limits), view.size());
}

DecodedRows DecodeRows(geos::Context& context, const BatchView& view,
                       const GeometryLimits& limits, KeepWkb keep_wkb) {
  return DecodeAll(RowDecoder(context, view, limits, keep_wkb), view.size());
}

}  // namespace geosrpc::batch
