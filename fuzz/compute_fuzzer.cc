// libFuzzer harness: a whole ComputeRequest through ComputeJob::Start on an
// in-process WorkerPool (2 workers), as the Compute RPC runs it without
// gRPC.
//
// The input is a serialized v1::ComputeRequest. Byte-level mutations of the
// wire format rarely parse, so LLVMFuzzerCustomMutator mutates the parsed
// request instead (proto_mutator.h): rows stay consistent with their
// offsets and most mutants reach the workers. Limits are small (256 rows,
// 20,000 vertices a geometry, 4 KiB result chunks) and the deadline short
// (250 ms), so that a slow GEOS path ends at its deadline instead of
// stalling the fuzzer; inputs whose last byte is 0 mod 8 are cancelled
// right after Start.
//
// Checked on every input, besides the GEOS guard (geos_guard.cc):
//   - Start fails only with INVALID_ARGUMENT or RESOURCE_EXHAUSTED, and
//     then no callback comes; otherwise on_done comes exactly once, after
//     every on_chunk (job_recorder.h), within 20 s;
//   - every chunk lies within the batch, chunks cover each row at most once
//     (the reduction's value chunk aside), and all of them when the summary
//     is OK; its column holds what its mapping says (one value per row,
//     `width` doubles each; or one per source row, in the chunk, never a
//     failed row's);
//   - row errors name rows in range, once each, with a non-OK code;
//   - an OK summary counts the rows, chunks, failed rows and values sent.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fuzz/job_recorder.h"
#include "fuzz/proto_mutator.h"
#include "fuzz/row_checks.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "server/batch/coordinates.h"
#include "server/exec/compute_job.h"
#include "server/exec/compute_plan.h"
#include "server/exec/operand_cache.h"
#include "server/exec/worker_pool.h"
#include "server/ops/operations.h"

namespace geosrpc::fuzz {
namespace {

using Recorder = JobRecorder<v1::ResultChunk, v1::ComputeSummary>;

exec::WorkerPool& Pool() {
  static exec::WorkerPool* pool =
      exec::WorkerPool::Create({.num_workers = 2,
                                .max_queued_tasks = 4096,
                                .prepared_cache_vertices = 100'000})
          ->release();
  return *pool;
}

exec::OperandCache& Operands() {
  static auto* operands = new exec::OperandCache(4, 64 << 10);
  return *operands;
}

exec::ComputeLimits Limits() {
  exec::ComputeLimits limits;
  limits.max_rows = 256;
  limits.geometry.max_vertices = 20'000;
  limits.max_vertices = 100'000;
  limits.max_chunk_bytes = 4096;
  limits.max_unsent_chunks = 2;
  return limits;
}

// How many values a chunk's column holds (per its type), and its width.
size_t ColumnValues(const v1::ResultChunk& chunk, int* width) {
  *width = 1;
  switch (chunk.column_case()) {
    case v1::ResultChunk::kDoubles:
      *width = std::max<int>(chunk.doubles().width(), 1);
      FUZZ_CHECK(chunk.doubles().values_size() % *width == 0,
                 "a double column holds whole rows of its width");
      return chunk.doubles().values_size() / *width;
    case v1::ResultChunk::kBools:
      return chunk.bools().values_size();
    case v1::ResultChunk::kInts:
      return chunk.ints().values_size();
    case v1::ResultChunk::kStrings:
      return chunk.strings().values_size();
    case v1::ResultChunk::kGeometries:
    case v1::ResultChunk::kEncoded: {
      const v1::BinaryColumn& c =
          chunk.column_case() == v1::ResultChunk::kGeometries
              ? chunk.geometries()
              : chunk.encoded();
      FUZZ_CHECK(c.offsets_size() >= 1 && c.offsets(0) == 0 &&
                     c.offsets(c.offsets_size() - 1) == c.data().size(),
                 "a binary column's offsets span its data");
      for (int i = 1; i < c.offsets_size(); ++i) {
        FUZZ_CHECK(c.offsets(i - 1) <= c.offsets(i),
                   "a binary column's offsets never decrease");
      }
      return c.offsets_size() - 1;
    }
    case v1::ResultChunk::kCoordinates: {
      // A well-formed array, as a request's would be.
      absl::StatusOr<batch::CoordinateArrayView> view =
          exec::CoordinatesOf(chunk.coordinates(), "result");
      FUZZ_CHECK(view.ok(), "a coordinate column has a kind");
      absl::StatusOr<size_t> n = batch::CheckCoordinates(*view, "result");
      FUZZ_CHECK(n.ok(), absl::StrCat("a coordinate column is well formed: ",
                                      n.status().message()));
      return *n;
    }
    case v1::ResultChunk::COLUMN_NOT_SET:
      return 0;
  }
  return 0;
}

// The rows of a batch the job accepted: its n+1 offsets, or the geometries
// of its coordinate array.
uint64_t RequestRows(const v1::GeometryBatch& a) {
  if (a.encoding() != v1::ENCODING_COORDINATES) {
    return a.offsets_size() == 0 ? 0 : a.offsets_size() - 1;
  }
  absl::StatusOr<batch::CoordinateArrayView> view =
      exec::CoordinatesOf(a.coordinates(), "a");
  FUZZ_CHECK(view.ok(), "an accepted coordinate batch has a kind");
  absl::StatusOr<size_t> n = batch::CheckCoordinates(*view, "a");
  FUZZ_CHECK(n.ok(), "an accepted coordinate batch is well formed");
  return *n;
}

void CheckOutcome(const v1::ComputeRequest& request, const Recorder& job) {
  const v1::ComputeSummary& summary = job.summary();
  const uint64_t rows = summary.rows();
  FUZZ_CHECK(rows == RequestRows(request.a()),
             "the summary counts the batch's rows");
  const bool ok = summary.status().code() == 0;
  std::vector<bool> covered(rows, false);
  std::set<uint64_t> failed;
  uint64_t values = 0, reduced = 0;
  for (const v1::ResultChunk& chunk : job.chunks()) {
    FUZZ_CHECK(chunk.mapping() != v1::RESULT_MAPPING_UNSPECIFIED,
               "every chunk says how its values map to rows");
    std::set<uint64_t> chunk_failed;
    for (const v1::RowError& e : chunk.errors()) {
      FUZZ_CHECK(e.row() < rows,
                 absl::StrCat("row error names row ", e.row(), " of ", rows));
      FUZZ_CHECK(e.code() > 0 && e.code() <= 16,
                 absl::StrCat("row error code ", e.code()));
      FUZZ_CHECK(failed.insert(e.row()).second,
                 absl::StrCat("row ", e.row(), " failed twice"));
      chunk_failed.insert(e.row());
    }
    const uint64_t begin = chunk.row_offset(), end = begin + chunk.row_count();
    if (chunk.mapping() == v1::RESULT_MAPPING_ONE_PER_BATCH) {
      // A reduction: chunks of row errors (positions in strip order; the
      // errors name input rows), and one chunk holding the value, at row 0
      // even when the batch has no rows.
      if (chunk.column_case() != v1::ResultChunk::COLUMN_NOT_SET) {
        int width;
        FUZZ_CHECK(begin == 0 && chunk.row_count() == 1 &&
                       ColumnValues(chunk, &width) == 1,
                   "a reduction's value is one value at row 0");
        ++reduced;
        continue;
      }
    } else {
      for (uint64_t e : chunk_failed) {
        FUZZ_CHECK(begin <= e && e < end, "row errors lie in their chunk");
      }
    }
    FUZZ_CHECK(begin <= end && end <= rows,
               absl::StrCat("chunk [", begin, ", ", end, ") of ", rows));
    for (uint64_t r = begin; r < end; ++r) {
      FUZZ_CHECK(!covered[r], absl::StrCat("row ", r, " in two chunks"));
      covered[r] = true;
    }
    int width;
    const size_t n = ColumnValues(chunk, &width);
    if (chunk.mapping() == v1::RESULT_MAPPING_ONE_PER_ROW) {
      FUZZ_CHECK(n == chunk.row_count(),
                 absl::StrCat("a chunk of ", chunk.row_count(), " rows holds ",
                              n, " values"));
      FUZZ_CHECK(chunk.source_rows().empty(), "source_rows only per part");
      values += n;
    } else if (chunk.mapping() == v1::RESULT_MAPPING_PER_PART) {
      FUZZ_CHECK(n == static_cast<size_t>(chunk.source_rows_size()),
                 "one source row per part");
      uint64_t last = begin;
      for (uint64_t s : chunk.source_rows()) {
        FUZZ_CHECK(last <= s && s < end && !chunk_failed.count(s),
                   "source rows ascend within the chunk, never a failed row");
        last = s;
      }
      values += n;
    }
  }
  FUZZ_CHECK(reduced <= 1, "a reduction sends one value");
  if (!ok) return;
  const absl::StatusOr<const ops::OpSpec*> op =
      ops::FindOperation(request.operation().op());
  FUZZ_CHECK(op.ok(), "an OK batch has an operation");
  if ((*op)->reducer != nullptr) {
    FUZZ_CHECK(reduced == 1, "an OK reduction sends its value");
  } else {
    for (uint64_t r = 0; r < rows; ++r) {
      FUZZ_CHECK(covered[r], absl::StrCat("an OK batch left row ", r, " out"));
    }
  }
  FUZZ_CHECK(summary.chunks() == job.chunks().size(),
             "the summary counts the chunks sent");
  FUZZ_CHECK(summary.error_rows() == failed.size(),
             absl::StrCat("the summary counts ", summary.error_rows(),
                          " failed rows, the chunks ", failed.size()));
  uint64_t by_code = 0;
  for (const auto& [code, n] : summary.row_errors_by_code()) by_code += n;
  FUZZ_CHECK(by_code == failed.size(), "row_errors_by_code adds up");
  FUZZ_CHECK(summary.result_rows() == values + reduced,
             absl::StrCat("the summary counts ", summary.result_rows(),
                          " values, the chunks ", values + reduced));
}

}  // namespace
}  // namespace geosrpc::fuzz

// Malformed UTF-8 in string fields is a parse failure here, as in gRPC;
// protobuf's log line for each one would drown libFuzzer's output.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace geosrpc;
  v1::ComputeRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  auto recorder = std::make_shared<fuzz::Recorder>();
  auto job = exec::ComputeJob::Start(
      &fuzz::Pool(), &request, fuzz::Limits(),
      absl::Now() + absl::Milliseconds(250),
      {.on_chunk =
           [recorder](std::unique_ptr<v1::ResultChunk> chunk,
                      std::shared_ptr<void> sent) {
             recorder->OnChunk(std::move(chunk));
           },
       .on_done =
           [recorder](const v1::ComputeSummary& summary) {
             recorder->OnDone(summary);
           }},
      &fuzz::Operands());
  if (!job.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(job.status()) ||
                   absl::IsResourceExhausted(job.status()),
               absl::StrCat("Start failed with ", job.status().ToString()));
    recorder->StartFailed();
    return 0;
  }
  if (size > 0 && data[size - 1] % 8 == 0) {
    (*job)->Cancel(absl::CancelledError("cancelled by the harness"));
  }
  recorder->Wait(std::chrono::seconds(20));
  fuzz::CheckOutcome(request, *recorder);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  return geosrpc::fuzz::MutateSerialized(geosrpc::v1::ComputeRequest(), 0, data,
                                         size, max_size, seed);
}
