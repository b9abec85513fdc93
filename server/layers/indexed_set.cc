#include "server/layers/indexed_set.h"

#include <openssl/evp.h>

#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace geosrpc::layers {
namespace {

void AppendLittleEndian(uint64_t v, unsigned char out[8]) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(v >> (8 * i));
}

// The proto's numbering of an encoding.
unsigned char EncodingNumber(batch::Encoding e) {
  switch (e) {
    case batch::Encoding::kWkb:
      return v1::ENCODING_WKB;
    case batch::Encoding::kWkt:
      return v1::ENCODING_WKT;
    case batch::Encoding::kHexWkb:
      return v1::ENCODING_HEX_WKB;
    case batch::Encoding::kGeoJson:
      return v1::ENCODING_GEOJSON;
  }
  return 0;
}

index::Box EnvelopeOf(GEOSContextHandle_t h, const GEOSGeometry* g) {
  index::Box box;
  if (g == nullptr || GEOSisEmpty_r(h, g) != 0) return box;
  if (GEOSGeom_getXMin_r(h, g, &box.xmin) != 1 ||
      GEOSGeom_getYMin_r(h, g, &box.ymin) != 1 ||
      GEOSGeom_getXMax_r(h, g, &box.xmax) != 1 ||
      GEOSGeom_getYMax_r(h, g, &box.ymax) != 1) {
    return index::Box{};
  }
  return box;
}

}  // namespace

std::string Digest(const batch::BatchView& view) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  const unsigned char encoding = EncodingNumber(view.encoding);
  EVP_DigestUpdate(ctx, &encoding, 1);
  unsigned char word[8];
  AppendLittleEndian(view.size(), word);
  EVP_DigestUpdate(ctx, word, 8);
  for (size_t i = 0; i < view.size(); ++i) {
    const absl::string_view row = view.row(i);
    AppendLittleEndian(row.size(), word);
    EVP_DigestUpdate(ctx, word, 8);
    EVP_DigestUpdate(ctx, row.data(), row.size());
  }
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx, hash, &size);
  EVP_MD_CTX_free(ctx);
  return absl::StrCat("sha256:",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(hash), size)));
}

IndexedSet::IndexedSet(std::shared_ptr<const batch::FrozenBatch> geometries,
                       std::vector<index::Box> boxes,
                       std::vector<uint8_t> passes)
    : geometries_(std::move(geometries)),
      boxes_(std::move(boxes)),
      passes_(std::move(passes)),
      tree_(boxes_) {}

IndexedSet::Builder::Builder(const batch::BatchView& view,
                             const batch::GeometryLimits& limits,
                             std::string digest, std::string layer,
                             RowTest test)
    : batch_(view, limits),
      digest_(std::move(digest)),
      layer_(std::move(layer)),
      test_(test),
      boxes_(view.size()),
      passes_(view.size()) {}

void IndexedSet::Builder::Decode(geos::Context& context, size_t begin,
                                 size_t end) {
  vertices_.fetch_add(batch_.Decode(context, begin, end),
                      std::memory_order_relaxed);
  for (size_t i = begin; i < end; ++i) {
    const GEOSGeometry* g = batch_.geometry(i);
    boxes_[i] = EnvelopeOf(context.handle(), g);
    passes_[i] = g != nullptr && test_ != nullptr && test_(context.handle(), g);
  }
}

std::shared_ptr<const IndexedSet> IndexedSet::Builder::Build() && {
  std::shared_ptr<const batch::FrozenBatch> geometries =
      std::move(batch_).Freeze();
  std::shared_ptr<IndexedSet> set(new IndexedSet(
      std::move(geometries), std::move(boxes_), std::move(passes_)));
  for (size_t i = 0; i < set->size(); ++i) {
    const absl::Status& s = set->geometries_->status(i);
    if (s.ok()) continue;
    ++set->failed_rows_;
    if (set->errors_.size() < kMaxErrors) {
      v1::RowError& e = set->errors_.emplace_back();
      e.set_row(i);
      e.set_code(static_cast<int>(s.code()));
      e.set_message(std::string(s.message()));
    }
  }
  v1::IndexedSetInfo& info = set->info_;
  info.set_digest(digest_);
  info.set_layer(layer_);
  info.set_rows(set->size());
  info.set_indexed(set->tree_.size());
  info.set_vertices(vertices_.load());
  info.set_bytes(info.vertices() * 24 + set->size() * 200 +
                 set->boxes_.size() * sizeof(index::Box) + set->tree_.bytes());
  const index::Box& b = set->tree_.bounds();
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  for (double v : {b.xmin, b.ymin, b.xmax, b.ymax}) {
    info.add_bounds(b.empty() ? kNaN : v);
  }
  return set;
}

}  // namespace geosrpc::layers
