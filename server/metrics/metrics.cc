#include "server/metrics/metrics.h"

#include <geos_c.h>
#include <grpcpp/grpcpp.h>
#include <prometheus/text_serializer.h>

#include <exception>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/ops/operations.h"

namespace geosrpc::metrics {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

// 100 µs .. 100 s, roughly 2.5x apart. Built once: RpcHandled passes it on
// every call, and prometheus-cpp reads it only for a new label set.
const Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,     1,      2.5,   5,      10,    25,   50,    100};
  return *buckets;
}

std::string CodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      rpcs_started_(BuildCounter()
                        .Name("geosrpc_rpcs_started_total")
                        .Help("RPCs started, by method.")
                        .Register(*registry_)),
      rpcs_handled_(BuildCounter()
                        .Name("geosrpc_rpcs_handled_total")
                        .Help("RPCs completed, by method and gRPC code.")
                        .Register(*registry_)),
      rpc_duration_(BuildHistogram()
                        .Name("geosrpc_rpc_duration_seconds")
                        .Help("Time from an RPC's start to its status.")
                        .Register(*registry_)),
      inflight_(BuildGauge()
                    .Name("geosrpc_inflight_requests")
                    .Help("RPCs started and not yet completed.")
                    .Register(*registry_)
                    .Add({})),
      rows_processed_(BuildCounter()
                          .Name("geosrpc_rows_processed_total")
                          .Help("Rows (geometries) processed, by operation.")
                          .Register(*registry_)),
      compute_seconds_(BuildCounter()
                           .Name("geosrpc_compute_seconds_total")
                           .Help("Worker time spent, by operation.")
                           .Register(*registry_)),
      row_errors_(BuildCounter()
                      .Name("geosrpc_row_errors_total")
                      .Help("Rows that failed, by operation and status code "
                            "(INVALID_ARGUMENT: undecodable input; "
                            "RESOURCE_EXHAUSTED: over a geometry limit; "
                            "FAILED_PRECONDITION: GEOS failed).")
                      .Register(*registry_)),
      batch_rows_(
          BuildHistogram()
              .Name("geosrpc_batch_rows")
              .Help("Rows per batch.")
              .Register(*registry_)
              .Add({}, Histogram::BucketBoundaries{1, 10, 100, 1000, 10000,
                                                   100000, 1000000, 10000000})),
      queue_tasks_(BuildGauge()
                       .Name("geosrpc_queue_tasks")
                       .Help("Chunk tasks admitted and waiting for a worker.")
                       .Register(*registry_)
                       .Add({})),
      queue_wait_(BuildHistogram()
                      .Name("geosrpc_queue_wait_seconds")
                      .Help("Time a chunk task waited for a worker.")
                      .Register(*registry_)
                      .Add({}, LatencyBuckets())),
      workers_(BuildGauge()
                   .Name("geosrpc_workers")
                   .Help("Worker threads.")
                   .Register(*registry_)
                   .Add({})),
      workers_busy_(BuildGauge()
                        .Name("geosrpc_workers_busy")
                        .Help("Workers running a task now.")
                        .Register(*registry_)
                        .Add({})),
      busy_seconds_(BuildCounter()
                        .Name("geosrpc_worker_busy_seconds_total")
                        .Help("Worker time spent on tasks; busy ratio = "
                              "rate(this) / geosrpc_workers.")
                        .Register(*registry_)
                        .Add({})),
      join_rows_(BuildCounter()
                     .Name("geosrpc_join_rows_total")
                     .Help("Rows of `a` joined or searched, by method.")
                     .Register(*registry_)),
      join_pairs_(BuildCounter()
                      .Name("geosrpc_join_pairs_total")
                      .Help("Pairs Join and Nearest returned, by method.")
                      .Register(*registry_)),
      join_row_errors_(BuildCounter()
                           .Name("geosrpc_join_row_errors_total")
                           .Help("Rows of `a` that failed in Join and "
                                 "Nearest, by method and gRPC code.")
                           .Register(*registry_)),
      set_build_seconds_(BuildHistogram()
                             .Name("geosrpc_set_build_seconds")
                             .Help("Time to decode and index a set a client "
                                   "sent (sets found by digest: none).")
                             .Register(*registry_)
                             .Add({}, LatencyBuckets())),
      layer_bytes_(BuildGauge()
                       .Name("geosrpc_layer_bytes")
                       .Help("Memory a layer loaded at start-up holds "
                             "(estimated), by layer.")
                       .Register(*registry_)) {
  BuildGauge()
      .Name("geosrpc_build_info")
      .Help("Build information; the value is 1.")
      .Register(*registry_)
      .Add({{"version", GEOSRPC_VERSION},
            {"geos", GEOSversion()},
            {"grpc", grpc::Version()}})
      .Set(1);
}

absl::StatusOr<std::unique_ptr<Metrics>> Metrics::Create(
    const Options& options) {
  std::unique_ptr<Metrics> m(new Metrics());
  if (!options.listen_address.empty()) {
    try {
      m->exposer_ =
          std::make_unique<prometheus::Exposer>(options.listen_address);
    } catch (const std::exception& e) {
      return absl::UnavailableError(
          absl::StrCat("metrics: could not listen on ", options.listen_address,
                       ": ", e.what()));
    }
    m->exposer_->RegisterCollectable(m->registry_);
    m->exposer_->RegisterCollectable(m->process_);
    m->exposer_->RegisterCollectable(m->allocator_);
    m->exposer_->RegisterCollectable(m->gauges_);
    const std::vector<int> ports = m->exposer_->GetListeningPorts();
    m->port_ = ports.empty() ? 0 : ports[0];
  }
  return m;
}

void Metrics::SetWorkers(int workers) { workers_.Set(workers); }

void Metrics::RpcStarted(const std::string& method) {
  rpcs_started_.Add({{"method", method}}).Increment();
  inflight_.Increment();
}

void Metrics::RpcHandled(const std::string& method, int code,
                         absl::Duration duration) {
  rpcs_handled_.Add({{"method", method}, {"code", CodeName(code)}}).Increment();
  rpc_duration_.Add({{"method", method}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
  inflight_.Decrement();
}

void Metrics::BatchDone(v1::OpCode op, const v1::ComputeSummary& summary) {
  const std::string name = ops::OperationName(op);
  rows_processed_.Add({{"op", name}}).Increment(summary.rows());
  compute_seconds_.Add({{"op", name}}).Increment(summary.worker_seconds());
  for (const auto& [code, n] : summary.row_errors_by_code()) {
    row_errors_.Add({{"op", name}, {"code", CodeName(code)}}).Increment(n);
  }
  batch_rows_.Observe(summary.rows());
}

void Metrics::JoinDone(const std::string& method,
                       const v1::JoinSummary& summary) {
  join_rows_.Add({{"method", method}}).Increment(summary.rows());
  join_pairs_.Add({{"method", method}}).Increment(summary.pairs());
  for (const auto& [code, n] : summary.row_errors_by_code()) {
    join_row_errors_.Add({{"method", method}, {"code", CodeName(code)}})
        .Increment(n);
  }
  if (summary.index_seconds() > 0) {
    set_build_seconds_.Observe(summary.index_seconds());
  }
}

void Metrics::SetLayerBytes(const std::string& layer, uint64_t bytes) {
  layer_bytes_.Add({{"layer", layer}}).Set(static_cast<double>(bytes));
}

void Metrics::OnTaskStart(absl::Duration queued) {
  queue_wait_.Observe(absl::ToDoubleSeconds(queued));
  workers_busy_.Increment();
}

void Metrics::OnTaskEnd(absl::Duration busy) {
  workers_busy_.Decrement();
  busy_seconds_.Increment(absl::ToDoubleSeconds(busy));
}

void Metrics::OnQueueDepth(size_t tasks) {
  queue_tasks_.Set(static_cast<double>(tasks));
}

void Metrics::AddGauge(std::string name, std::string help,
                       std::function<double()> read) {
  gauges_->Add(std::move(name), std::move(help), std::move(read));
}

std::string Metrics::Scrape() const {
  std::vector<prometheus::MetricFamily> families = registry_->Collect();
  for (const auto* c :
       {static_cast<const prometheus::Collectable*>(process_.get()),
        static_cast<const prometheus::Collectable*>(allocator_.get()),
        static_cast<const prometheus::Collectable*>(gauges_.get())}) {
    for (auto& f : c->Collect()) families.push_back(std::move(f));
  }
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace geosrpc::metrics
