// geosrpc-load: drives geosrpc servers and reports throughput and latency.
//
//   geosrpc-load --target=127.0.0.1:50051 --op=distance --batch_rows=1000 \
//       --concurrency=4 --duration=10s [--rate=200] [--json]
//
// Closed loop by default (each of --concurrency callers sends as soon as its
// previous call returns). With --rate, open loop: call i is due at
// start + i/rate and its latency counts from then, so queueing delay is not
// hidden when the server falls behind (no coordinated omission).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "base/flags.h"
#include "base/input/geometry_file.h"
#include "base/sync.h"
#include "client/cpp/batch.h"
#include "client/cpp/client.h"
#include "client/datasets/datasets.h"

ABSL_FLAG(std::vector<std::string>, target, {"127.0.0.1:50051"},
          "Server address(es); several are balanced round_robin");
ABSL_FLAG(std::vector<std::string>, op, {"distance"},
          "Operation(s); several are sent in turn (a mixed workload)");
ABSL_FLAG(std::string, dataset, "seed",
          "seed (random points; b = the buffered 20-point multipoint), "
          "polygons (random 32-gons; b = the same), or file:PATH (WKT lines, "
          "hex WKB lines or GeoJSON, sent whole as each request's a)");
ABSL_FLAG(std::vector<std::string>, param, {},
          "Parameters name=value, applied to the operations that take them");
ABSL_FLAG(int, batch_rows, 1000, "Rows per request");
ABSL_FLAG(int, concurrency, 4, "Calls in flight");
ABSL_FLAG(double, rate, 0, "Open-loop target requests/s (0 = closed loop)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "Measured time");
ABSL_FLAG(int64_t, requests, 0, "Stop after this many measured requests");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "Unmeasured lead-in");
ABSL_FLAG(int, connections, 1, "Separate connections (channels) to use");
ABSL_FLAG(uint64_t, seed, 42, "Dataset seed");
ABSL_FLAG(bool, json, false, "Print the report as JSON");
ABSL_FLAG(bool, progress, true, "A progress line each second on stderr");
ABSL_FLAG(bool, grpc_floor, false,
          "Call ListOperations instead of Compute: the gRPC round-trip floor "
          "to read the other latencies against");

namespace geosrpc::load {
namespace {

struct Sample {
  absl::Duration latency;
  int code;
  uint64_t rows;
};

struct Caller {
  std::vector<Sample> samples;
};

absl::StatusOr<std::vector<v1::ComputeRequest>> BuildRequests(
    client::Client* c) {
  const int rows = absl::GetFlag(FLAGS_batch_rows);
  const datasets::SeedWorkload seed =
      datasets::MakeSeedWorkload(rows, absl::GetFlag(FLAGS_seed));
  auto operand = datasets::BufferedOperand(c, seed);
  if (!operand.ok()) return operand.status();
  v1::GeometryBatch a;
  if (absl::GetFlag(FLAGS_dataset) == "seed") {
    a = datasets::PointBatch(seed.points, 0, seed.points.size());
  } else if (absl::GetFlag(FLAGS_dataset) == "polygons") {
    a = datasets::PolygonBatch(rows, 32, absl::GetFlag(FLAGS_seed));
  } else if (absl::StartsWith(absl::GetFlag(FLAGS_dataset), "file:")) {
    auto parsed = input::ReadGeometryFile(
        absl::GetFlag(FLAGS_dataset).substr(5), input::InputFormat::kAuto);
    if (!parsed.ok()) return parsed.status();
    a = *std::move(parsed);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown dataset '", absl::GetFlag(FLAGS_dataset), "'"));
  }
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string& p : absl::GetFlag(FLAGS_param)) {
    std::pair<std::string, std::string> kv = absl::StrSplit(p, '=');
    params.push_back(kv);
  }
  std::vector<v1::ComputeRequest> out;
  for (const std::string& name : absl::GetFlag(FLAGS_op)) {
    auto info = c->DescribeOperation(name);
    if (!info.ok()) return info.status();
    // Each operation takes the parameters it knows.
    std::vector<std::pair<std::string, std::string>> own;
    for (const auto& kv : params) {
      for (const auto& p : info->parameters()) {
        if (p.name() == kv.first) own.push_back(kv);
      }
    }
    v1::ComputeRequest r;
    auto op = client::MakeOperation(*info, own);
    if (!op.ok()) return op.status();
    *r.mutable_operation() = *op;
    if (info->op() == v1::OP_CODE_BUFFER && own.empty()) {
      r.mutable_operation()->mutable_buffer()->set_radius(0.1);
    }
    if (info->op() == v1::OP_CODE_DWITHIN && own.empty()) {
      r.mutable_operation()->mutable_distance()->set_distance(0.5);
    }
    *r.mutable_a() = a;
    if (info->arity() == 2) {
      r.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKB);
      r.mutable_b_broadcast()->set_data(*operand);
    }
    out.push_back(std::move(r));
  }
  return out;
}

absl::Duration Percentile(std::vector<absl::Duration>& sorted, double q) {
  if (sorted.empty()) return absl::ZeroDuration();
  const size_t i = std::min(sorted.size() - 1,
                            static_cast<size_t>(q * (sorted.size() - 1) + 0.5));
  return sorted[i];
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

absl::Status Run() {
  const std::vector<std::string> targets = absl::GetFlag(FLAGS_target);
  client::Client::Options options;
  if (targets.size() == 1) {
    options.target = targets[0];
  } else {
    options.target = absl::StrCat("ipv4:", absl::StrJoin(targets, ","));
    options.load_balancing_policy = "round_robin";
  }
  const int connections = std::max(1, absl::GetFlag(FLAGS_connections));
  std::vector<std::unique_ptr<client::Client>> clients;
  for (int i = 0; i < connections; ++i) {
    options.dedicated_connection = connections > 1;
    auto c = client::Client::Create(options);
    if (!c.ok()) return c.status();
    clients.push_back(*std::move(c));
  }
  auto requests = BuildRequests(clients[0].get());
  if (!requests.ok()) return requests.status();

  const int concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  const double rate = absl::GetFlag(FLAGS_rate);
  const int64_t max_requests = absl::GetFlag(FLAGS_requests);
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + absl::GetFlag(FLAGS_warmup);
  const absl::Time end = measure_from + absl::GetFlag(FLAGS_duration);
  std::atomic<int64_t> next{0}, measured{0}, measured_rows{0};
  std::vector<Caller> callers(concurrency);
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      client::Client* c = clients[t % connections].get();
      for (;;) {
        const int64_t ticket = next.fetch_add(1);
        absl::Time due = absl::Now();
        if (rate > 0) {
          due = start + absl::Seconds(ticket / rate);
          // Sleep to just short of the due time, then spin: a sleeping
          // thread wakes late (often by hundreds of microseconds on a VM),
          // and that delay would be charged to the server as latency.
          absl::SleepFor(due - absl::Now() - absl::Microseconds(300));
          while (absl::Now() < due) {
          }
        }
        if (due >= end ||
            (max_requests > 0 && measured.load() >= max_requests)) {
          return;
        }
        const v1::ComputeRequest& r = (*requests)[ticket % requests->size()];
        absl::Status status;
        uint64_t rows = 0;
        if (absl::GetFlag(FLAGS_grpc_floor)) {
          status = c->ListOperations().status();
        } else {
          auto result = c->Compute(r);
          status = result.status();
          if (result.ok()) rows = result->rows();
        }
        const absl::Time done = absl::Now();
        if (due < measure_from) continue;
        callers[t].samples.push_back(
            {done - due, static_cast<int>(status.code()), rows});
        measured.fetch_add(1);
        measured_rows.fetch_add(rows);
      }
    });
  }
  Notification finished;
  std::thread progress([&] {
    if (!absl::GetFlag(FLAGS_progress) || absl::GetFlag(FLAGS_json)) return;
    absl::Time last = absl::Now();
    int64_t last_rows = 0;
    while (!finished.HasBeenNotified()) {
      absl::SleepFor(absl::Seconds(1));
      const absl::Time now = absl::Now();
      const int64_t rows = measured_rows.load();
      std::fprintf(stderr, "\r%5.1fs  %8lld requests  %10.0f rows/s   ",
                   absl::ToDoubleSeconds(now - start),
                   static_cast<long long>(measured.load()),
                   (rows - last_rows) / absl::ToDoubleSeconds(now - last));
      last = now;
      last_rows = rows;
    }
    std::fprintf(stderr, "\n");
  });
  for (auto& th : threads) th.join();
  const absl::Time stopped = std::min(absl::Now(), end);
  finished.Notify();
  progress.join();

  std::vector<absl::Duration> latencies;
  std::map<int, int64_t> codes;
  uint64_t rows = 0;
  for (const Caller& c : callers) {
    for (const Sample& s : c.samples) {
      latencies.push_back(s.latency);
      ++codes[s.code];
      rows += s.rows;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  const double seconds = absl::ToDoubleSeconds(stopped - measure_from);
  const double rps = latencies.size() / seconds;
  const double rows_ps = rows / seconds;
  std::vector<std::string> code_text;
  for (const auto& [code, n] : codes) {
    code_text.push_back(absl::StrCat(
        "\"", absl::StatusCodeToString(static_cast<absl::StatusCode>(code)),
        "\": ", n));
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::printf(
        "{\"ops\": \"%s\", \"batch_rows\": %d, \"concurrency\": %d, "
        "\"rate\": %g, \"seconds\": %.3f, \"requests\": %zu, "
        "\"requests_per_second\": %.1f, \"rows_per_second\": %.1f, "
        "\"latency_ms\": {\"min\": %.3f, \"p50\": %.3f, \"p90\": %.3f, "
        "\"p99\": %.3f, \"max\": %.3f}, \"codes\": {%s}}\n",
        absl::StrJoin(absl::GetFlag(FLAGS_op), ",").c_str(),
        absl::GetFlag(FLAGS_batch_rows), concurrency, rate, seconds,
        latencies.size(), rps, rows_ps,
        latencies.empty() ? 0 : Ms(latencies.front()),
        Ms(Percentile(latencies, 0.5)), Ms(Percentile(latencies, 0.9)),
        Ms(Percentile(latencies, 0.99)),
        latencies.empty() ? 0 : Ms(latencies.back()),
        absl::StrJoin(code_text, ", ").c_str());
  } else {
    std::printf("ops %s, %d rows/request, concurrency %d, %s\n",
                absl::StrJoin(absl::GetFlag(FLAGS_op), ",").c_str(),
                absl::GetFlag(FLAGS_batch_rows), concurrency,
                rate > 0 ? absl::StrCat("open loop at ", rate, " req/s").c_str()
                         : "closed loop");
    std::printf("%zu requests in %.2f s: %.1f requests/s, %.0f rows/s\n",
                latencies.size(), seconds, rps, rows_ps);
    std::printf(
        "latency ms: min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
        latencies.empty() ? 0 : Ms(latencies.front()),
        Ms(Percentile(latencies, 0.5)), Ms(Percentile(latencies, 0.9)),
        Ms(Percentile(latencies, 0.99)),
        latencies.empty() ? 0 : Ms(latencies.back()));
    std::printf("codes: {%s}\n", absl::StrJoin(code_text, ", ").c_str());
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace geosrpc::load

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "geosrpc-load: throughput and latency of geosrpc servers");
  geosrpc::ShowFlagsInHelp(absl::GetFlagReflectionHandle(FLAGS_target));
  absl::ParseCommandLine(argc, argv);
  absl::Status s = geosrpc::load::Run();
  if (!s.ok()) {
    std::fprintf(stderr, "geosrpc-load: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
