// geos::Context: one GEOS context handle plus the reader/writer handles bound
// to it, with GEOS errors captured as data.
//
// Thread-safety: a Context is used by one thread at a time (GEOS contexts must
// never be shared). Each worker owns one. GEOS reports errors through a message
// handler that runs inside C frames, so the handler never throws: it records
// the message, and the caller turns a failed call into an absl::Status with
// Error().
#ifndef GEOSRPC_SERVER_GEOS_CONTEXT_H_
#define GEOSRPC_SERVER_GEOS_CONTEXT_H_

#include <geos_c.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/geos/handles.h"

namespace geosrpc::geos {

// How a geometry is written as WKB. Defaults match Shapely's to_wkb.
struct WkbOptions {
  bool big_endian = false;
  int output_dimension = 3;
  bool include_srid = false;
  bool iso = false;
  bool hex = false;
};

// How a geometry is written as WKT. Defaults give full precision.
struct WktOptions {
  int rounding_precision = -1;  // -1: as many digits as needed.
  bool trim = true;
  int output_dimension = 3;
};

class Context {
 public:
  Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  GEOSContextHandle_t handle() const { return handle_.get(); }

  // Takes ownership of a geometry GEOS returned through this context.
  GeometryPtr Own(GEOSGeometry* g) const { return GeometryPtr(g, {handle()}); }

  // The status for a GEOS call that just failed: `code` with "what: <the
  // message GEOS reported>". Clears the recorded message.
  absl::Status Error(absl::StatusCode code, absl::string_view what);
  // Forgets any recorded message (call before a GEOS call whose failure is
  // reported by value rather than by a null result).
  void ClearError() { last_error_.clear(); }

  // Parsing. The caller validates the input first (see batch/wkb.h): GEOS
  // itself is not robust against hostile bytes.
  absl::StatusOr<GeometryPtr> ReadWkb(absl::string_view wkb);
  // The point (x, y), as ReadWkb would read it from its WKB; x and y finite.
  absl::StatusOr<GeometryPtr> MakePoint(double x, double y);
  // A polygon of `shell` and `holes` (linear rings), or a collection of
  // `type` of `members`. GEOS 3.11 takes the parts whether or not it
  // succeeds (it frees them when it fails), so they are given up by value.
  // FAILED_PRECONDITION "GEOS: <its message>" when GEOS fails.
  absl::StatusOr<GeometryPtr> MakePolygon(GeometryPtr shell,
                                          std::vector<GeometryPtr> holes = {});
  absl::StatusOr<GeometryPtr> MakeCollection(int type,
                                             std::vector<GeometryPtr> members);
  absl::StatusOr<GeometryPtr> ReadWkt(const std::string& wkt);
  // One GeoJSON geometry (a Feature yields its geometry).
  absl::StatusOr<GeometryPtr> ReadGeoJson(const std::string& json);

  // Serialization; each call fully configures the writer it uses, so callers
  // with different options never see each other's settings. Appends to `out`.
  absl::Status WriteWkb(const GEOSGeometry* g, const WkbOptions& options,
                        std::string* out);
  absl::Status WriteWkt(const GEOSGeometry* g, const WktOptions& options,
                        std::string* out);
  // indent < 0: compact.
  absl::Status WriteGeoJson(const GEOSGeometry* g, int indent,
                            std::string* out);

 private:
  // `g`, owned, or FAILED_PRECONDITION "GEOS: <its message>" if null.
  absl::StatusOr<GeometryPtr> Made(GEOSGeometry* g);

  static void OnError(const char* message, void* self);

  // Declared first, so destroyed last: every reader and writer below is
  // destroyed through it before GEOS_finish_r.
  ContextHandle handle_;
  std::string last_error_;
  // Created on first use.
  WkbReaderPtr wkb_reader_;
  WktReaderPtr wkt_reader_;
  WkbWriterPtr wkb_writer_;
  WktWriterPtr wkt_writer_;
  GeoJsonReaderPtr geojson_reader_;
  GeoJsonWriterPtr geojson_writer_;
};

}  // namespace geosrpc::geos

#endif  // GEOSRPC_SERVER_GEOS_CONTEXT_H_
