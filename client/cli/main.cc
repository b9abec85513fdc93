// geosrpc: command-line client.
//
//   geosrpc list
//   geosrpc compute --op=buffer --a=in.wkt --param=radius=0.5 [--b=... ]
//   geosrpc join --a=in.wkt (--set=set.geojson | --layer=NAME) \
//       --predicate=intersects [--distance=D] [--return_distance]
//   geosrpc nearest --a=in.wkt (--set=FILE | --layer=NAME) [--k=N] \
//       [--max_distance=D] [--exclusive] [--all_matches=false]
//       [--return_distance]
//   geosrpc layers
//   geosrpc demo [--rows=120000]
//
// Flags only configure; each subcommand is a function below.
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/flags.h"
#include "base/input/geometry_file.h"
#include "base/status_macros.h"
#include "client/cli/output.h"
#include "client/cpp/batch.h"
#include "client/cpp/client.h"
#include "client/datasets/datasets.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "Server address");
ABSL_FLAG(absl::Duration, timeout, absl::InfiniteDuration(),
          "Per-call timeout");
// compute
ABSL_FLAG(std::string, op, "", "Operation name (see `geosrpc list`)");
ABSL_FLAG(bool, markdown, false,
          "list: print the operations as Markdown (docs/operations.md)");
ABSL_FLAG(std::string, a, "", "File with geometries a ('-' for stdin)");
ABSL_FLAG(std::string, b, "",
          "File with geometries b: one geometry is broadcast, several are "
          "row-wise");
ABSL_FLAG(std::string, b_wkt, "", "A WKT geometry broadcast as b");
ABSL_FLAG(std::string, input_format, "auto",
          "auto, wkt (one per line), hex (hex WKB, one per line) or geojson "
          "(a FeatureCollection, Feature or geometry, or one per line)");
ABSL_FLAG(std::string, param, "",
          "Operation parameters as name=value, comma-separated; a value may "
          "hold commas (to_crs=PROJCRS[...])");
ABSL_FLAG(std::string, result_encoding, "wkt",
          "Encoding of geometry results: wkt, wkb or hex");
ABSL_FLAG(std::string, format, "csv", "Output format: csv or json");
ABSL_FLAG(uint64_t, stream_rows, 0,
          "compute: send --a (and row-wise --b) as slices of this many rows "
          "pipelined on one ComputeStream call, for inputs larger than one "
          "message or to overlap sending with the work; not for reductions "
          "(0: one Compute call)");
ABSL_FLAG(std::string, out, "-", "Output file ('-' for stdout)");
// join, nearest
ABSL_FLAG(std::string, set, "",
          "join, nearest: file with the indexed set (formats as --a)");
ABSL_FLAG(std::string, layer, "",
          "join, nearest: a layer the server loaded (see `geosrpc layers`)");
ABSL_FLAG(std::string, predicate, "intersects",
          "join: intersects, within, contains, overlaps, crosses, touches, "
          "covers, covered_by, contains_properly, dwithin or envelope; "
          "predicate(a row, set geometry)");
ABSL_FLAG(double, distance, 0, "join: the distance of --predicate=dwithin");
ABSL_FLAG(bool, return_distance, false,
          "join, nearest: also print each pair's distance");
ABSL_FLAG(uint32_t, k, 1, "nearest: the k nearest per row of a");
ABSL_FLAG(double, max_distance, 0,
          "nearest: only set geometries at most this far (0: any distance)");
ABSL_FLAG(bool, exclusive, false,
          "nearest: leave out set geometries equal to the row");
ABSL_FLAG(bool, all_matches, true,
          "nearest: also every geometry as near as the k-th (ties)");
ABSL_FLAG(uint64_t, max_pairs, 0,
          "join, nearest: fail past this many pairs (0: the server's limit)");
ABSL_FLAG(bool, digest_first, true,
          "join, nearest: send a large --set by digest first, whole only to "
          "a server that lacks it");
// demo
ABSL_FLAG(int, rows, 120000, "demo: random points");
ABSL_FLAG(int, repeat, 3, "demo: timed runs (the best is reported)");
ABSL_FLAG(uint64_t, seed, 42, "demo: random seed");

namespace geosrpc::cli {
namespace {

absl::StatusOr<std::unique_ptr<client::Client>> Connect() {
  return client::Client::Create(
      {.target = absl::GetFlag(FLAGS_server),
       .timeout = absl::GetFlag(FLAGS_timeout),
       .digest_first = absl::GetFlag(FLAGS_digest_first)});
}

// Writes `text` to --out.
void Emit(const std::string& text) {
  if (absl::GetFlag(FLAGS_out) == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    std::ofstream(absl::GetFlag(FLAGS_out), std::ios::binary) << text;
  }
}

absl::Status List() {
  auto c = Connect();
  if (!c.ok()) return c.status();
  auto list = (*c)->ListOperations();
  if (!list.ok()) return list.status();
  if (absl::GetFlag(FLAGS_markdown)) {
    std::fputs(cli::OperationsMarkdown(*list).c_str(), stdout);
    return absl::OkStatus();
  }
  for (const v1::OperationInfo& op : list->operations()) {
    std::printf(
        "%-22s arity=%u result=%s%s\n", op.name().c_str(), op.arity(),
        client::ShortName(
            *v1::ResultType_descriptor()->FindValueByNumber(op.result_type()))
            .c_str(),
        op.prepared_broadcast() ? " prepared" : "");
    for (const v1::ParameterInfo& p : op.parameters()) {
      std::printf("    %s.%s: %s = %s in %s\n", op.params_message().c_str(),
                  p.name().c_str(), p.type().c_str(), p.default_value().c_str(),
                  p.allowed().c_str());
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Encoding> ParseEncoding(absl::string_view name) {
  if (name == "wkt") return v1::ENCODING_WKT;
  if (name == "wkb") return v1::ENCODING_WKB;
  if (name == "hex") return v1::ENCODING_HEX_WKB;
  if (name == "geojson") return v1::ENCODING_GEOJSON;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown encoding '", name, "' (wkt, wkb, hex, geojson)"));
}

absl::Status Compute() {
  auto c = Connect();
  if (!c.ok()) return c.status();
  auto info = (*c)->DescribeOperation(absl::GetFlag(FLAGS_op));
  if (!info.ok()) return info.status();
  auto params = client::ParseParams(absl::GetFlag(FLAGS_param));
  if (!params.ok()) return params.status();
  v1::ComputeRequest request;
  auto op = client::MakeOperation(*info, *params);
  if (!op.ok()) return op.status();
  *request.mutable_operation() = *std::move(op);

  auto format = input::ParseInputFormat(absl::GetFlag(FLAGS_input_format));
  if (!format.ok()) return format.status();
  if (absl::GetFlag(FLAGS_a).empty()) {
    return absl::InvalidArgumentError("--a is required");
  }
  auto a = input::ReadGeometryFile(absl::GetFlag(FLAGS_a), *format);
  if (!a.ok()) return a.status();
  *request.mutable_a() = *std::move(a);

  if (!absl::GetFlag(FLAGS_b_wkt).empty()) {
    request.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKT);
    request.mutable_b_broadcast()->set_data(absl::GetFlag(FLAGS_b_wkt));
  } else if (!absl::GetFlag(FLAGS_b).empty()) {
    auto b = input::ReadGeometryFile(absl::GetFlag(FLAGS_b), *format);
    if (!b.ok()) return b.status();
    if (b->offsets_size() == 2) {
      request.mutable_b_broadcast()->set_encoding(b->encoding());
      request.mutable_b_broadcast()->set_data(b->data());
    } else {
      *request.mutable_b_rows() = *std::move(b);
    }
  }
  auto encoding = ParseEncoding(absl::GetFlag(FLAGS_result_encoding));
  if (!encoding.ok()) return encoding.status();
  request.set_result_encoding(*encoding);

  auto out_format = ParseOutputFormat(absl::GetFlag(FLAGS_format));
  if (!out_format.ok()) return out_format.status();
  const uint64_t stream_rows = absl::GetFlag(FLAGS_stream_rows);
  auto result = stream_rows > 0 ? (*c)->ComputeStream(request, stream_rows)
                                : (*c)->Compute(request);
  if (!result.ok()) return result.status();
  Emit(FormatResult(*result, *out_format));
  std::fprintf(stderr, "%zu rows, %zu errors, %zu chunks\n", result->rows(),
               result->errors.size(), result->chunks);
  return absl::OkStatus();
}

// --a and the set (--set or --layer) of a join or nearest search.
absl::Status ReadJoinInputs(v1::GeometryBatch* a, v1::IndexedSet* set) {
  auto format = input::ParseInputFormat(absl::GetFlag(FLAGS_input_format));
  if (!format.ok()) return format.status();
  if (absl::GetFlag(FLAGS_a).empty()) {
    return absl::InvalidArgumentError("--a is required");
  }
  auto rows = input::ReadGeometryFile(absl::GetFlag(FLAGS_a), *format);
  if (!rows.ok()) return rows.status();
  *a = *std::move(rows);
  const std::string& file = absl::GetFlag(FLAGS_set);
  const std::string& layer = absl::GetFlag(FLAGS_layer);
  if (file.empty() == layer.empty()) {
    return absl::InvalidArgumentError("give one of --set=FILE or --layer=NAME");
  }
  if (!layer.empty()) {
    set->set_layer(layer);
    return absl::OkStatus();
  }
  auto geometries = input::ReadGeometryFile(file, *format);
  if (!geometries.ok()) return geometries.status();
  *set->mutable_geometries() = *std::move(geometries);
  return absl::OkStatus();
}

// Prints the pairs to --out and a summary (and the set rows left out of
// the index) to stderr.
absl::Status PrintPairs(const absl::StatusOr<client::JoinResult>& result) {
  if (!result.ok()) return result.status();
  auto format = ParseOutputFormat(absl::GetFlag(FLAGS_format));
  if (!format.ok()) return format.status();
  Emit(FormatPairs(*result, *format));
  const v1::JoinSummary& summary = result->summary;
  for (const v1::RowError& e : summary.set_errors()) {
    std::fprintf(stderr, "set row %llu left out: %s\n",
                 static_cast<unsigned long long>(e.row()), e.message().c_str());
  }
  std::fprintf(stderr,
               "%zu pairs, %zu row errors, %zu chunks; set %s: %llu rows, "
               "%llu indexed%s\n",
               result->pairs(), result->errors.size(), result->chunks,
               summary.set().layer().empty() ? summary.set().digest().c_str()
                                             : summary.set().layer().c_str(),
               static_cast<unsigned long long>(summary.set().rows()),
               static_cast<unsigned long long>(summary.set().indexed()),
               result->digest_missed ? " (sent after a digest miss)" : "");
  return absl::OkStatus();
}

absl::Status Join() {
  v1::JoinRequest request;
  RETURN_IF_ERROR(ReadJoinInputs(request.mutable_a(), request.mutable_set()));
  auto predicate = client::ParseJoinPredicate(absl::GetFlag(FLAGS_predicate));
  if (!predicate.ok()) return predicate.status();
  request.set_predicate(*predicate);
  request.set_distance(absl::GetFlag(FLAGS_distance));
  request.set_return_distance(absl::GetFlag(FLAGS_return_distance));
  request.set_max_pairs(absl::GetFlag(FLAGS_max_pairs));
  auto c = Connect();
  if (!c.ok()) return c.status();
  return PrintPairs((*c)->Join(request));
}

absl::Status Nearest() {
  v1::NearestRequest request;
  RETURN_IF_ERROR(ReadJoinInputs(request.mutable_a(), request.mutable_set()));
  request.set_k(absl::GetFlag(FLAGS_k));
  if (absl::GetFlag(FLAGS_max_distance) != 0) {
    request.set_max_distance(absl::GetFlag(FLAGS_max_distance));
  }
  request.set_exclusive(absl::GetFlag(FLAGS_exclusive));
  request.set_all_matches(absl::GetFlag(FLAGS_all_matches));
  request.set_return_distance(absl::GetFlag(FLAGS_return_distance));
  request.set_max_pairs(absl::GetFlag(FLAGS_max_pairs));
  auto c = Connect();
  if (!c.ok()) return c.status();
  return PrintPairs((*c)->Nearest(request));
}

absl::Status Layers() {
  auto c = Connect();
  if (!c.ok()) return c.status();
  auto layers = (*c)->ListLayers();
  if (!layers.ok()) return layers.status();
  for (const v1::IndexedSetInfo& l : layers->layers()) {
    std::printf(
        "%-20s rows=%llu indexed=%llu vertices=%llu bytes=%llu "
        "bounds=[%s] %s\n",
        l.layer().c_str(), static_cast<unsigned long long>(l.rows()),
        static_cast<unsigned long long>(l.indexed()),
        static_cast<unsigned long long>(l.vertices()),
        static_cast<unsigned long long>(l.bytes()),
        absl::StrJoin(l.bounds(), ",",
                      [](std::string* out, double v) {
                        absl::StrAppend(out, cli::ShortestDouble(v));
                      })
            .c_str(),
        l.digest().c_str());
  }
  return absl::OkStatus();
}

// The seed workload: distance from random points to a 20-point multipoint
// buffered by 0.2 with 20 segments per quadrant. The buffer itself is
// computed by the server; the distance uses its prepared broadcast path.
absl::Status Demo() {
  auto c = Connect();
  if (!c.ok()) return c.status();
  const int rows = absl::GetFlag(FLAGS_rows);
  const datasets::SeedWorkload workload =
      datasets::MakeSeedWorkload(rows, absl::GetFlag(FLAGS_seed));

  auto operand = datasets::BufferedOperand(c->get(), workload);
  if (!operand.ok()) return operand.status();

  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_DISTANCE);
  request.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKB);
  request.mutable_b_broadcast()->set_data(*operand);
  *request.mutable_a() = datasets::PointBatch(workload.points, 0, rows);

  double best = 0;
  for (int run = 0; run < absl::GetFlag(FLAGS_repeat); ++run) {
    const absl::Time start = absl::Now();
    auto result = (*c)->Compute(request);
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!result.ok()) return result.status();
    if (!result->errors.empty()) {
      return absl::InternalError(result->errors[0].message());
    }
    const double rate = rows / seconds;
    best = std::max(best, rate);
    std::printf("run %d: %d rows in %.3f s = %.0f rows/s (server %.3f s)\n",
                run + 1, rows, seconds, rate, result->summary.server_seconds());
  }
  std::printf("best: %.0f rows/s\n", best);
  return absl::OkStatus();
}

}  // namespace
}  // namespace geosrpc::cli

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "geosrpc <list|compute|join|nearest|layers|demo> [flags]: client for "
      "geosrpc servers");
  geosrpc::ShowFlagsInHelp(absl::GetFlagReflectionHandle(FLAGS_server));
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string command = args.size() > 1 ? args[1] : "";
  absl::Status status;
  if (command == "list") {
    status = geosrpc::cli::List();
  } else if (command == "compute") {
    status = geosrpc::cli::Compute();
  } else if (command == "join") {
    status = geosrpc::cli::Join();
  } else if (command == "nearest") {
    status = geosrpc::cli::Nearest();
  } else if (command == "layers") {
    status = geosrpc::cli::Layers();
  } else if (command == "demo") {
    status = geosrpc::cli::Demo();
  } else {
    std::fprintf(stderr,
                 "usage: geosrpc <list|compute|join|nearest|layers|demo> "
                 "[flags]; "
                 "--help lists the flags\n");
    return 2;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "geosrpc: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
