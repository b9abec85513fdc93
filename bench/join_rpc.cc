// The bench's Join and Nearest driver: times calls end to end through the
// generated stub (no client library), from sending the request to having
// every pair in memory, and prints one line of JSON. With --server_pid it
// also reports the CPU time the server (every thread) and this client spend
// on each call: a figure less at the mercy of other work on the machine than
// the wall time.
//
// The batch `a` (uniform random points as WKB, bench_data.h, the same as the
// in-process baselines') is built once. The set is
//
//   layer:NAME     a layer the server loaded at start-up: `repeat` calls;
//   hexwkb:PATH    geometries read from hex-WKB lines and sent as WKB, or
//   random:N       N random points (--set_seed), sent as WKB:
//                  `cold` calls that send the geometries (the server digests,
//                  decodes and indexes them; the i-th adds i empty rows to
//                  the set, so that each has a digest the server has not
//                  seen), then `repeat` calls naming the first call's set by
//                  digest, then `resend` calls sending the same geometries
//                  again (the server finds them by digest).
//
//   join_rpc --target=127.0.0.1:50051 --mode=join --set=layer:countries
//   join_rpc --mode=nearest --set=random:10000 --bounds=0,0,1,1
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_data.h"
#include "geosrpc/v1/geometry_service.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Server address");
ABSL_FLAG(std::string, mode, "join", "join (intersects) or nearest");
ABSL_FLAG(std::string, set, "layer:countries",
          "layer:NAME, hexwkb:PATH or random:N");
ABSL_FLAG(int, rows, 1000000, "Points in `a`");
ABSL_FLAG(uint64_t, seed, 42, "Seed of `a` (the in-process baselines')");
ABSL_FLAG(uint64_t, set_seed, 7, "Seed of a random:N set");
ABSL_FLAG(std::string, bounds, "",
          "xmin,ymin,xmax,ymax the points are drawn from (default: the "
          "countries' bounds)");
ABSL_FLAG(int, repeat, 3, "Calls with the set held (layer or digest)");
ABSL_FLAG(int, cold, 1, "Calls that send a set the server must index");
ABSL_FLAG(int, resend, 0, "Calls that send the held set's geometries again");
ABSL_FLAG(uint32_t, k, 1, "Nearest: neighbours per row");
ABSL_FLAG(bool, all_matches, true, "Nearest: ties with the k-th too");
ABSL_FLAG(uint32_t, chunk_rows, 0, "Rows of `a` per task (0: the server's)");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(10), "Deadline per call");
ABSL_FLAG(int, server_pid, 0,
          "The server's process id, to report the CPU time it spends on each "
          "call (0: not reported)");

namespace geosrpc::bench {
namespace {

v1::GeometryBatch BatchOf(const WkbRows& rows) {
  v1::GeometryBatch batch;
  batch.set_encoding(v1::ENCODING_WKB);
  batch.set_data(rows.data);
  batch.mutable_offsets()->Add(rows.offsets.begin(), rows.offsets.end());
  return batch;
}

struct Call {
  double seconds = 0;     // End to end.
  double server_cpu = 0;  // CPU seconds, when --server_pid is given.
  double client_cpu = 0;  // This process's CPU seconds.
  grpc::Status status;
  v1::JoinSummary summary;
  uint64_t pairs = 0;  // Received.
  uint64_t hash = 0;
  uint64_t error_rows = 0;
};

// One call, timed from the request's send to the status, keeping every
// pair as a client would.
template <typename Request, typename Response, typename Method>
Call Time(v1::GeometryService::Stub* stub, Method method,
          const Request& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoSeconds(absl::GetFlag(FLAGS_timeout)));
  Call call;
  std::vector<uint64_t> a_rows, set_rows;
  const int server = absl::GetFlag(FLAGS_server_pid);
  const double server_start = server > 0 ? CpuSecondsOf(server).value_or(0) : 0;
  const double client_start = CpuSeconds();
  const absl::Time start = absl::Now();
  std::unique_ptr<grpc::ClientReader<Response>> reader =
      (stub->*method)(&context, request);
  Response response;
  while (reader->Read(&response)) {
    if (response.has_summary()) {
      call.summary = response.summary();
      continue;
    }
    const v1::PairChunk& chunk = response.chunk();
    a_rows.insert(a_rows.end(), chunk.a_rows().begin(), chunk.a_rows().end());
    set_rows.insert(set_rows.end(), chunk.set_rows().begin(),
                    chunk.set_rows().end());
    call.error_rows += chunk.errors_size();
  }
  call.status = reader->Finish();
  call.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  call.client_cpu = CpuSeconds() - client_start;
  if (server > 0) {
    call.server_cpu = CpuSecondsOf(server).value_or(0) - server_start;
  }
  call.pairs = a_rows.size();
  for (size_t i = 0; i < a_rows.size(); ++i) {
    call.hash += PairHash(a_rows[i], set_rows[i]);
  }
  return call;
}

// The requests of one mode, with `a` filled in once.
class Driver {
 public:
  Driver(std::shared_ptr<grpc::Channel> channel, const WkbRows& a)
      : stub_(v1::GeometryService::NewStub(channel)),
        nearest_(absl::GetFlag(FLAGS_mode) == "nearest") {
    v1::GeometryBatch batch = BatchOf(a);
    if (nearest_) {
      *nearest_request_.mutable_a() = std::move(batch);
      nearest_request_.set_k(absl::GetFlag(FLAGS_k));
      nearest_request_.set_all_matches(absl::GetFlag(FLAGS_all_matches));
      nearest_request_.set_chunk_rows(absl::GetFlag(FLAGS_chunk_rows));
    } else {
      *join_request_.mutable_a() = std::move(batch);
      join_request_.set_predicate(v1::JOIN_PREDICATE_INTERSECTS);
      join_request_.set_chunk_rows(absl::GetFlag(FLAGS_chunk_rows));
    }
  }

  v1::IndexedSet* set() {
    return nearest_ ? nearest_request_.mutable_set()
                    : join_request_.mutable_set();
  }

  Call Run() {
    using S = v1::GeometryService::Stub;
    return nearest_ ? Time<v1::NearestRequest, v1::NearestResponse>(
                          stub_.get(), &S::Nearest, nearest_request_)
                    : Time<v1::JoinRequest, v1::JoinResponse>(
                          stub_.get(), &S::Join, join_request_);
  }

 private:
  std::unique_ptr<v1::GeometryService::Stub> stub_;
  const bool nearest_;
  v1::JoinRequest join_request_;
  v1::NearestRequest nearest_request_;
};

std::string Seconds(const std::vector<double>& v) {
  return absl::StrCat("[",
                      absl::StrJoin(v, ", ",
                                    [](std::string* out, double d) {
                                      absl::StrAppend(
                                          out, absl::StrFormat("%.4f", d));
                                    }),
                      "]");
}

double Min(const std::vector<double>& v) {
  return v.empty() ? 0 : *std::min_element(v.begin(), v.end());
}

int Main() {
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode != "join" && mode != "nearest") {
    std::fprintf(stderr, "--mode must be join or nearest\n");
    return 2;
  }
  Bounds bounds = kCountriesBounds;
  if (!absl::GetFlag(FLAGS_bounds).empty()) {
    absl::StatusOr<Bounds> b = ParseBounds(absl::GetFlag(FLAGS_bounds));
    if (!b.ok()) {
      std::fprintf(stderr, "%s\n", b.status().ToString().c_str());
      return 2;
    }
    bounds = *b;
  }
  const std::string set_flag = absl::GetFlag(FLAGS_set);
  std::string layer;
  v1::GeometryBatch set_batch;
  if (absl::StartsWith(set_flag, "layer:")) {
    layer = set_flag.substr(6);
  } else if (absl::StartsWith(set_flag, "hexwkb:")) {
    absl::StatusOr<WkbRows> rows = ReadHexWkbLines(set_flag.substr(7));
    if (!rows.ok()) {
      std::fprintf(stderr, "%s\n", rows.status().ToString().c_str());
      return 2;
    }
    set_batch = BatchOf(*rows);
  } else if (int n; absl::StartsWith(set_flag, "random:") &&
                    absl::SimpleAtoi(set_flag.substr(7), &n) && n > 0) {
    set_batch = BatchOf(RandomPoints(n, bounds, absl::GetFlag(FLAGS_set_seed)));
  } else {
    std::fprintf(stderr, "--set must be layer:NAME, hexwkb:PATH or random:N\n");
    return 2;
  }

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(10))) {
    std::fprintf(stderr, "cannot connect to %s\n",
                 absl::GetFlag(FLAGS_target).c_str());
    return 1;
  }
  Driver driver(channel, RandomPoints(absl::GetFlag(FLAGS_rows), bounds,
                                      absl::GetFlag(FLAGS_seed)));

  std::vector<double> cold, cold_index, held, held_server, held_worker, resend;
  // CPU seconds of the held calls: server, client, both.
  std::vector<double> held_server_cpu, held_client_cpu, held_cpu;
  Call last;
  const auto check = [&](Call call, const char* what) {
    if (!call.status.ok()) {
      std::fprintf(stderr, "%s call: %d %s\n", what, call.status.error_code(),
                   call.status.error_message().c_str());
      return false;
    }
    last = std::move(call);
    return true;
  };
  std::string digest;
  if (layer.empty()) {
    // Empty rows change the digest, not the answer: the server leaves them
    // out of the index.
    static constexpr char kEmptyCollection[] = "\x01\x07\0\0\0\0\0\0\0";
    for (int i = 0; i < std::max(absl::GetFlag(FLAGS_cold), 1); ++i) {
      v1::GeometryBatch salted = set_batch;
      for (int e = 0; e < i; ++e) {
        salted.mutable_data()->append(kEmptyCollection, 9);
        salted.add_offsets(salted.data().size());
      }
      *driver.set()->mutable_geometries() = std::move(salted);
      if (!check(driver.Run(), "cold")) return 1;
      cold.push_back(last.seconds);
      cold_index.push_back(last.summary.index_seconds());
      if (i == 0) digest = last.summary.set().digest();
    }
  }
  for (int i = 0; i < absl::GetFlag(FLAGS_repeat); ++i) {
    if (layer.empty()) {
      driver.set()->set_digest(digest);
    } else {
      driver.set()->set_layer(layer);
    }
    if (!check(driver.Run(), layer.empty() ? "digest" : "layer")) return 1;
    held.push_back(last.seconds);
    held_server.push_back(last.summary.server_seconds());
    held_worker.push_back(last.summary.worker_seconds());
    held_server_cpu.push_back(last.server_cpu);
    held_client_cpu.push_back(last.client_cpu);
    held_cpu.push_back(last.server_cpu + last.client_cpu);
  }
  for (int i = 0; layer.empty() && i < absl::GetFlag(FLAGS_resend); ++i) {
    *driver.set()->mutable_geometries() = set_batch;
    if (!check(driver.Run(), "resend")) return 1;
    resend.push_back(last.seconds);
  }
  std::printf(
      "{\"mode\": \"%s\", \"set\": \"%s\", \"rows\": %d, \"held_s\": %.4f, "
      "\"held_server_s\": %.4f, \"held_worker_s\": %.4f, "
      "\"held_calls_s\": %s, "
      "\"held_cpu_s\": %.4f, \"held_server_cpu_s\": %.4f, "
      "\"held_client_cpu_s\": %.4f, \"cold_s\": "
      "%.4f, "
      "\"cold_index_s\": %.4f, \"cold_calls_s\": %s, \"resend_s\": %.4f, "
      "\"pairs\": %llu, \"pair_hash\": %llu, \"error_rows\": %llu, "
      "\"set_rows\": %llu, \"set_vertices\": %llu, \"set_bytes\": %llu}\n",
      mode.c_str(), set_flag.c_str(), absl::GetFlag(FLAGS_rows), Min(held),
      Min(held_server), Min(held_worker), Seconds(held).c_str(), Min(held_cpu),
      Min(held_server_cpu), Min(held_client_cpu), Min(cold), Min(cold_index),
      Seconds(cold).c_str(), Min(resend),
      static_cast<unsigned long long>(last.pairs),
      static_cast<unsigned long long>(last.hash),
      static_cast<unsigned long long>(last.error_rows),
      static_cast<unsigned long long>(last.summary.set().indexed()),
      static_cast<unsigned long long>(last.summary.set().vertices()),
      static_cast<unsigned long long>(last.summary.set().bytes()));
  return 0;
}

}  // namespace
}  // namespace geosrpc::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return geosrpc::bench::Main();
}
