// Metrics: geosrpc's Prometheus series, and the HTTP endpoint that serves
// them (prometheus-cpp over civetweb; GET /metrics on its own port).
//
// Series (all prefixed geosrpc_): rpcs_started_total{method},
// rpcs_handled_total{method,code}, rpc_duration_seconds{method} (histogram),
// inflight_requests; rows_processed_total{op}, compute_seconds_total{op}
// (worker time), row_errors_total{op,code}, batch_rows (histogram);
// queue_tasks, queue_wait_seconds (histogram), workers, workers_busy,
// worker_busy_seconds_total (busy ratio = rate(...) / workers); build_info;
// join_rows_total{method}, join_pairs_total{method},
// join_row_errors_total{method,code}, set_build_seconds (histogram: building
// a sent set's index), layer_bytes{layer}; and, read at each scrape, the
// process_* series of the Prometheus client conventions
// (process_resident_memory_bytes, ...), allocator_bytes{allocator,state}
// (what malloc holds: see AllocatorCollector), and the gauges AddGauge
// registers (the server's: inflight_bytes, operand_cache_bytes, cached_sets,
// cached_set_bytes).
//
// Thread-safety: every method may be called from any thread.
#ifndef GEOSRPC_SERVER_METRICS_METRICS_H_
#define GEOSRPC_SERVER_METRICS_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/exec/worker_pool.h"
#include "server/metrics/process_collector.h"

namespace geosrpc::metrics {

class Metrics : public exec::PoolObserver {
 public:
  struct Options {
    // host:port for GET /metrics; port 0 picks one (see port()); empty
    // serves nothing (the series are still kept, e.g. for tests).
    std::string listen_address = "127.0.0.1:9464";
  };

  static absl::StatusOr<std::unique_ptr<Metrics>> Create(
      const Options& options);

  // The bound port, or 0 when not serving.
  int port() const { return port_; }

  void SetWorkers(int workers);

  void RpcStarted(const std::string& method);
  void RpcHandled(const std::string& method, int code, absl::Duration duration);
  // One batch's outcome (a Compute call, or one ComputeStream batch).
  void BatchDone(v1::OpCode op, const v1::ComputeSummary& summary);
  // One Join or Nearest call's outcome (`method`: "Join" or "Nearest").
  void JoinDone(const std::string& method, const v1::JoinSummary& summary);
  // The memory a layer loaded at start-up holds.
  void SetLayerBytes(const std::string& layer, uint64_t bytes);
  // A gauge whose value `read` gives at each scrape (thread-safe, fast).
  // ClearGauges() must run before what `read` reads is destroyed.
  void AddGauge(std::string name, std::string help,
                std::function<double()> read);
  void ClearGauges() { gauges_->Clear(); }

  // exec::PoolObserver.
  void OnTaskStart(absl::Duration queued) override;
  void OnTaskEnd(absl::Duration busy) override;
  void OnQueueDepth(size_t tasks) override;

  // The text exposition format, as GET /metrics returns it.
  std::string Scrape() const;

 private:
  Metrics();

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& rpcs_started_;
  prometheus::Family<prometheus::Counter>& rpcs_handled_;
  prometheus::Family<prometheus::Histogram>& rpc_duration_;
  prometheus::Gauge& inflight_;
  prometheus::Family<prometheus::Counter>& rows_processed_;
  prometheus::Family<prometheus::Counter>& compute_seconds_;
  prometheus::Family<prometheus::Counter>& row_errors_;
  prometheus::Histogram& batch_rows_;
  prometheus::Gauge& queue_tasks_;
  prometheus::Histogram& queue_wait_;
  prometheus::Gauge& workers_;
  prometheus::Gauge& workers_busy_;
  prometheus::Counter& busy_seconds_;
  prometheus::Family<prometheus::Counter>& join_rows_;
  prometheus::Family<prometheus::Counter>& join_pairs_;
  prometheus::Family<prometheus::Counter>& join_row_errors_;
  prometheus::Histogram& set_build_seconds_;
  prometheus::Family<prometheus::Gauge>& layer_bytes_;
  // Read at each scrape: the process_* series, the allocator's, and the
  // callback gauges.
  const std::shared_ptr<ProcessCollector> process_ =
      std::make_shared<ProcessCollector>();
  const std::shared_ptr<AllocatorCollector> allocator_ =
      std::make_shared<AllocatorCollector>();
  const std::shared_ptr<CallbackGauges> gauges_ =
      std::make_shared<CallbackGauges>();
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

}  // namespace geosrpc::metrics

#endif  // GEOSRPC_SERVER_METRICS_METRICS_H_
