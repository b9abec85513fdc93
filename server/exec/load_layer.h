// LoadLayer: a named layer built at start-up from a file of geometries (a
// GeoJSON FeatureCollection, WKT lines or hex-WKB lines; see
// base/input/geometry_file.h), decoded in parallel on the worker pool and
// indexed, ready to join against (IndexedSet).
//
// A layer must load whole: a row that fails to decode fails the load, with
// a message naming the layer, the file and the row, so a server never
// starts with half a layer. Once loaded, the memory the file's text took is
// given back to the system (malloc_trim): a layer costs its geometries and
// its index.
//
// Thread-safety: blocks the calling thread (which must not be a worker of
// `pool`) until the layer is built.
#ifndef GEOSRPC_SERVER_EXEC_LOAD_LAYER_H_
#define GEOSRPC_SERVER_EXEC_LOAD_LAYER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/batch/wkb.h"
#include "server/exec/worker_pool.h"
#include "server/layers/indexed_set.h"

namespace geosrpc::exec {

absl::StatusOr<std::shared_ptr<const layers::IndexedSet>> LoadLayer(
    WorkerPool* pool, const std::string& name, const std::string& path,
    const batch::GeometryLimits& limits);

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_LOAD_LAYER_H_
