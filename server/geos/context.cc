#include "server/geos/context.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/geos/coordinates.h"

namespace geosrpc::geos {
namespace {

// Whether every finite ordinate of `g` (Z included) is below `limit` in
// magnitude. (Non-finite ones print as words.)
bool OrdinatesBelow(GEOSContextHandle_t h, const GEOSGeometry* g,
                    double limit) {
  std::vector<double> ordinates;
  if (!AppendCoordinates(h, g, /*include_z=*/true, &ordinates)) return false;
  for (double v : ordinates) {
    if (std::isfinite(v) && std::abs(v) >= limit) return false;
  }
  return true;
}

}  // namespace

Context::Context() : handle_(GEOS_init_r()) {
  GEOSContext_setErrorMessageHandler_r(handle(), &Context::OnError, this);
  // Notices (e.g. "Self-intersection at ...") are informational; the failing
  // call's own error is what callers need.
  GEOSContext_setNoticeMessageHandler_r(handle(), nullptr, nullptr);
}

void Context::OnError(const char* message, void* self) {
  static_cast<Context*>(self)->last_error_ = message ? message : "";
}

absl::Status Context::Error(absl::StatusCode code, absl::string_view what) {
  std::string message = last_error_.empty()
                            ? absl::StrCat(what, ": GEOS reported an error")
                            : absl::StrCat(what, ": ", last_error_);
  last_error_.clear();
  return absl::Status(code, message);
}

absl::StatusOr<GeometryPtr> Context::ReadWkb(absl::string_view wkb) {
  if (!wkb_reader_)
    wkb_reader_ = WkbReaderPtr(GEOSWKBReader_create_r(handle()), {handle()});
  GEOSGeometry* g = GEOSWKBReader_read_r(
      handle(), wkb_reader_.get(),
      reinterpret_cast<const unsigned char*>(wkb.data()), wkb.size());
  if (g == nullptr) return Error(absl::StatusCode::kInvalidArgument, "WKB");
  return Own(g);
}

absl::StatusOr<GeometryPtr> Context::MakePoint(double x, double y) {
  GEOSGeometry* g = GEOSGeom_createPointFromXY_r(handle(), x, y);
  if (g == nullptr) return Error(absl::StatusCode::kInvalidArgument, "point");
  return Own(g);
}

namespace {

// The parts, let go of: GEOS takes them from here on.
std::vector<GEOSGeometry*> GiveUp(std::vector<GeometryPtr> parts) {
  std::vector<GEOSGeometry*> raw;
  raw.reserve(parts.size());
  for (GeometryPtr& part : parts) raw.push_back(part.release());
  return raw;
}

}  // namespace

absl::StatusOr<GeometryPtr> Context::MakePolygon(
    GeometryPtr shell, std::vector<GeometryPtr> holes) {
  std::vector<GEOSGeometry*> raw = GiveUp(std::move(holes));
  return Made(GEOSGeom_createPolygon_r(handle(), shell.release(), raw.data(),
                                       static_cast<unsigned>(raw.size())));
}

absl::StatusOr<GeometryPtr> Context::MakeCollection(
    int type, std::vector<GeometryPtr> members) {
  std::vector<GEOSGeometry*> raw = GiveUp(std::move(members));
  return Made(GEOSGeom_createCollection_r(handle(), type, raw.data(),
                                          static_cast<unsigned>(raw.size())));
}

absl::StatusOr<GeometryPtr> Context::Made(GEOSGeometry* g) {
  if (g == nullptr) return Error(absl::StatusCode::kFailedPrecondition, "GEOS");
  return Own(g);
}

absl::StatusOr<GeometryPtr> Context::ReadWkt(const std::string& wkt) {
  if (!wkt_reader_)
    wkt_reader_ = WktReaderPtr(GEOSWKTReader_create_r(handle()), {handle()});
  GEOSGeometry* g =
      GEOSWKTReader_read_r(handle(), wkt_reader_.get(), wkt.c_str());
  if (g == nullptr) return Error(absl::StatusCode::kInvalidArgument, "WKT");
  return Own(g);
}

absl::StatusOr<GeometryPtr> Context::ReadGeoJson(const std::string& json) {
  if (!geojson_reader_) {
    geojson_reader_ =
        GeoJsonReaderPtr(GEOSGeoJSONReader_create_r(handle()), {handle()});
  }
  GEOSGeometry* g = GEOSGeoJSONReader_readGeometry_r(
      handle(), geojson_reader_.get(), json.c_str());
  if (g == nullptr) return Error(absl::StatusCode::kInvalidArgument, "GeoJSON");
  return Own(g);
}

absl::Status Context::WriteWkb(const GEOSGeometry* g, const WkbOptions& options,
                               std::string* out) {
  if (!wkb_writer_)
    wkb_writer_ = WkbWriterPtr(GEOSWKBWriter_create_r(handle()), {handle()});
  GEOSWKBWriter* w = wkb_writer_.get();
  GEOSWKBWriter_setByteOrder_r(
      handle(), w, options.big_endian ? GEOS_WKB_XDR : GEOS_WKB_NDR);
  GEOSWKBWriter_setOutputDimension_r(handle(), w, options.output_dimension);
  GEOSWKBWriter_setIncludeSRID_r(handle(), w, options.include_srid ? 1 : 0);
  GEOSWKBWriter_setFlavor_r(handle(), w,
                            options.iso ? GEOS_WKB_ISO : GEOS_WKB_EXTENDED);
  size_t size = 0;
  ByteBuffer buf(options.hex ? GEOSWKBWriter_writeHEX_r(handle(), w, g, &size)
                             : GEOSWKBWriter_write_r(handle(), w, g, &size),
                 {handle()});
  if (!buf) return Error(absl::StatusCode::kFailedPrecondition, "write WKB");
  out->append(reinterpret_cast<const char*>(buf.get()), size);
  return absl::OkStatus();
}

absl::Status Context::WriteWkt(const GEOSGeometry* g, const WktOptions& options,
                               std::string* out) {
  if (!wkt_writer_)
    wkt_writer_ = WktWriterPtr(GEOSWKTWriter_create_r(handle()), {handle()});
  GEOSWKTWriter* w = wkt_writer_.get();
  GEOSWKTWriter_setRoundingPrecision_r(handle(), w, options.rounding_precision);
  // GEOS 3.11.1's trimmed writer prints each number in full positional
  // notation into a 128-byte stack buffer, and overruns it from about
  // 1e107; such geometries are written untrimmed (also positional, but
  // through a stream).
  constexpr double kTrimmable = 1e100;
  const bool trim = options.trim && OrdinatesBelow(handle(), g, kTrimmable);
  GEOSWKTWriter_setTrim_r(handle(), w, trim ? 1 : 0);
  GEOSWKTWriter_setOutputDimension_r(handle(), w, options.output_dimension);
  CharBuffer text(GEOSWKTWriter_write_r(handle(), w, g), {handle()});
  if (!text) return Error(absl::StatusCode::kFailedPrecondition, "write WKT");
  out->append(text.get());
  return absl::OkStatus();
}

absl::Status Context::WriteGeoJson(const GEOSGeometry* g, int indent,
                                   std::string* out) {
  if (!geojson_writer_) {
    geojson_writer_ =
        GeoJsonWriterPtr(GEOSGeoJSONWriter_create_r(handle()), {handle()});
  }
  CharBuffer text(GEOSGeoJSONWriter_writeGeometry_r(
                      handle(), geojson_writer_.get(), g, indent),
                  {handle()});
  if (!text)
    return Error(absl::StatusCode::kFailedPrecondition, "write GeoJSON");
  out->append(text.get());
  return absl::OkStatus();
}

}  // namespace geosrpc::geos
