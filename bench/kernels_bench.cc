// Google Benchmark: the seed kernel as a raw GEOS loop on one thread versus
// the same rows through exec::ComputeJob on the worker pool (no network).
// The pool's overhead per row is the gap at 1 worker; scaling shows at 2.
#include <benchmark/benchmark.h>
#include <geos_c.h>

#include "base/sync.h"
#include "client/datasets/datasets.h"
#include "server/exec/compute_job.h"
#include "server/geos/context.h"

namespace geosrpc::bench {
namespace {

constexpr int kRows = 120000;

const datasets::SeedWorkload& Workload() {
  static const auto* w =
      new datasets::SeedWorkload(datasets::MakeSeedWorkload(kRows, 42));
  return *w;
}

std::string BufferedWkb() {
  geos::Context c;
  auto mp = c.ReadWkt(Workload().multipoint_wkt);
  geos::GeometryPtr b =
      c.Own(GEOSBuffer_r(c.handle(), mp->get(), datasets::SeedWorkload::kRadius,
                         datasets::SeedWorkload::kQuadsegs));
  std::string wkb;
  (void)c.WriteWkb(b.get(), {}, &wkb);
  return wkb;
}

void BM_RawGeosDecodeAndPreparedDistance(benchmark::State& state) {
  geos::Context c;
  auto b = c.ReadWkb(BufferedWkb());
  geos::PreparedPtr prepared(GEOSPrepare_r(c.handle(), b->get()), {c.handle()});
  const std::string points =
      datasets::PointBatch(Workload().points, 0, kRows).data();
  for (auto _ : state) {
    double sum = 0;
    for (int i = 0; i < kRows; ++i) {
      auto p = c.ReadWkb(absl::string_view(points).substr(i * 21, 21));
      double d;
      GEOSPreparedDistance_r(c.handle(), prepared.get(), p->get(), &d);
      sum += d;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_RawGeosDecodeAndPreparedDistance)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_WorkerPoolSeedDistance(benchmark::State& state) {
  auto pool = *exec::WorkerPool::Create(
      {.num_workers = static_cast<int>(state.range(0))});
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_DISTANCE);
  *request.mutable_a() = datasets::PointBatch(Workload().points, 0, kRows);
  request.mutable_b_broadcast()->set_data(BufferedWkb());
  for (auto _ : state) {
    Notification done;
    double sum = 0;
    Mutex mu;
    auto job = exec::ComputeJob::Start(
        pool.get(), &request, {}, absl::InfiniteFuture(),
        {.on_chunk =
             [&](std::unique_ptr<v1::ResultChunk> chunk,
                 std::shared_ptr<void>) {
               MutexLock lock(&mu);
               for (double d : chunk->doubles().values()) sum += d;
             },
         .on_done = [&](const v1::ComputeSummary&) { done.Notify(); }});
    if (!job.ok()) state.SkipWithError(job.status().ToString().c_str());
    done.WaitForNotification();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
}
BENCHMARK(BM_WorkerPoolSeedDistance)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace geosrpc::bench

BENCHMARK_MAIN();
