#include "server/exec/load_layer.h"

#include <malloc.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/input/geometry_file.h"
#include "base/status_macros.h"
#include "base/sync.h"
#include "server/exec/compute_plan.h"
#include "server/layers/indexed_set.h"
#include "server/ops/operations.h"

namespace geosrpc::exec {
namespace {

absl::StatusOr<std::shared_ptr<const layers::IndexedSet>> Load(
    WorkerPool* pool, const std::string& name, const std::string& path,
    const batch::GeometryLimits& limits) {
  const std::string what = absl::StrCat("layer '", name, "' (", path, ")");
  absl::StatusOr<v1::GeometryBatch> rows =
      input::ReadGeometryFile(path, input::InputFormat::kAuto);
  if (!rows.ok()) {
    return absl::Status(rows.status().code(),
                        absl::StrCat(what, ": ", rows.status().message()));
  }
  std::shared_ptr<const batch::WkbRows> owned;
  ASSIGN_OR_RETURN(const batch::BatchView view, ViewOf(*rows, what, &owned));
  layers::IndexedSet::Builder builder(view, limits, layers::Digest(view), name,
                                      ops::Preparable);
  const size_t task_rows = ChunkRowsFor(view.size(), 0, pool->num_workers());
  const size_t tasks = (view.size() + task_rows - 1) / task_rows;
  Notification decoded;
  RETURN_IF_ERROR(pool->Submit(
      std::make_shared<TaskGroup>(
          tasks,
          [&](Worker& worker, size_t task) {
            builder.Decode(worker.geos(), task * task_rows,
                           std::min(view.size(), (task + 1) * task_rows));
          },
          [&] { decoded.Notify(); }),
      /*admit=*/false));
  decoded.WaitForNotification();
  std::shared_ptr<const layers::IndexedSet> layer = std::move(builder).Build();
  if (!layer->errors().empty()) {
    const v1::RowError& e = layer->errors().front();
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": row ", e.row(), ": ", e.message(), " (", layer->failed_rows(),
        " rows failed; a layer must load whole)"));
  }
  return layer;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const layers::IndexedSet>> LoadLayer(
    WorkerPool* pool, const std::string& name, const std::string& path,
    const batch::GeometryLimits& limits) {
  auto layer = Load(pool, name, path, limits);
  // The file's text and the decoded batch are freed by now; glibc would
  // keep most of it in its heap for good (a layer file is read once).
  malloc_trim(0);
  return layer;
}

}  // namespace geosrpc::exec
