// The guard between geosrpc and GEOS's parsers in every harness binary.
//
// Harnesses are linked with -Wl,--wrap for GEOSWKBReader_read_r,
// GEOSWKTReader_read_r and GEOSGeoJSONReader_readGeometry_r (see
// fuzz/CMakeLists.txt), so each parse the service makes lands here first:
// the input must pass the service's own validation (ValidateWkb with the
// default limits, which every harness's limits are within; the text
// prechecks), or the harness aborts. That is "GEOS never sees an
// unvalidated row" checked at the one door GEOS has, whichever path
// (a, b_rows, b_broadcast, an indexed set) the row took.

#include <geos_c.h>

#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "fuzz/row_checks.h"
#include "server/batch/wkb.h"

namespace geosrpc::fuzz {
namespace {

thread_local uint64_t reads = 0;

batch::GeometryLimits GuardLimits() {
  batch::GeometryLimits limits;
  limits.max_vertices = std::numeric_limits<uint64_t>::max();
  return limits;
}

}  // namespace

uint64_t GeosReadsOnThisThread() { return reads; }

}  // namespace geosrpc::fuzz

extern "C" {

GEOSGeometry* __real_GEOSWKBReader_read_r(GEOSContextHandle_t handle,
                                          GEOSWKBReader* reader,
                                          const unsigned char* wkb,
                                          size_t size);
GEOSGeometry* __real_GEOSWKTReader_read_r(GEOSContextHandle_t handle,
                                          GEOSWKTReader* reader,
                                          const char* wkt);
GEOSGeometry* __real_GEOSGeoJSONReader_readGeometry_r(
    GEOSContextHandle_t handle, GEOSGeoJSONReader* reader, const char* json);

GEOSGeometry* __wrap_GEOSWKBReader_read_r(GEOSContextHandle_t handle,
                                          GEOSWKBReader* reader,
                                          const unsigned char* wkb,
                                          size_t size) {
  using geosrpc::fuzz::GuardLimits;
  ++geosrpc::fuzz::reads;
  const absl::Status s = geosrpc::batch::ValidateWkb(
      absl::string_view(reinterpret_cast<const char*>(wkb), size),
      GuardLimits());
  FUZZ_CHECK(s.ok(), absl::StrCat("GEOS was handed WKB that ValidateWkb "
                                  "refuses: ",
                                  s.message()));
  return __real_GEOSWKBReader_read_r(handle, reader, wkb, size);
}

GEOSGeometry* __wrap_GEOSWKTReader_read_r(GEOSContextHandle_t handle,
                                          GEOSWKTReader* reader,
                                          const char* wkt) {
  using geosrpc::fuzz::GuardLimits;
  ++geosrpc::fuzz::reads;
  const absl::Status s = geosrpc::batch::PrecheckWkt(wkt, GuardLimits());
  FUZZ_CHECK(s.ok(), absl::StrCat("GEOS was handed WKT that PrecheckWkt "
                                  "refuses: ",
                                  s.message()));
  return __real_GEOSWKTReader_read_r(handle, reader, wkt);
}

GEOSGeometry* __wrap_GEOSGeoJSONReader_readGeometry_r(
    GEOSContextHandle_t handle, GEOSGeoJSONReader* reader, const char* json) {
  using geosrpc::fuzz::GuardLimits;
  ++geosrpc::fuzz::reads;
  const absl::Status s = geosrpc::batch::PrecheckGeoJson(json, GuardLimits());
  FUZZ_CHECK(s.ok(), absl::StrCat("GEOS was handed GeoJSON that "
                                  "PrecheckGeoJson refuses: ",
                                  s.message()));
  return __real_GEOSGeoJSONReader_readGeometry_r(handle, reader, json);
}

}  // extern "C"
