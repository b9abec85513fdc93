// geosrpc-load: drives geosrpc servers and reports throughput and latency.
//
//   geosrpc-load --target=127.0.0.1:50051 --op=distance --batch_rows=1000 \
//       --concurrency=4 --duration=10s [--rate=200] [--json]
//   geosrpc-load --op=join --set=parcels.geojson --predicate=intersects
//   geosrpc-load --op=nearest --layer=parcels --k=3
//
// --op=join and --op=nearest probe an indexed set (--set=FILE, sent by
// digest first as the C++ client does, or --layer=NAME) with the dataset's
// rows, and the report adds pairs/s.
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
#include "absl/time/clock.h"
#include "base/flags.h"
#include "base/input/geometry_file.h"
#include "base/sync.h"
#include "client/cpp/batch.h"
#include "client/cpp/client.h"
#include "client/cpp/digest.h"
#include "client/datasets/datasets.h"

ABSL_FLAG(std::vector<std::string>, target, {"127.0.0.1:50051"},
          "Server address(es); several are balanced round_robin");
ABSL_FLAG(std::vector<std::string>, op, {"distance"},
          "Operation(s), or join / nearest against --set or --layer; several "
          "are sent in turn (a mixed workload)");
ABSL_FLAG(std::string, set, "",
          "join, nearest: file with the indexed set (WKT lines, hex WKB "
          "lines or GeoJSON)");
ABSL_FLAG(std::string, layer, "",
          "join, nearest: a layer the servers loaded at start-up");
ABSL_FLAG(std::string, predicate, "intersects",
          "join: Shapely's predicate name (intersects, within, contains, "
          "..., dwithin, envelope)");
ABSL_FLAG(double, distance, 0.5, "join: the distance of dwithin");
ABSL_FLAG(uint32_t, k, 1, "nearest: neighbours per row");
ABSL_FLAG(std::string, dataset, "seed",
          "seed (random points; b = the buffered 20-point multipoint), "
          "polygons (random 32-gons; b = the same), or file:PATH (WKT lines, "
          "hex WKB lines or GeoJSON, sent whole as each request's a)");
ABSL_FLAG(std::string, param, "",
          "Parameters name=value, comma-separated (a value may hold commas), "
          "applied to the operations that take them");
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
  uint64_t pairs;
};

struct Caller {
  std::vector<Sample> samples;
};

// One kind of call of the workload: a Compute, a Join or a Nearest.
struct Call {
  enum class Kind { kCompute, kJoin, kNearest };
  Kind kind = Kind::kCompute;
  v1::ComputeRequest compute;
  v1::JoinRequest join;
  v1::NearestRequest nearest;
  // SetDigest of a sent set, computed once for every call.
  std::string set_digest;
};

struct Outcome {
  absl::Status status;
  uint64_t rows = 0;
  uint64_t pairs = 0;
};

Outcome Send(client::Client* c, const Call& call) {
  switch (call.kind) {
    case Call::Kind::kCompute: {
      auto result = c->Compute(call.compute);
      if (!result.ok()) return {result.status()};
      return {absl::OkStatus(), result->rows(), 0};
    }
    case Call::Kind::kJoin:
    case Call::Kind::kNearest: {
      auto result = call.kind == Call::Kind::kJoin
                        ? c->Join(call.join, call.set_digest)
                        : c->Nearest(call.nearest, call.set_digest);
      if (!result.ok()) return {result.status()};
      return {absl::OkStatus(), result->summary.rows(), result->pairs()};
    }
  }
  return {absl::InternalError("unknown call kind")};
}

// The indexed set of --op=join and --op=nearest: --set or --layer.
absl::StatusOr<v1::IndexedSet> JoinSet() {
  const std::string& file = absl::GetFlag(FLAGS_set);
  const std::string& layer = absl::GetFlag(FLAGS_layer);
  if (file.empty() == layer.empty()) {
    return absl::InvalidArgumentError(
        "--op=join and --op=nearest take one of --set=FILE or --layer=NAME");
  }
  v1::IndexedSet set;
  if (!layer.empty()) {
    set.set_layer(layer);
    return set;
  }
  auto rows = input::ReadGeometryFile(file, input::InputFormat::kAuto);
  if (!rows.ok()) return rows.status();
  *set.mutable_geometries() = *std::move(rows);
  return set;
}

absl::StatusOr<std::vector<Call>> BuildCalls(client::Client* c) {
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
  auto parsed = client::ParseParams(absl::GetFlag(FLAGS_param));
  if (!parsed.ok()) return parsed.status();
  const std::vector<std::pair<std::string, std::string>>& params = *parsed;
  std::vector<Call> out;
  for (const std::string& name : absl::GetFlag(FLAGS_op)) {
    if (name == "join" || name == "nearest") {
      auto set = JoinSet();
      if (!set.ok()) return set.status();
      Call call;
      if (set->has_geometries()) {
        call.set_digest = client::SetDigest(set->geometries());
      }
      if (name == "join") {
        call.kind = Call::Kind::kJoin;
        auto predicate =
            client::ParseJoinPredicate(absl::GetFlag(FLAGS_predicate));
        if (!predicate.ok()) return predicate.status();
        call.join.set_predicate(*predicate);
        if (*predicate == v1::JOIN_PREDICATE_DWITHIN) {
          call.join.set_distance(absl::GetFlag(FLAGS_distance));
        }
        *call.join.mutable_a() = a;
        *call.join.mutable_set() = *std::move(set);
      } else {
        call.kind = Call::Kind::kNearest;
        call.nearest.set_k(absl::GetFlag(FLAGS_k));
        *call.nearest.mutable_a() = a;
        *call.nearest.mutable_set() = *std::move(set);
      }
      out.push_back(std::move(call));
      continue;
    }
    auto info = c->DescribeOperation(name);
    if (!info.ok()) return info.status();
    // Each operation takes the parameters it knows.
    std::vector<std::pair<std::string, std::string>> own;
    for (const auto& kv : params) {
      for (const auto& p : info->parameters()) {
        if (p.name() == kv.first) own.push_back(kv);
      }
    }
    Call call;
    v1::ComputeRequest& r = call.compute;
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
    out.push_back(std::move(call));
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
  auto calls = BuildCalls(clients[0].get());
  if (!calls.ok()) return calls.status();

  const int concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  const double rate = absl::GetFlag(FLAGS_rate);
  const int64_t max_requests = absl::GetFlag(FLAGS_requests);
  const absl::Time start = absl::Now();
  const absl::Time measure_from = start + absl::GetFlag(FLAGS_warmup);
  const absl::Time end = measure_from + absl::GetFlag(FLAGS_duration);
  std::atomic<int64_t> next{0}, measured{0}, measured_rows{0},
      measured_pairs{0};
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
        const Call& call = (*calls)[ticket % calls->size()];
        Outcome outcome;
        if (absl::GetFlag(FLAGS_grpc_floor)) {
          outcome.status = c->ListOperations().status();
        } else {
          outcome = Send(c, call);
        }
        const absl::Time done = absl::Now();
        if (due < measure_from) continue;
        callers[t].samples.push_back({done - due,
                                      static_cast<int>(outcome.status.code()),
                                      outcome.rows, outcome.pairs});
        measured.fetch_add(1);
        measured_rows.fetch_add(outcome.rows);
        measured_pairs.fetch_add(outcome.pairs);
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
  uint64_t pairs = 0;
  for (const Caller& c : callers) {
    for (const Sample& s : c.samples) {
      latencies.push_back(s.latency);
      ++codes[s.code];
      rows += s.rows;
      pairs += s.pairs;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  const double seconds = absl::ToDoubleSeconds(stopped - measure_from);
  const double rps = latencies.size() / seconds;
  const double rows_ps = rows / seconds;
  const double pairs_ps = pairs / seconds;
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
        "\"pairs\": %llu, \"pairs_per_second\": %.1f, "
        "\"latency_ms\": {\"min\": %.3f, \"p50\": %.3f, \"p90\": %.3f, "
        "\"p99\": %.3f, \"max\": %.3f}, \"codes\": {%s}}\n",
        absl::StrJoin(absl::GetFlag(FLAGS_op), ",").c_str(),
        absl::GetFlag(FLAGS_batch_rows), concurrency, rate, seconds,
        latencies.size(), rps, rows_ps, static_cast<unsigned long long>(pairs),
        pairs_ps, latencies.empty() ? 0 : Ms(latencies.front()),
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
    if (pairs > 0) {
      std::printf("%llu pairs: %.0f pairs/s\n",
                  static_cast<unsigned long long>(pairs), pairs_ps);
    }
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
