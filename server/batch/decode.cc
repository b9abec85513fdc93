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

namespace {

// DecodeRows, keeping the WKB rows `keep_wkb` (if not null) accepts.
DecodedRows DecodeAll(geos::Context& context, const BatchView& view,
                      const GeometryLimits& limits, const KeepWkb* keep_wkb) {
  DecodedRows rows;
  rows.geometries.resize(view.size());
  rows.statuses.resize(view.size());
  std::string scratch;
  if (view.encoding != Encoding::kWkb) keep_wkb = nullptr;
  for (size_t i = 0; i < view.size(); ++i) {
    WkbInfo info;
    absl::StatusOr<geos::GeometryPtr> g;
    if (keep_wkb == nullptr) {
      g = DecodeRow(context, view.encoding, view.row(i), limits, &scratch,
                    &info);
    } else {
      // DecodeRow, stopping short of GEOS for the rows kept.
      const absl::string_view wkb = view.row(i);
      absl::StatusOr<WkbInfo> valid =
          InspectRow(context, view.encoding, wkb, limits, &scratch);
      if (!valid.ok()) {
        g = std::move(valid).status();
      } else {
        info = *valid;
        g = (*keep_wkb)(wkb)
                ? geos::GeometryPtr(nullptr, {context.handle()})  // Kept.
                : context.ReadWkb(wkb);
      }
    }
    rows.vertices += info.vertices;
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
  return DecodeAll(context, view, limits, nullptr);
}

DecodedRows DecodeRows(geos::Context& context, const BatchView& view,
                       const GeometryLimits& limits, KeepWkb keep_wkb) {
  return DecodeAll(context, view, limits, &keep_wkb);
}

}  // namespace geosrpc::batch
