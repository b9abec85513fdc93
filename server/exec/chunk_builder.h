// ChunkBuilder: one ResultChunk under construction on one worker, and the
// counters every chunk of a batch adds to.
//
// Rows go in in order. Add() writes a row's value into the operation's
// column (encoding geometries as the request asked), or, for a failed row,
// a placeholder plus a RowError; an expanding operation's row adds one value
// per part and its source row. The caller Take()s the chunk when it has
// grown past ComputeLimits::max_chunk_bytes or its task is done. A
// reduction's chunks carry only row errors (Mode::kRowErrors); its single
// value goes in a chunk of its own (Mode::kReducedValue), and a grouped
// reduction's values, one per group, in chunks of groups
// (Mode::kGroupValues). Geometry values asked for as coordinates are
// gathered into one coordinate array per chunk (batch/coordinates.h); a
// value the chunk's array cannot hold is its row's error.
//
// Thread-safety: a ChunkBuilder belongs to one worker. BatchCounters may be
// updated from any number of threads.
#ifndef GEOSRPC_SERVER_EXEC_CHUNK_BUILDER_H_
#define GEOSRPC_SERVER_EXEC_CHUNK_BUILDER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/batch/coordinates.h"
#include "server/geos/context.h"
#include "server/ops/operations.h"

namespace geosrpc::exec {

// Row errors by gRPC status code.
struct RowErrorCounts {
  static constexpr int kCodes = 17;  // gRPC status codes 0..16.
  uint64_t total = 0;
  uint64_t by_code[kCodes] = {};

  void Add(int code) {
    ++total;
    ++by_code[code >= 0 && code < kCodes ? code : 2];  // 2: UNKNOWN.
  }
};

// What a batch did, summed over its chunks.
class BatchCounters {
 public:
  void AddChunk() { chunks_.fetch_add(1, std::memory_order_relaxed); }
  void AddValues(uint64_t n) {
    values_.fetch_add(n, std::memory_order_relaxed);
  }
  void AddErrors(const RowErrorCounts& errors);
  void AddWorkerTime(absl::Duration d) {
    worker_nanos_.fetch_add(absl::ToInt64Nanoseconds(d),
                            std::memory_order_relaxed);
  }
  uint32_t chunks() const { return chunks_.load(std::memory_order_relaxed); }
  uint64_t values() const { return values_.load(std::memory_order_relaxed); }

  // The counts every summary (ComputeSummary, JoinSummary) carries:
  // error_rows, row_errors_by_code, chunks and worker_seconds.
  template <typename Summary>
  void FillCounts(Summary* summary) const {
    summary->set_error_rows(error_rows_.load());
    summary->set_chunks(chunks_.load());
    summary->set_worker_seconds(worker_nanos_.load() * 1e-9);
    for (int c = 0; c < RowErrorCounts::kCodes; ++c) {
      if (const uint64_t n = errors_by_code_[c].load(); n != 0) {
        (*summary->mutable_row_errors_by_code())[c] = n;
      }
    }
  }

 private:
  std::atomic<uint32_t> chunks_{0};
  std::atomic<uint64_t> values_{0};
  std::atomic<uint64_t> error_rows_{0};
  std::atomic<int64_t> worker_nanos_{0};
  std::atomic<uint64_t> errors_by_code_[RowErrorCounts::kCodes] = {};
};

class ChunkBuilder {
 public:
  enum class Mode {
    kRows,          // One value per row (or per part, when expanding).
    kRowErrors,     // A reduction's chunk: row errors only, no column.
    kReducedValue,  // A reduction's one value.
    kGroupValues,   // A grouped reduction's values, one per group.
  };

  // Geometries are written in `encoding` through `context`, which must
  // outlive the builder. `grouped`: a grouped reduction's chunk
  // (RESULT_MAPPING_ONE_PER_GROUP).
  ChunkBuilder(const ops::OpSpec& spec, v1::Encoding encoding,
               geos::Context* context, Mode mode = Mode::kRows,
               bool grouped = false);

  // Starts a chunk at `row` unless one is open.
  void Open(size_t row);

  // Where a bytes kernel (to_wkt, ...) or a WKB kernel appends its output.
  std::string* bytes() {
    return coordinates_ ? &scratch_ : binary_->mutable_data();
  }

  // Records row `row`'s outcome: `value` when `status` is OK, else the error
  // with a placeholder. Returns the row's status code (0 when OK).
  int Add(size_t row, absl::Status status, ops::Value& value);

  // Rows [row, row + the column's values) computed together as a
  // coordinate array (an operation's coordinate kernel). Call it with no
  // chunk open; Take() the chunk after.
  void AddCoordinateRows(size_t row,
                         batch::CoordinateColumnBuilder::Column column);

  // A reduction's one value, in a chunk opened at row 0.
  absl::Status AddReduced(const GEOSGeometry* result);

  // Group `group`'s value (kGroupValues; groups go in in order, in a chunk
  // opened at the first): `result` when `status` is OK, else a placeholder
  // and a group error. Returns the status code (0 when OK).
  int AddGroup(size_t group, int64_t key, absl::Status status,
               const GEOSGeometry* result);

  // Records a failed row without a value (kRowErrors, expanding rows).
  // Returns the status code.
  int AddError(size_t row, const absl::Status& status);

  // Counts a row as covered by the chunk without a value of its own
  // (kRowErrors).
  void Skip() { chunk_->set_row_count(chunk_->row_count() + 1); }

  // About how many bytes the open chunk holds.
  size_t byte_size() const;

  // Values written so far, over every chunk taken.
  uint64_t values() const { return values_; }

  // The open chunk (null if none); the next Add opens another.
  std::unique_ptr<v1::ResultChunk> Take();

 private:
  int AddParts(size_t row, absl::Status status, ops::Value& value);
  int AddPartCoordinates(size_t row, absl::Status status,
                         const ops::Value& value);
  int AddNumbers(size_t row, const absl::Status& status,
                 const ops::Value& value);
  // Writes `g` in the chunk's encoding to `out` (the column's bytes when
  // null).
  absl::Status WriteGeometry(const GEOSGeometry* g, std::string* out = nullptr);
  // Puts `column` in the open chunk.
  void SetCoordinates(batch::CoordinateColumnBuilder::Column column);
  // A geometry row's outcome when results are coordinates.
  absl::Status AddCoordinates(absl::Status status, const ops::Value& value);
  // A reduced geometry as the operation's value: the geometry, or its
  // bounds (total_bounds).
  absl::Status WriteReduced(const GEOSGeometry* g);

  const ops::ResultType type_;
  const int width_;
  const bool expands_;
  const Mode mode_;
  const bool grouped_;
  const v1::Encoding encoding_;
  geos::Context* const context_;
  uint64_t values_ = 0;
  std::unique_ptr<v1::ResultChunk> chunk_;
  v1::BinaryColumn* binary_ = nullptr;
  // Geometry values when the request asked for ENCODING_COORDINATES: each
  // is written as WKB into scratch_, then into the column.
  std::unique_ptr<batch::CoordinateColumnBuilder> coordinates_;
  std::string scratch_;
};

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_CHUNK_BUILDER_H_
