#include "server/batch/frozen_batch.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace geosrpc::batch {

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
                              const GeometryLimits& limits)
    : view_(view), limits_(limits), batch_(new FrozenBatch(view.size())) {}

uint64_t FrozenBatch::Builder::Decode(geos::Context& context, size_t begin,
                                      size_t end) {
  const GEOSContextHandle_t owner = batch_->context_.handle();
  std::string scratch;
  uint64_t vertices = 0;
  for (size_t i = begin; i < end; ++i) {
    WkbInfo info;
    absl::StatusOr<geos::GeometryPtr> g = DecodeRow(
        context, view_.encoding, view_.row(i), limits_, &scratch, &info);
    vertices += info.vertices;
    if (!g.ok()) {
      batch_->statuses_[i] = std::move(g).status();
      continue;
    }
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
