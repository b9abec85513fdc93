#include "server/batch/frozen_batch.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace geosrpc::batch {

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

void PrimeForSharing(GEOSContextHandle_t context, const GEOSGeometry* g) {
  if (GEOSisEmpty_r(context, g) == 1) {
    // GEOSGeom_getXMin_r skips empty geometries; GEOSEnvelope_r goes through
    // getEnvelopeInternal(), which caches.
    geos::GeometryPtr(GEOSEnvelope_r(context, g), {context});
  } else {
    double unused;
    GEOSGeom_getXMin_r(context, g, &unused);
  }
  const int type = GEOSGeomTypeId_r(context, g);
  if (type == GEOS_POLYGON) {
    if (const GEOSGeometry* shell = GEOSGetExteriorRing_r(context, g)) {
      PrimeForSharing(context, shell);
    }
    const int holes = GEOSGetNumInteriorRings_r(context, g);
    for (int i = 0; i < holes; ++i) {
      PrimeForSharing(context, GEOSGetInteriorRingN_r(context, g, i));
    }
  } else if (type >= GEOS_MULTIPOINT) {
    const int n = GEOSGetNumGeometries_r(context, g);
    for (int i = 0; i < n; ++i) {
      PrimeForSharing(context, GEOSGetGeometryN_r(context, g, i));
    }
  }
}

FrozenBatch::FrozenBatch(size_t n) : geometries_(n), statuses_(n) {}

FrozenBatch::Builder::Builder(const BatchView& view,
                              const GeometryLimits& limits, Sharing sharing)
    : view_(view),
      limits_(limits),
      sharing_(sharing),
      batch_(new FrozenBatch(view.size())) {}

absl::StatusOr<geos::GeometryPtr> FrozenBatch::Builder::DecodeRow(
    geos::Context& context, absl::string_view bytes, std::string* scratch,
    WkbInfo* info) {
  if (bytes.empty()) return absl::InvalidArgumentError("empty geometry");
  switch (view_.encoding) {
    case Encoding::kWkb:
      RETURN_IF_ERROR(ValidateWkb(bytes, limits_, info));
      return context.ReadWkb(bytes);
    case Encoding::kHexWkb:
      RETURN_IF_ERROR(DecodeHex(bytes, scratch));
      RETURN_IF_ERROR(ValidateWkb(*scratch, limits_, info));
      return context.ReadWkb(*scratch);
    case Encoding::kWkt:
    case Encoding::kGeoJson: {
      const bool wkt = view_.encoding == Encoding::kWkt;
      RETURN_IF_ERROR(wkt ? PrecheckWkt(bytes, limits_)
                          : PrecheckGeoJson(bytes, limits_));
      ASSIGN_OR_RETURN(geos::GeometryPtr g,
                       wkt ? context.ReadWkt(std::string(bytes))
                           : context.ReadGeoJson(std::string(bytes)));
      // The parse succeeded; hold the result to the same rules as WKB input
      // (finite coordinates, depth, size) before anything computes on it.
      scratch->clear();
      RETURN_IF_ERROR(context.WriteWkb(g.get(), geos::WkbOptions{}, scratch));
      RETURN_IF_ERROR(
          ValidateWkb(*scratch, limits_, info, wkt ? "WKT" : "GeoJSON"));
      return g;
    }
  }
  return absl::InternalError("unknown encoding");
}

uint64_t FrozenBatch::Builder::Decode(geos::Context& context, size_t begin,
                                      size_t end) {
  const GEOSContextHandle_t owner = batch_->context_.handle();
  std::string scratch;
  uint64_t vertices = 0;
  for (size_t i = begin; i < end; ++i) {
    WkbInfo info;
    absl::StatusOr<geos::GeometryPtr> g =
        DecodeRow(context, view_.row(i), &scratch, &info);
    vertices += info.vertices;
    if (!g.ok()) {
      batch_->statuses_[i] = std::move(g).status();
      continue;
    }
    if (sharing_ == Sharing::kShared)
      PrimeForSharing(context.handle(), g->get());
    // Re-home ownership: the batch's own context destroys it.
    batch_->geometries_[i] = geos::GeometryPtr(g->release(), {owner});
  }
  return vertices;
}

std::shared_ptr<const FrozenBatch> FrozenBatch::Builder::Freeze() && {
  return std::shared_ptr<const FrozenBatch>(std::move(batch_));
}

}  // namespace geosrpc::batch
