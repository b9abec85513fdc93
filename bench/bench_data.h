// The join and nearest benchmarks' data, the same in every program that
// uses it (join_inprocess, nearest_inprocess, join_rpc, and the PostGIS
// load in run.sh): seeded uniform random points as WKB, and geometry files
// of hex-WKB lines (tests/data/countries.js writes the countries so); and
// what the programs share to measure: rows handed to threads in chunks, and
// CPU time.
//
// No GEOS and no client library: the RPC driver links neither, and the
// points are made the same way for every program from (count, bounds, seed).
//
// Thread-safety: pure functions; WkbRows is not synchronized (fill it, then
// share it read-only); any number of threads may call ChunkQueue::Next;
// Team::Run is for one thread at a time.
#ifndef GEOSRPC_BENCH_BENCH_DATA_H_
#define GEOSRPC_BENCH_BENCH_DATA_H_

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace geosrpc::bench {

struct Bounds {
  double xmin = 0, ymin = 0, xmax = 1, ymax = 1;
};

// "xmin,ymin,xmax,ymax".
absl::StatusOr<Bounds> ParseBounds(absl::string_view text);

// The bounds of the Natural Earth 1:10m countries (countries.js prints
// them): the join's points are drawn from this box.
inline constexpr Bounds kCountriesBounds{-180, -85.22193775799991, 180,
                                         83.63410065300008};

// Rows of WKB, packed as a GeometryBatch packs them: row i is
// data[offsets[i], offsets[i + 1]).
struct WkbRows {
  std::string data;
  std::vector<uint64_t> offsets{0};

  size_t size() const { return offsets.size() - 1; }
  absl::string_view row(size_t i) const {
    return absl::string_view(data).substr(offsets[i],
                                          offsets[i + 1] - offsets[i]);
  }
  void Add(absl::string_view wkb) {
    data.append(wkb.data(), wkb.size());
    offsets.push_back(data.size());
  }
};

// `n` points drawn uniformly from `bounds` (x then y, from a 64-bit
// Mersenne twister seeded with `seed`; the same on every machine), as
// little-endian 2D WKB of 21 bytes each.
WkbRows RandomPoints(size_t n, const Bounds& bounds, uint64_t seed);

// A file of hex-WKB lines (blank lines skipped), decoded to WKB rows.
absl::StatusOr<WkbRows> ReadHexWkbLines(const std::string& path);

// Writes "row<TAB>hex WKB" lines, for PostgreSQL's COPY.
absl::Status WriteCopyFile(const WkbRows& rows, const std::string& path);

// Rows [0, rows) handed to threads in chunks, first come first served, as
// the server's workers take chunks: a thread slowed by other work on its
// core does not hold the others back, as with a fixed share per thread.
class ChunkQueue {
 public:
  explicit ChunkQueue(size_t rows, size_t chunk_rows = 1024)
      : rows_(rows), chunk_rows_(chunk_rows) {}

  // The next chunk, [*begin, *end); false when every row was handed out.
  bool Next(size_t* begin, size_t* end) {
    *begin = next_.fetch_add(chunk_rows_, std::memory_order_relaxed);
    if (*begin >= rows_) return false;
    *end = std::min(rows_, *begin + chunk_rows_);
    return true;
  }

 private:
  const size_t rows_;
  const size_t chunk_rows_;
  std::atomic<size_t> next_{0};
};

// Threads started once and reused by every timed run, as the server's
// workers are: runs time the work, not thread creation, and long-lived
// threads are scheduled as the server's are.
class Team {
 public:
  explicit Team(int threads);
  ~Team();
  Team(const Team&) = delete;
  Team& operator=(const Team&) = delete;

  // Runs work(t) on thread t, for every t, and returns when all are done.
  void Run(const std::function<void(int)>& work);

 private:
  void Loop(int t);

  std::mutex mu_;
  std::condition_variable start_;
  std::condition_variable done_;
  const std::function<void(int)>* work_ = nullptr;  // Guarded by mu_.
  uint64_t generation_ = 0;                         // Guarded by mu_.
  int running_ = 0;                                 // Guarded by mu_.
  bool stop_ = false;                               // Guarded by mu_.
  std::vector<std::thread> threads_;  // Last: they use the members above.
};

// CPU seconds (user and system, every thread) this process has used.
double CpuSeconds();

// The same for process `pid`, from /proc (10 ms ticks).
absl::StatusOr<double> CpuSecondsOf(int pid);

// The x, y of point rows as RandomPoints writes them (21-byte little-endian
// 2D WKB points), interleaved: what a numpy user's (n, 2) array holds, and a
// CoordinateArray's coords on a little-endian machine. INVALID_ARGUMENT for
// any other row.
absl::StatusOr<std::vector<double>> PointCoordinates(const WkbRows& rows);

// An order-free digest of coordinates, for comparing transform results
// across programs: the sum over coordinates of round(1000 * (x + y)),
// modulo 2^64 (print it as a signed integer). Coordinates that are not
// finite (an empty point, a failed row's placeholder) add nothing.
inline uint64_t XySum(double x, double y) {
  const double v = 1000 * (x + y);
  return std::isfinite(v) ? static_cast<uint64_t>(std::llround(v)) : 0;
}

// Adds XySum of every coordinate of `wkb` (ISO or extended WKB, either byte
// order, any type) to *sum; false if `wkb` cannot be read.
bool AddWkbXySum(absl::string_view wkb, uint64_t* sum);

// An order-free digest of a join's pairs, for comparing answers across
// programs: the sum over pairs of a_row * 1000003 + set_row, modulo 2^64.
inline uint64_t PairHash(uint64_t a_row, uint64_t set_row) {
  return a_row * 1000003 + set_row;
}

}  // namespace geosrpc::bench

#endif  // GEOSRPC_BENCH_BENCH_DATA_H_
