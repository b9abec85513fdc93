#include "server/metrics/process_collector.h"

#include <dirent.h>
#include <dlfcn.h>
#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace geosrpc::metrics {
namespace {

prometheus::MetricFamily One(std::string name, std::string help,
                             prometheus::MetricType type, double value) {
  prometheus::MetricFamily family{std::move(name), std::move(help), type, {}};
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  family.metric.push_back(std::move(m));
  return family;
}

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Entries in /proc/self/fd, less the one the listing itself opens.
double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  int n = 0;
  while (readdir(dir) != nullptr) ++n;
  closedir(dir);
  return n - 3;  // ".", "..", and the listing's own descriptor.
}

// The soft "Max open files" of /proc/self/limits.
double MaxFds() {
  std::istringstream limits(ReadFile("/proc/self/limits"));
  std::string line;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) != 0) continue;
    const std::string soft_and_hard = line.substr(14);
    std::vector<absl::string_view> words =
        absl::StrSplit(soft_and_hard, ' ', absl::SkipEmpty());
    double v = 0;
    if (!words.empty() && absl::SimpleAtod(words[0], &v)) return v;
  }
  return 0;
}

// The system's boot time, seconds since the epoch (/proc/stat's btime).
double BootTime() {
  std::istringstream stat(ReadFile("/proc/stat"));
  std::string key;
  double value = 0;
  while (stat >> key) {
    if (key == "btime") {
      stat >> value;
      return value;
    }
  }
  return 0;
}

// jemalloc's control interface, when jemalloc is the process's malloc.
using MallctlFn = int (*)(const char*, void*, size_t*, void*, size_t);

MallctlFn FindMallctl() {
  static const MallctlFn mallctl =
      reinterpret_cast<MallctlFn>(dlsym(RTLD_DEFAULT, "mallctl"));
  return mallctl;
}

}  // namespace

std::vector<prometheus::MetricFamily> AllocatorCollector::Collect() const {
  prometheus::MetricFamily family{
      "geosrpc_allocator_bytes",
      "What the memory allocator holds, by state (allocated: live objects).",
      prometheus::MetricType::Gauge,
      {}};
  auto add = [&family](const char* allocator, const char* state, double value) {
    prometheus::ClientMetric m;
    m.label = {{"allocator", allocator}, {"state", state}};
    m.gauge.value = value;
    family.metric.push_back(std::move(m));
  };
  if (MallctlFn mallctl = FindMallctl(); mallctl != nullptr) {
    // The stats are a snapshot taken when the epoch advances.
    uint64_t epoch = 1;
    size_t epoch_size = sizeof epoch;
    mallctl("epoch", &epoch, &epoch_size, &epoch, epoch_size);
    for (const char* state : {"allocated", "active", "metadata", "resident",
                              "mapped", "retained"}) {
      size_t value = 0;
      size_t size = sizeof value;
      const std::string name = std::string("stats.") + state;
      if (mallctl(name.c_str(), &value, &size, nullptr, 0) == 0) {
        add("jemalloc", state, static_cast<double>(value));
      }
    }
  } else {
    const struct mallinfo2 info = mallinfo2();
    add("glibc", "allocated", static_cast<double>(info.uordblks + info.hblkhd));
    add("glibc", "free", static_cast<double>(info.fordblks));
    add("glibc", "mapped", static_cast<double>(info.arena + info.hblkhd));
  }
  return {std::move(family)};
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  // /proc/self/stat: fields after the command's closing parenthesis, from
  // field 3 (state); see proc(5).
  const std::string stat = ReadFile("/proc/self/stat");
  const size_t close = stat.rfind(')');
  std::vector<absl::string_view> f;
  if (close != std::string::npos) {
    f = absl::StrSplit(absl::string_view(stat).substr(close + 2), ' ');
  }
  auto field = [&f](size_t n) {  // proc(5) numbering, from 1.
    double v = 0;
    if (n >= 3 && n - 3 < f.size()) (void)absl::SimpleAtod(f[n - 3], &v);
    return v;
  };
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  using prometheus::MetricType;
  return {
      One("process_cpu_seconds_total",
          "Total user and system CPU time spent in seconds.",
          MetricType::Counter, (field(14) + field(15)) / ticks),
      One("process_resident_memory_bytes", "Resident memory size in bytes.",
          MetricType::Gauge, field(24) * page),
      One("process_virtual_memory_bytes", "Virtual memory size in bytes.",
          MetricType::Gauge, field(23)),
      One("process_start_time_seconds",
          "Start time of the process since unix epoch in seconds.",
          MetricType::Gauge, BootTime() + field(22) / ticks),
      One("process_open_fds", "Number of open file descriptors.",
          MetricType::Gauge, OpenFds()),
      One("process_max_fds", "Maximum number of open file descriptors.",
          MetricType::Gauge, MaxFds()),
      One("process_threads", "Number of threads of the process.",
          MetricType::Gauge, field(20)),
  };
}

void CallbackGauges::Add(std::string name, std::string help,
                         std::function<double()> read) {
  MutexLock lock(&mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(read)});
}

void CallbackGauges::Clear() {
  MutexLock lock(&mu_);
  gauges_.clear();
}

std::vector<prometheus::MetricFamily> CallbackGauges::Collect() const {
  MutexLock lock(&mu_);
  std::vector<prometheus::MetricFamily> out;
  for (const Gauge& g : gauges_) {
    out.push_back(One(g.name, g.help, prometheus::MetricType::Gauge, g.read()));
  }
  return out;
}

}  // namespace geosrpc::metrics
