// The bench's transform driver: times Compute calls of `transform` end to
// end through the generated stub (no client library), from sending the
// request to having every result row in memory, and prints one line of
// JSON. The rows are transform_inprocess's (random points from
// bench_data.h, or the geometries of a hex-WKB file), sent as WKB. The
// first call is reported apart: it is the one that makes each worker's
// transformation (later calls find it in the worker's cache). With
// --server_pid it also reports the server's CPU time for the timed calls.
//
//   transform_rpc --target=127.0.0.1:50051 --input=random:1000000
//       --bounds=-180,-85,180,85 --to_crs=EPSG:3857 --repeat=3
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_data.h"
#include "geosrpc/v1/geometry_service.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Server address");
ABSL_FLAG(std::string, input, "random:1000000",
          "random:N (points, --bounds, --seed) or hexwkb:PATH");
ABSL_FLAG(std::string, bounds, "-180,-85,180,85",
          "xmin,ymin,xmax,ymax random points are drawn from");
ABSL_FLAG(uint64_t, seed, 42, "Point seed (transform_inprocess's)");
ABSL_FLAG(std::string, from_crs, "EPSG:4326", "Source CRS");
ABSL_FLAG(std::string, to_crs, "EPSG:3857", "Target CRS");
ABSL_FLAG(int, repeat, 3, "Timed calls after the first; the best is kept");
ABSL_FLAG(absl::Duration, timeout, absl::Minutes(10), "Deadline per call");
ABSL_FLAG(int, server_pid, 0,
          "The server's process id, to report its CPU time (0: not "
          "reported)");

namespace geosrpc::bench {
namespace {

struct Call {
  double seconds = 0;
  double server_cpu = 0;
  grpc::Status status;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;
};

Call Time(v1::GeometryService::Stub* stub, const v1::ComputeRequest& request) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoSeconds(absl::GetFlag(FLAGS_timeout)));
  Call call;
  const int server = absl::GetFlag(FLAGS_server_pid);
  const double server_start = server > 0 ? CpuSecondsOf(server).value_or(0) : 0;
  const absl::Time start = absl::Now();
  std::unique_ptr<grpc::ClientReader<v1::ComputeResponse>> reader =
      stub->Compute(&context, request);
  v1::ComputeResponse response;
  while (reader->Read(&response)) {
    if (!response.has_chunk()) continue;
    const v1::ResultChunk& chunk = response.chunk();
    call.rows += chunk.row_count();
    call.bytes += chunk.geometries().data().size();
    call.errors += chunk.errors_size();
  }
  call.status = reader->Finish();
  call.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (server > 0) {
    call.server_cpu = CpuSecondsOf(server).value_or(0) - server_start;
  }
  return call;
}

int Main() {
  const std::string input = absl::GetFlag(FLAGS_input);
  WkbRows rows;
  size_t n = 0;
  if (absl::StartsWith(input, "random:") &&
      absl::SimpleAtoi(input.substr(7), &n)) {
    absl::StatusOr<Bounds> b = ParseBounds(absl::GetFlag(FLAGS_bounds));
    if (!b.ok()) {
      std::fprintf(stderr, "--bounds: %s\n", b.status().ToString().c_str());
      return 2;
    }
    rows = RandomPoints(n, *b, absl::GetFlag(FLAGS_seed));
  } else if (absl::StartsWith(input, "hexwkb:")) {
    absl::StatusOr<WkbRows> read = ReadHexWkbLines(input.substr(7));
    if (!read.ok()) {
      std::fprintf(stderr, "--input: %s\n", read.status().ToString().c_str());
      return 2;
    }
    rows = *std::move(read);
  } else {
    std::fprintf(stderr, "--input must be random:N or hexwkb:PATH\n");
    return 2;
  }
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_TRANSFORM);
  v1::TransformParams* params =
      request.mutable_operation()->mutable_transform();
  params->set_from_crs(absl::GetFlag(FLAGS_from_crs));
  params->set_to_crs(absl::GetFlag(FLAGS_to_crs));
  v1::GeometryBatch* a = request.mutable_a();
  a->set_encoding(v1::ENCODING_WKB);
  a->set_data(rows.data);
  a->mutable_offsets()->Add(rows.offsets.begin(), rows.offsets.end());

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  auto stub = v1::GeometryService::NewStub(grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args));
  const Call first = Time(stub.get(), request);
  if (!first.status.ok()) {
    std::fprintf(stderr, "transform: %s\n",
                 first.status.error_message().c_str());
    return 1;
  }
  Call best;
  best.seconds = 1e300;
  best.server_cpu = 1e300;
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    const Call call = Time(stub.get(), request);
    if (!call.status.ok()) {
      std::fprintf(stderr, "transform: %s\n",
                   call.status.error_message().c_str());
      return 1;
    }
    best.seconds = std::min(best.seconds, call.seconds);
    best.server_cpu = std::min(best.server_cpu, call.server_cpu);
    best.rows = call.rows;
    best.bytes = call.bytes;
    best.errors = call.errors;
  }
  std::printf(
      "{\"rows\": %zu, \"seconds\": %.4f, \"first_s\": %.4f, "
      "\"server_cpu_s\": %.4f, \"rows_per_s\": %.0f, \"result_rows\": %llu, "
      "\"bytes\": %llu, \"errors\": %llu}\n",
      rows.size(), best.seconds, first.seconds, best.server_cpu,
      rows.size() / best.seconds, static_cast<unsigned long long>(best.rows),
      static_cast<unsigned long long>(best.bytes),
      static_cast<unsigned long long>(best.errors));
  return 0;
}

}  // namespace
}  // namespace geosrpc::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return geosrpc::bench::Main();
}
