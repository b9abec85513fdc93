// libFuzzer harness: a whole JoinRequest or NearestRequest through JoinPlan
// and JoinJob::Start on an in-process WorkerPool (2 workers) with a
// layers::SetCatalog, as the Join and Nearest RPCs run them without gRPC.
//
// The first byte chooses the request (even: Join, odd: Nearest); the rest is
// the serialized request, mutated as a message by LLVMFuzzerCustomMutator
// (proto_mutator.h). The catalog holds one layer, "layer" (20 geometries
// loaded at start-up through LoadLayer), and remembers sets sent with
// requests within 256 KiB, so a set may be named by layer, by digest, or
// sent. Limits are small and the deadline short (250 ms), as in
// compute_fuzzer.cc.
//
// Checked on every input, besides the GEOS guard (geos_guard.cc):
//   - the plan fails only with INVALID_ARGUMENT or RESOURCE_EXHAUSTED,
//     Start only with those or NOT_FOUND, and then no callback comes;
//     otherwise on_done comes exactly once, after every on_chunk;
//   - each row of `a` appears in at most one chunk, with pairs or an error,
//     never both; a chunk's pairs come in row order (Join: then set row;
//     Nearest: then distance); pairs name rows in range and set rows within
//     the set, once each; distances come exactly when asked for, never
//     beyond max_distance; without all_matches a row has at most k;
//   - an OK summary counts the pairs and failed rows sent.

#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "fuzz/job_recorder.h"
#include "fuzz/proto_mutator.h"
#include "fuzz/row_checks.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "google/protobuf/stubs/logging.h"
#include "server/exec/join_job.h"
#include "server/exec/join_plan.h"
#include "server/exec/load_layer.h"
#include "server/exec/worker_pool.h"
#include "server/layers/set_catalog.h"

namespace geosrpc::fuzz {
namespace {

using Recorder = JobRecorder<v1::PairChunk, v1::JoinSummary>;

exec::ComputeLimits Limits() {
  exec::ComputeLimits limits;
  limits.max_rows = 256;
  limits.geometry.max_vertices = 20'000;
  limits.max_vertices = 100'000;
  limits.max_chunk_bytes = 4096;
  limits.max_unsent_chunks = 2;
  limits.max_pairs = 10'000;
  return limits;
}

exec::WorkerPool& Pool() {
  static exec::WorkerPool* pool =
      exec::WorkerPool::Create({.num_workers = 2,
                                .max_queued_tasks = 4096,
                                .prepared_cache_vertices = 100'000})
          ->release();
  return *pool;
}

// The catalog, with the layer "layer": squares, lines and points on a 5x4
// grid, written to a file and loaded as the server loads --layer.
layers::SetCatalog& Catalog() {
  static layers::SetCatalog* catalog = [] {
    auto* c = new layers::SetCatalog(256 << 10);
    char path[] = "/tmp/geosrpc-join-fuzzer-XXXXXX";
    const int fd = mkstemp(path);
    FUZZ_CHECK(fd >= 0, "a temporary file for the layer");
    std::string wkt;
    for (int i = 0; i < 20; ++i) {
      const int x = i % 5 * 10, y = i / 5 * 10;
      switch (i % 3) {
        case 0:
          absl::StrAppend(&wkt, "POLYGON ((", x, " ", y, ", ", x + 8, " ", y,
                          ", ", x + 8, " ", y + 8, ", ", x, " ", y + 8, ", ", x,
                          " ", y, "))\n");
          break;
        case 1:
          absl::StrAppend(&wkt, "LINESTRING (", x, " ", y, ", ", x + 9, " ",
                          y + 9, ")\n");
          break;
        default:
          absl::StrAppend(&wkt, "POINT (", x + 1, " ", y + 1, ")\n");
      }
    }
    FUZZ_CHECK(
        write(fd, wkt.data(), wkt.size()) == static_cast<ssize_t>(wkt.size()),
        "writing the layer");
    close(fd);
    auto layer = exec::LoadLayer(&Pool(), "layer", path, Limits().geometry);
    unlink(path);
    FUZZ_CHECK(layer.ok(),
               absl::StrCat("loading the layer: ", layer.status().ToString()));
    FUZZ_CHECK(c->AddLayer(*std::move(layer)).ok(), "adding the layer");
    return c;
  }();
  return *catalog;
}

struct Expect {
  bool nearest = false;
  bool distances = false;
  uint32_t k = 1;
  bool all_matches = true;
  double max_distance = INFINITY;
};

void CheckOutcome(uint64_t rows, const Expect& expect, const Recorder& job) {
  const v1::JoinSummary& summary = job.summary();
  FUZZ_CHECK(summary.rows() == rows, "the summary counts the batch's rows");
  const bool ok = summary.status().code() == 0;
  const uint64_t set_rows = summary.has_set() ? summary.set().rows() : 0;
  std::set<uint64_t> seen;  // Rows of `a` in some chunk.
  std::set<std::pair<uint64_t, uint64_t>> pairs;
  uint64_t errors = 0;
  for (const v1::PairChunk& chunk : job.chunks()) {
    const int n = chunk.a_rows_size();
    FUZZ_CHECK(chunk.set_rows_size() == n, "a set row for every a row");
    FUZZ_CHECK(chunk.distances_size() == (expect.distances ? n : 0),
               "distances exactly when asked for");
    std::set<uint64_t> rows_here;
    for (const v1::RowError& e : chunk.errors()) {
      FUZZ_CHECK(e.row() < rows,
                 absl::StrCat("row error names row ", e.row(), " of ", rows));
      FUZZ_CHECK(e.code() > 0 && e.code() <= 16,
                 absl::StrCat("row error code ", e.code()));
      FUZZ_CHECK(rows_here.insert(e.row()).second, "a row failed twice");
      ++errors;
    }
    std::map<uint64_t, uint32_t> per_row;
    for (int i = 0; i < n; ++i) {
      const uint64_t a = chunk.a_rows(i), s = chunk.set_rows(i);
      FUZZ_CHECK(a < rows, absl::StrCat("pair names row ", a, " of ", rows));
      FUZZ_CHECK(!summary.has_set() || s < set_rows,
                 absl::StrCat("pair names set row ", s, " of ", set_rows));
      FUZZ_CHECK(pairs.insert({a, s}).second, "a pair sent twice");
      if (i > 0) {
        const uint64_t pa = chunk.a_rows(i - 1);
        FUZZ_CHECK(pa <= a, "pairs come in row order");
        if (pa == a && !expect.nearest) {
          FUZZ_CHECK(chunk.set_rows(i - 1) < s, "a row's pairs by set row");
        }
        if (pa == a && expect.nearest && expect.distances) {
          FUZZ_CHECK(chunk.distances(i - 1) <= chunk.distances(i),
                     "a row's nearest come nearest first");
        }
      }
      if (expect.distances) {
        const double d = chunk.distances(i);
        FUZZ_CHECK(d >= 0 && !std::isnan(d), "distances are >= 0");
        if (expect.nearest) {
          FUZZ_CHECK(d <= expect.max_distance, "no pair beyond max_distance");
        }
      }
      ++per_row[a];
    }
    for (const auto& [a, count] : per_row) {
      FUZZ_CHECK(!rows_here.count(a), "a failed row has no pairs");
      rows_here.insert(a);
      if (expect.nearest && !expect.all_matches) {
        FUZZ_CHECK(count <= expect.k, "at most k nearest without ties");
      }
    }
    for (uint64_t a : rows_here) {
      FUZZ_CHECK(seen.insert(a).second,
                 absl::StrCat("row ", a, " in two chunks"));
    }
  }
  if (!ok) return;
  FUZZ_CHECK(summary.pairs() == pairs.size(),
             absl::StrCat("the summary counts ", summary.pairs(),
                          " pairs, the chunks ", pairs.size()));
  FUZZ_CHECK(summary.error_rows() == errors,
             "the summary counts the failed rows sent");
  FUZZ_CHECK(summary.chunks() == job.chunks().size(),
             "the summary counts the chunks sent");
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
  if (size == 0) return 0;
  const bool nearest = data[0] % 2 == 1;
  v1::JoinRequest join;
  v1::NearestRequest near;
  google::protobuf::Message& request =
      nearest ? static_cast<google::protobuf::Message&>(near) : join;
  if (!request.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
  layers::SetCatalog& catalog = fuzz::Catalog();
  const exec::ComputeLimits limits = fuzz::Limits();
  const int workers = fuzz::Pool().num_workers();
  absl::StatusOr<exec::JoinPlan> plan =
      nearest ? exec::JoinPlan::ForNearest(near, limits, workers)
              : exec::JoinPlan::ForJoin(join, limits, workers);
  if (!plan.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(plan.status()) ||
                   absl::IsResourceExhausted(plan.status()),
               absl::StrCat("the plan failed with ", plan.status().ToString()));
    return 0;
  }
  const uint64_t rows = plan->rows();
  fuzz::Expect expect;
  expect.nearest = nearest;
  expect.distances = plan->return_distance();
  expect.k = plan->k();
  expect.all_matches = plan->all_matches();
  expect.max_distance = plan->max_distance();

  auto recorder = std::make_shared<fuzz::Recorder>();
  auto job =
      exec::JoinJob::Start(&fuzz::Pool(), *std::move(plan), limits,
                           absl::Now() + absl::Milliseconds(250),
                           {.on_chunk =
                                [recorder](std::unique_ptr<v1::PairChunk> chunk,
                                           std::shared_ptr<void> sent) {
                                  recorder->OnChunk(std::move(chunk));
                                },
                            .on_done =
                                [recorder](const v1::JoinSummary& summary) {
                                  recorder->OnDone(summary);
                                }},
                           &catalog);
  if (!job.ok()) {
    FUZZ_CHECK(absl::IsNotFound(job.status()) ||
                   absl::IsResourceExhausted(job.status()) ||
                   absl::IsInvalidArgument(job.status()),
               absl::StrCat("Start failed with ", job.status().ToString()));
    recorder->StartFailed();
    return 0;
  }
  if (data[size - 1] % 8 == 0) {
    (*job)->Cancel(absl::CancelledError("cancelled by the harness"));
  }
  recorder->Wait(std::chrono::seconds(20));
  fuzz::CheckOutcome(rows, expect, *recorder);
  return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size,
                                          size_t max_size, unsigned int seed) {
  using namespace geosrpc;
  if (size == 0 || max_size < 2) {
    if (max_size == 0) return 0;
    data[0] = seed % 2;
    return 1;
  }
  if (data[0] % 2 == 1) {
    return fuzz::MutateSerialized(v1::NearestRequest(), 1, data, size, max_size,
                                  seed);
  }
  return fuzz::MutateSerialized(v1::JoinRequest(), 1, data, size, max_size,
                                seed);
}
