// The bench's transform driver: times Compute calls of `transform` end to
// end through the generated stub (no client library), from sending the
// request to having every result row in memory, and prints one line of
// JSON. The rows are transform_inprocess's (random points from
// bench_data.h, or the geometries of a hex-WKB file), sent as WKB and
// answered as WKB; with --coordinates (random points only) they are sent
// as one CoordinateArray of kind POINT (x, y interleaved, as a numpy
// (n, 2) array holds them) and answered as one CoordinateArray a chunk
// (result_encoding ENCODING_COORDINATES). The request is built before the
// calls. The first call is reported apart: it is the one that makes each
// worker's transformation (later calls find it in the worker's cache); its
// responses are kept and, after its time is taken, digested (xy_sum_milli,
// bench_data.h's XySum, to compare with transform_inprocess's). With
// --server_pid it also reports the server's CPU time for the timed calls.
// first_chunk_s is the time to the first result chunk: what goes before
// the pipeline fills (sending and parsing the request, the first chunk's
// work). With --slices=N the rows go as N batches pipelined on one
// ComputeStream call instead, to see how much of that sending and parsing
// overlaps with the work.
//
//   transform_rpc --target=127.0.0.1:50051 --input=random:1000000
//       --bounds=-180,-85,180,85 --to_crs=EPSG:3857 --repeat=3
//   transform_rpc --target=127.0.0.1:50051 --input=random:1000000
//       --bounds=-180,-85,180,85 --to_crs=EPSG:3857 --coordinates
//       [--slices=4]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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
ABSL_FLAG(bool, coordinates, false,
          "Send the points as a CoordinateArray (kind POINT, 2D) and ask for "
          "coordinate results (ENCODING_COORDINATES), not WKB; random:N "
          "input only");
ABSL_FLAG(int, slices, 0,
          "Send the rows as this many batches (points by count, WKB rows by "
          "bytes), pipelined on one ComputeStream call, instead of one "
          "Compute call (0: one Compute call)");
ABSL_FLAG(int, chunk_rows, 0,
          "Rows per result chunk (ComputeRequest.chunk_rows; 0: the "
          "server's choice)");

namespace geosrpc::bench {
namespace {

struct Call {
  double seconds = 0;
  double first_chunk_seconds = 0;  // Until the first result chunk is read.
  double server_cpu = 0;
  grpc::Status status;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t errors = 0;
};

// XySum over the result values of `responses` (every coordinate of the rows
// without error); false if a WKB value cannot be read.
bool Digest(const std::vector<v1::ComputeResponse>& responses, uint64_t* sum) {
  for (const v1::ComputeResponse& response : responses) {
    if (!response.has_chunk()) continue;
    const v1::ResultChunk& chunk = response.chunk();
    if (chunk.has_coordinates()) {
      // Failed rows hold NaN, NaN, which XySum leaves out.
      const std::string& bytes = chunk.coordinates().coords();
      const size_t dims = chunk.coordinates().dimensions() == 3 ? 3 : 2;
      const size_t n = bytes.size() / (8 * dims);
      for (size_t i = 0; i < n; ++i) {
        double xy[2];
        std::memcpy(xy, bytes.data() + 8 * dims * i, sizeof xy);
        *sum += XySum(xy[0], xy[1]);
      }
      continue;
    }
    const v1::BinaryColumn& g = chunk.geometries();
    for (int i = 0; i + 1 < g.offsets_size(); ++i) {
      if (g.offsets(i) == g.offsets(i + 1)) continue;  // A failed row.
      if (!AddWkbXySum(absl::string_view(g.data()).substr(
                           g.offsets(i), g.offsets(i + 1) - g.offsets(i)),
                       sum)) {
        return false;
      }
    }
  }
  return true;
}

// A call's clock and the server's CPU clock, started together; Stop fills
// `call`'s times.
class Stopwatch {
 public:
  Stopwatch()
      : server_(absl::GetFlag(FLAGS_server_pid)),
        server_start_(server_ > 0 ? CpuSecondsOf(server_).value_or(0) : 0),
        start_(absl::Now()) {}
  double Elapsed() const { return absl::ToDoubleSeconds(absl::Now() - start_); }
  void Stop(Call* call) const {
    call->seconds = Elapsed();
    if (server_ > 0) {
      call->server_cpu = CpuSecondsOf(server_).value_or(0) - server_start_;
    }
  }

 private:
  const int server_;
  const double server_start_;
  const absl::Time start_;
};

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoSeconds(absl::GetFlag(FLAGS_timeout)));
}

// Counts a result chunk into `call`.
void Count(const v1::ResultChunk& chunk, const Stopwatch& clock, Call* call) {
  if (call->first_chunk_seconds == 0) {
    call->first_chunk_seconds = clock.Elapsed();
  }
  call->rows += chunk.row_count();
  call->bytes += chunk.has_coordinates() ? chunk.coordinates().coords().size()
                                         : chunk.geometries().data().size();
  call->errors += chunk.errors_size();
}

// One call, timed until its last response is read. With `keep`, the
// responses are moved there (the first call's, digested afterwards).
Call Time(v1::GeometryService::Stub* stub, const v1::ComputeRequest& request,
          std::vector<v1::ComputeResponse>* keep = nullptr) {
  grpc::ClientContext context;
  SetDeadline(&context);
  Call call;
  const Stopwatch clock;
  std::unique_ptr<grpc::ClientReader<v1::ComputeResponse>> reader =
      stub->Compute(&context, request);
  v1::ComputeResponse response;
  while (reader->Read(&response)) {
    if (!response.has_chunk()) continue;
    Count(response.chunk(), clock, &call);
    if (keep != nullptr) keep->push_back(std::move(response));
  }
  call.status = reader->Finish();
  clock.Stop(&call);
  return call;
}

// The same as Time, for `requests` as batches of one ComputeStream call: a
// thread writes them while this one reads every response.
Call TimeStream(v1::GeometryService::Stub* stub,
                const std::vector<v1::ComputeStreamRequest>& requests,
                std::vector<v1::ComputeResponse>* keep = nullptr) {
  grpc::ClientContext context;
  SetDeadline(&context);
  Call call;
  const Stopwatch clock;
  std::shared_ptr<grpc::ClientReaderWriter<v1::ComputeStreamRequest,
                                           v1::ComputeStreamResponse>>
      stream = stub->ComputeStream(&context);
  std::thread writer([&] {
    for (const v1::ComputeStreamRequest& request : requests) {
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  v1::ComputeStreamResponse response;
  uint64_t summaries = 0;
  while (stream->Read(&response)) {
    if (response.response().has_summary()) {
      const v1::ComputeSummary& summary = response.response().summary();
      if (summary.has_status() && summary.status().code() != 0) {
        call.status = grpc::Status(grpc::StatusCode::INTERNAL,
                                   summary.status().message());
      }
      ++summaries;
      continue;
    }
    if (!response.response().has_chunk()) continue;
    Count(response.response().chunk(), clock, &call);
    if (keep != nullptr) {
      keep->push_back(std::move(*response.mutable_response()));
    }
  }
  writer.join();
  const grpc::Status finished = stream->Finish();
  if (call.status.ok()) call.status = finished;
  if (call.status.ok() && summaries != requests.size()) {
    call.status = grpc::Status(grpc::StatusCode::INTERNAL,
                               "a batch ended without its summary");
  }
  clock.Stop(&call);
  return call;
}

// `request`'s rows cut into `slices` requests, numbered from 0: points as
// coordinates by count (the last takes the rest), WKB rows by bytes (each
// slice ends at the first row boundary past its share of the data).
std::vector<v1::ComputeStreamRequest> Slices(const v1::ComputeRequest& request,
                                             int slices) {
  const v1::GeometryBatch& a = request.a();
  std::vector<v1::ComputeStreamRequest> out;
  size_t wkb_row = 0;  // The next WKB slice's first row.
  for (int i = 0; i < slices; ++i) {
    v1::ComputeStreamRequest& r = out.emplace_back();
    r.set_id(i);
    v1::ComputeRequest* slice = r.mutable_request();
    *slice->mutable_operation() = request.operation();
    slice->set_chunk_rows(request.chunk_rows());
    slice->set_result_encoding(request.result_encoding());
    slice->mutable_a()->set_encoding(a.encoding());
    if (a.has_coordinates()) {
      const v1::CoordinateArray& all = a.coordinates();
      const size_t width = 8 * all.dimensions();
      const size_t n = all.coords().size() / width;
      const size_t begin = n * i / slices;
      const size_t end = n * (i + 1) / slices;
      v1::CoordinateArray* array = slice->mutable_a()->mutable_coordinates();
      array->set_kind(all.kind());
      array->set_dimensions(all.dimensions());
      array->set_coords(
          all.coords().substr(begin * width, (end - begin) * width));
      continue;
    }
    const size_t rows = a.offsets_size() - 1;
    const uint64_t share = a.data().size() * (i + 1) / slices;
    const size_t begin = wkb_row;
    size_t end = begin;
    while (end < rows && (i + 1 == slices || a.offsets(end) < share)) ++end;
    wkb_row = end;
    if (begin == end) {  // A row longer than a share: no slice here.
      out.pop_back();
      continue;
    }
    slice->mutable_a()->set_data(
        a.data().substr(a.offsets(begin), a.offsets(end) - a.offsets(begin)));
    for (size_t row = begin; row <= end; ++row) {
      slice->mutable_a()->add_offsets(a.offsets(row) - a.offsets(begin));
    }
  }
  return out;
}

int Main() {
  const std::string input = absl::GetFlag(FLAGS_input);
  const bool coordinates = absl::GetFlag(FLAGS_coordinates);
  WkbRows rows;
  size_t n = 0;
  if (coordinates && !absl::StartsWith(input, "random:")) {
    std::fprintf(
        stderr,
        "--coordinates: only points are supported (--input=random:N)\n");
    return 2;
  }
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
  request.set_chunk_rows(absl::GetFlag(FLAGS_chunk_rows));
  v1::TransformParams* params =
      request.mutable_operation()->mutable_transform();
  params->set_from_crs(absl::GetFlag(FLAGS_from_crs));
  params->set_to_crs(absl::GetFlag(FLAGS_to_crs));
  v1::GeometryBatch* a = request.mutable_a();
  if (coordinates) {
    absl::StatusOr<std::vector<double>> xy = PointCoordinates(rows);
    if (!xy.ok()) {
      std::fprintf(stderr, "--coordinates: %s\n",
                   xy.status().ToString().c_str());
      return 2;
    }
    // The doubles as they lie in memory: little-endian on the machines
    // this runs on, as CoordinateArray wants.
    a->set_encoding(v1::ENCODING_COORDINATES);
    v1::CoordinateArray* array = a->mutable_coordinates();
    array->set_kind(v1::COORDINATE_KIND_POINT);
    array->set_dimensions(2);
    array->set_coords(reinterpret_cast<const char*>(xy->data()),
                      xy->size() * sizeof(double));
    request.set_result_encoding(v1::ENCODING_COORDINATES);
  } else {
    a->set_encoding(v1::ENCODING_WKB);
    a->set_data(rows.data);
    a->mutable_offsets()->Add(rows.offsets.begin(), rows.offsets.end());
  }

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  auto stub = v1::GeometryService::NewStub(grpc::CreateCustomChannel(
      absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), args));
  const int slices = absl::GetFlag(FLAGS_slices);
  if (slices < 0) {
    std::fprintf(stderr, "--slices: a count >= 0\n");
    return 2;
  }
  const std::vector<v1::ComputeStreamRequest> sliced =
      slices > 0 ? Slices(request, slices)
                 : std::vector<v1::ComputeStreamRequest>();
  auto time = [&](std::vector<v1::ComputeResponse>* keep) {
    return slices > 0 ? TimeStream(stub.get(), sliced, keep)
                      : Time(stub.get(), request, keep);
  };
  std::vector<v1::ComputeResponse> first_responses;
  const Call first = time(&first_responses);
  if (!first.status.ok()) {
    std::fprintf(stderr, "transform: %s\n",
                 first.status.error_message().c_str());
    return 1;
  }
  uint64_t xy_sum = 0;
  if (!Digest(first_responses, &xy_sum)) {
    std::fprintf(stderr, "transform: a result is not readable WKB\n");
    return 1;
  }
  first_responses.clear();
  Call best;
  best.seconds = 1e300;
  best.server_cpu = 1e300;
  for (int r = 0; r < absl::GetFlag(FLAGS_repeat); ++r) {
    const Call call = time(nullptr);
    if (!call.status.ok()) {
      std::fprintf(stderr, "transform: %s\n",
                   call.status.error_message().c_str());
      return 1;
    }
    if (call.seconds < best.seconds) {
      best.first_chunk_seconds = call.first_chunk_seconds;
    }
    best.seconds = std::min(best.seconds, call.seconds);
    best.server_cpu = std::min(best.server_cpu, call.server_cpu);
    best.rows = call.rows;
    best.bytes = call.bytes;
    best.errors = call.errors;
  }
  std::printf(
      "{\"encoding\": \"%s\", \"slices\": %d, \"rows\": %zu, "
      "\"seconds\": %.4f, \"first_chunk_s\": %.4f, \"first_s\": %.4f, "
      "\"server_cpu_s\": %.4f, \"rows_per_s\": %.0f, "
      "\"result_rows\": %llu, \"bytes\": %llu, \"errors\": %llu, "
      "\"xy_sum_milli\": %lld}\n",
      coordinates ? "coordinates" : "wkb", slices, rows.size(), best.seconds,
      best.first_chunk_seconds, first.seconds, best.server_cpu,
      rows.size() / best.seconds, static_cast<unsigned long long>(best.rows),
      static_cast<unsigned long long>(best.bytes),
      static_cast<unsigned long long>(best.errors),
      static_cast<long long>(xy_sum));
  return 0;
}

}  // namespace
}  // namespace geosrpc::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return geosrpc::bench::Main();
}
