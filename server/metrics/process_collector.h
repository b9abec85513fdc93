// Collectors read when /metrics is scraped: the Prometheus client
// conventions' process_* series for this process (from /proc), what the
// memory allocator holds, and gauges whose value a callback reads at that
// moment (bytes held in flight, by caches).
//
// Thread-safety: Collect may run on the exposer's thread while Add runs on
// another; callbacks must be thread-safe.
#ifndef GEOSRPC_SERVER_METRICS_PROCESS_COLLECTOR_H_
#define GEOSRPC_SERVER_METRICS_PROCESS_COLLECTOR_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "base/sync.h"

namespace geosrpc::metrics {

// process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds,
// process_start_time_seconds, and process_threads.
class ProcessCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

// geosrpc_allocator_bytes{allocator,state}: what malloc holds, so that RSS
// can be told apart into live objects, free memory the allocator keeps, and
// memory outside malloc. Under jemalloc (linked or preloaded; found through
// its mallctl): allocated (live objects), active (the pages they sit in),
// metadata, resident, mapped and retained (unmapped from RSS, kept as address
// space), as its stats.* define them. Under glibc's malloc (mallinfo2, which
// sums every arena): allocated (in use, mmapped chunks included), free (held
// in the arenas) and mapped (the arenas and mmapped chunks).
class AllocatorCollector : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

// Gauges read from callbacks at each scrape.
class CallbackGauges : public prometheus::Collectable {
 public:
  void Add(std::string name, std::string help, std::function<double()> read);
  // Forgets every gauge (before what the callbacks read is destroyed).
  void Clear();
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  struct Gauge {
    std::string name;
    std::string help;
    std::function<double()> read;
  };
  mutable Mutex mu_;
  std::vector<Gauge> gauges_ ABSL_GUARDED_BY(mu_);
};

}  // namespace geosrpc::metrics

#endif  // GEOSRPC_SERVER_METRICS_PROCESS_COLLECTOR_H_
