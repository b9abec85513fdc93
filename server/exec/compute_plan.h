// ComputePlan: a ComputeRequest checked, and cut into the work a job runs.
//
// Create() makes every check that is cheap enough for the caller's thread
// (the operation and its parameters, encodings, the batch's shape and size,
// the form of `b`) before anything is admitted to the pool, and decides how
// the rows are cut into chunks. It touches neither GEOS nor the pool, so a
// plan can be tested alone. The plan holds views into the request, which
// must outlive it. Rows sent as coordinates are written as WKB here, once:
// a pass at memory speed, no GEOS (see batch/coordinates.h).
//
// Thread-safety: immutable after Create(); any number of threads may read it.
#ifndef GEOSRPC_SERVER_EXEC_COMPUTE_PLAN_H_
#define GEOSRPC_SERVER_EXEC_COMPUTE_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/batch/coordinates.h"
#include "server/batch/decode.h"
#include "server/batch/wkb.h"
#include "server/ops/operations.h"

namespace geosrpc::exec {

struct ComputeLimits {
  // Rows in one batch.
  size_t max_rows = 10'000'000;
  // Per geometry.
  batch::GeometryLimits geometry;
  // Input vertices in one batch (a and b together). Counted as chunks
  // decode; crossing it stops the batch with RESOURCE_EXHAUSTED.
  uint64_t max_vertices = 100'000'000;
  // A result chunk is sent once its column holds this many bytes, even if
  // rows of its task remain, keeping messages well under gRPC's limits.
  size_t max_chunk_bytes = 1 << 20;
  // Result chunks a call may hold computed but not yet written (tasks in
  // progress count too); its next chunks wait in the pool until the client
  // reads. Bounds a slow reader's memory at about this many chunks.
  size_t max_unsent_chunks = 8;
  // Pairs one Join or Nearest call may return; a request may ask for fewer.
  uint64_t max_pairs = 100'000'000;
};

// Rows per chunk for a batch of `rows` on `workers` workers: the client's
// choice (`requested`), or the server's when 0 (several chunks per worker,
// at most `max_rows`, by default kMaxChunkRows); never so small that a job has
// more than a few thousand chunks.
inline constexpr size_t kMaxChunkRows = 1024;
size_t ChunkRowsFor(size_t rows, size_t requested, int workers,
                    size_t max_rows = kMaxChunkRows);

// A request's batch as a view, with its encoding and shape checked. A
// batch of coordinates is written as WKB rows into `*owned`, which the view
// points into; other batches are viewed in place.
absl::StatusOr<batch::BatchView> ViewOf(
    const v1::GeometryBatch& batch, absl::string_view name,
    std::shared_ptr<const batch::WkbRows>* owned);
batch::Encoding ToBatchEncoding(v1::Encoding encoding);
// A request's coordinate array as a view (its kind checked; CheckCoordinates
// checks the rest). `name` prefixes messages ("a").
absl::StatusOr<batch::CoordinateArrayView> CoordinatesOf(
    const v1::CoordinateArray& array, absl::string_view name);

class ComputePlan {
 public:
  // How `b` is given.
  enum class Operand {
    kNone,       // A unary operation.
    kBroadcast,  // One geometry against every row of `a`.
    kRows,       // Row-wise: row i of `b` goes with row i of `a`.
  };

  // INVALID_ARGUMENT for a malformed request, RESOURCE_EXHAUSTED for one
  // over `limits`. `workers` is the pool's size, which sets the chunking.
  static absl::StatusOr<ComputePlan> Create(const v1::ComputeRequest& request,
                                            const ComputeLimits& limits,
                                            int workers);

  const ops::OpSpec& op() const { return *spec_; }
  const ops::Params& params() const { return params_; }
  bool reduces() const { return spec_->reducer != nullptr; }
  // The most rows a chunk holds when the request leaves it to the server.
  size_t MaxChunkRows() const;
  v1::Encoding result_encoding() const { return result_encoding_; }

  // a's rows, unless coordinates() holds them.
  const batch::BatchView& a() const { return a_; }
  // a's coordinates when the operation's coordinate kernel takes them
  // (ops::OpSpec::coordinate_kernel): a view into the request; else null.
  const batch::CoordinateArrayView* coordinates() const {
    return a_coordinates_ ? &*a_coordinates_ : nullptr;
  }
  Operand operand() const { return operand_; }
  // The operand's rows (kRows), or its one row (kBroadcast). Views into the
  // request (and, for kBroadcast, this plan).
  batch::BatchView b() const;

  size_t rows() const { return rows_; }
  // About how many bytes the request holds (its batches).
  uint64_t request_bytes() const;
  // Rows are cut into num_chunks() chunks of at most chunk_rows() rows; an
  // empty batch has none. A size the caller chose, a reduction's and a
  // grouped reduction's chunks are chunk_rows() each (the last may be
  // shorter). Otherwise the server cuts chunks of about equal input bytes
  // within that many rows, so that rows of very uneven size (the world's
  // countries: one of them a tenth of all the vertices) do not leave one
  // worker with a chunk far heavier than the rest.
  size_t chunk_rows() const { return chunk_rows_; }
  size_t num_chunks() const { return num_chunks_; }
  size_t chunk_begin(size_t chunk) const {
    return chunk_starts_.empty() ? chunk * chunk_rows_ : chunk_starts_[chunk];
  }
  size_t chunk_end(size_t chunk) const;

  // A reduction with group_keys: one result per distinct key.
  bool grouped() const { return !group_keys_.empty(); }
  // One key per row of a (empty unless grouped()); a view into the request.
  absl::Span<const int64_t> group_keys() const { return group_keys_; }
  // Whether the rows are read in an order of their own (see strips.h):
  // grouped by key, and in spatial strips.
  bool ordered() const { return strips_ || grouped(); }

  // Reductions without a caller-chosen chunk size first order their rows
  // into spatial strips (see strips.h), reading keys in num_key_tasks()
  // tasks of key_rows() rows each.
  bool strips() const { return strips_; }
  size_t key_rows() const { return key_rows_; }
  size_t num_key_tasks() const;

 private:
  ComputePlan() = default;

  // Cuts chunks of about equal input bytes (see chunk_rows()).
  void BalanceChunks();
  // The input bytes of rows [0, row), plus a fixed cost a row.
  uint64_t BytesBefore(size_t row) const;

  const ops::OpSpec* spec_ = nullptr;
  ops::Params params_;
  v1::Encoding result_encoding_ = v1::ENCODING_WKB;
  batch::BatchView a_;
  // a's and b's rows when sent as coordinates (see ViewOf).
  std::shared_ptr<const batch::WkbRows> a_owned_;
  std::shared_ptr<const batch::WkbRows> b_owned_;
  std::optional<batch::CoordinateArrayView> a_coordinates_;
  absl::Span<const int64_t> group_keys_;
  Operand operand_ = Operand::kNone;
  // The operand's data and encoding; its offsets too for kRows.
  batch::BatchView b_;
  // A broadcast operand's one row, as offsets b() can view.
  uint64_t broadcast_offsets_[2] = {0, 0};
  size_t rows_ = 0;
  size_t chunk_rows_ = 1;
  size_t num_chunks_ = 0;
  // Where each chunk starts, and the end (num_chunks_ + 1 entries), when
  // chunks were balanced; empty when they are chunk_rows_ each.
  std::vector<size_t> chunk_starts_;
  bool strips_ = false;
  size_t key_rows_ = 1;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_COMPUTE_PLAN_H_
