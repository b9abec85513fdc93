// Reproducible datasets, shared by the load client (geosrpc-load), the CLI's
// `demo` and the benchmarks in bench/.
//
// The seed workload: `rows` uniform random points in [0, 10)^2 and a
// 20-point multipoint in the same square, which the workload buffers by 0.2
// with 20 segments per quadrant and measures the distance to. The same seed
// gives the same data in every process that asks for it (the load client,
// the CLI and the in-process baselines).
//
// Thread-safety: the generators are pure functions; BufferedOperand makes
// one call through a client, which may be shared. All are safe from any
// number of threads.
#ifndef GEOSRPC_CLIENT_DATASETS_DATASETS_H_
#define GEOSRPC_CLIENT_DATASETS_DATASETS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "client/cpp/client.h"
#include "geosrpc/v1/geometry_service.pb.h"

namespace geosrpc::datasets {

struct SeedWorkload {
  std::vector<std::pair<double, double>> points;
  std::string multipoint_wkt;
  static constexpr double kRadius = 0.2;
  static constexpr int kQuadsegs = 20;
};

SeedWorkload MakeSeedWorkload(int rows, uint64_t seed);

// The workload's broadcast operand: its multipoint buffered (by the server,
// through `client`), as WKB.
absl::StatusOr<std::string> BufferedOperand(client::Client* client,
                                            const SeedWorkload& workload);

// `rows` points as a WKB batch.
v1::GeometryBatch PointBatch(const std::vector<std::pair<double, double>>& p,
                             size_t begin, size_t end);

// `rows` random star-shaped polygons (WKT) with `vertices` vertices each.
v1::GeometryBatch PolygonBatch(int rows, int vertices, uint64_t seed);

}  // namespace geosrpc::datasets

#endif  // GEOSRPC_CLIENT_DATASETS_DATASETS_H_
