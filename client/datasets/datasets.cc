#include "client/datasets/datasets.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "client/cpp/batch.h"

namespace geosrpc::datasets {
namespace {

// std::mt19937_64 rather than absl::BitGen: BitGen salts its seed per process,
// and these datasets must be identical in every process given a seed.
class Random {
 public:
  explicit Random(uint64_t seed) : gen_(seed) {}
  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(gen_);
  }

 private:
  std::mt19937_64 gen_;
};

}  // namespace

SeedWorkload MakeSeedWorkload(int rows, uint64_t seed) {
  Random gen(seed);
  SeedWorkload w;
  w.multipoint_wkt = "MULTIPOINT (";
  for (int i = 0; i < 20; ++i) {
    absl::StrAppend(&w.multipoint_wkt, i ? ", " : "", gen.Uniform(0.0, 10.0),
                    " ", gen.Uniform(0.0, 10.0));
  }
  w.multipoint_wkt += ")";
  w.points.reserve(rows);
  for (int i = 0; i < rows; ++i) {
    const double x = gen.Uniform(0.0, 10.0);
    w.points.emplace_back(x, gen.Uniform(0.0, 10.0));
  }
  return w;
}

absl::StatusOr<std::string> BufferedOperand(client::Client* client,
                                            const SeedWorkload& workload) {
  v1::ComputeRequest buffer;
  buffer.mutable_operation()->set_op(v1::OP_CODE_BUFFER);
  buffer.mutable_operation()->mutable_buffer()->set_radius(
      SeedWorkload::kRadius);
  buffer.mutable_operation()->mutable_buffer()->set_quadsegs(
      SeedWorkload::kQuadsegs);
  *buffer.mutable_a() =
      client::MakeBatch(v1::ENCODING_WKT, {workload.multipoint_wkt});
  auto result = client->Compute(buffer);
  if (!result.ok()) return result.status();
  if (!result->errors.empty()) {
    return absl::InternalError(result->errors[0].message());
  }
  return result->binary[0];
}

v1::GeometryBatch PointBatch(const std::vector<std::pair<double, double>>& p,
                             size_t begin, size_t end) {
  client::BatchBuilder builder(v1::ENCODING_WKB, end - begin);
  for (size_t i = begin; i < end; ++i)
    builder.AddPoint(p[i].first, p[i].second);
  return builder.Build();
}

v1::GeometryBatch PolygonBatch(int rows, int vertices, uint64_t seed) {
  Random gen(seed);
  client::BatchBuilder builder(v1::ENCODING_WKT, rows);
  for (int r = 0; r < rows; ++r) {
    const double cx = gen.Uniform(0.0, 100.0);
    const double cy = gen.Uniform(0.0, 100.0);
    const double radius = gen.Uniform(1.0, 5.0);
    std::string wkt = "POLYGON ((";
    std::string first;
    for (int i = 0; i < vertices; ++i) {
      const double a = 2 * M_PI * i / vertices;
      const double rr = radius * gen.Uniform(0.6, 1.0);
      std::string p =
          absl::StrCat(cx + rr * std::cos(a), " ", cy + rr * std::sin(a));
      if (i == 0) first = p;
      absl::StrAppend(&wkt, i ? ", " : "", p);
    }
    absl::StrAppend(&wkt, ", ", first, "))");
    builder.Add(wkt);
  }
  return builder.Build();
}

}  // namespace geosrpc::datasets
