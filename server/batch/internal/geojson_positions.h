// CheckGeoJsonPositions: the one structural check of GeoJSON that GEOS
// 3.11.1's reader needs and does not make.
//
// GEOSGeoJSONReader reads every position of a LineString, MultiPoint,
// Polygon, MultiLineString or MultiPolygon with readCoordinate, which reads
// coords[0] and coords[1] of an empty position `[]` without checking its
// size: a null dereference (`{"type":"LineString","coordinates":[[]]}`
// crashes the process). Other malformed positions (one number, strings,
// the wrong nesting) make GEOS throw, which is a row error. So the geometries
// GEOS would read -- the top-level value, a Feature's "geometry", each of a
// FeatureCollection's "features", each of a GeometryCollection's
// "geometries" -- are walked, and an empty position (or a geometry object
// naming "type" or "coordinates" twice, which would leave it unclear which
// one GEOS reads) is refused. A Point's own "coordinates": [] is an empty
// point, which GEOS reads correctly.
//
// Part of PrecheckGeoJson (wkb.h); expects text it has already found
// balanced, NUL-free and nested no deeper than its limit.
//
// Thread-safety: a pure function; safe from any number of threads.
#ifndef GEOSRPC_SERVER_BATCH_INTERNAL_GEOJSON_POSITIONS_H_
#define GEOSRPC_SERVER_BATCH_INTERNAL_GEOJSON_POSITIONS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace geosrpc::batch::internal {

// OK, or INVALID_ARGUMENT naming the fault and its byte offset. Text that
// is not JSON is refused too (GEOS would refuse it as well).
absl::Status CheckGeoJsonPositions(absl::string_view json);

}  // namespace geosrpc::batch::internal

#endif  // GEOSRPC_SERVER_BATCH_INTERNAL_GEOJSON_POSITIONS_H_
