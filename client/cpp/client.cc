#include "client/cpp/client.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "client/cpp/batch.h"
#include "client/cpp/digest.h"

namespace geosrpc::client {

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

absl::StatusOr<std::unique_ptr<Client>> Client::Create(const Options& options) {
  if (options.target.empty()) {
    return absl::InvalidArgumentError("target is empty");
  }
  if (options.max_message_bytes <= 0) {
    return absl::InvalidArgumentError("max_message_bytes must be positive");
  }
  return std::unique_ptr<Client>(new Client(options));
}

Client::Client(const Options& options) : options_(options) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options.max_message_bytes);
  args.SetMaxSendMessageSize(options.max_message_bytes);
  if (options.retry_unavailable) {
    // The health check makes round_robin skip a draining server (it reports
    // NOT_SERVING first); other policies ignore it.
    args.SetServiceConfigJSON(R"({
      "healthCheckConfig": {"serviceName": "geosrpc.v1.GeometryService"},
      "methodConfig": [{
        "name": [{"service": "geosrpc.v1.GeometryService"}],
        "retryPolicy": {
          "maxAttempts": 5, "initialBackoff": "0.05s", "maxBackoff": "1s",
          "backoffMultiplier": 2,
          "retryableStatusCodes": ["UNAVAILABLE", "CANCELLED"]}}]})");
  }
  if (options.dedicated_connection) {
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  }
  if (!options.load_balancing_policy.empty()) {
    args.SetLoadBalancingPolicyName(options.load_balancing_policy);
  }
  channel_ = grpc::CreateCustomChannel(options.target,
                                       options.credentials
                                           ? options.credentials
                                           : grpc::InsecureChannelCredentials(),
                                       args);
  stub_ = v1::GeometryService::NewStub(channel_);
}

void Client::SetDeadline(grpc::ClientContext* context) const {
  if (options_.timeout != absl::InfiniteDuration()) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  }
}

namespace {

// How a call ended that got no response, when a retry is safe: the server
// never ran it (see Options::retry_unavailable).
bool RetryableBeforeResponse(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kCancelled;
}

// A call's final status, given how many chunks had arrived: a failure
// after some did is not retryable (part of the work was done), and says so.
absl::Status AfterChunks(absl::Status status, size_t chunks) {
  if (chunks == 0 || !RetryableBeforeResponse(status.code())) return status;
  return absl::AbortedError(
      absl::StrCat("call lost after ", chunks, " chunks: ", status.message()));
}

// Values start at `offset`; columns grow to fit (a reduction's one value,
// an expanding operation's parts) and are cut to the summary's count at the
// end.
template <typename T, typename Values>
void Place(std::vector<T>* column, size_t offset, const Values& values) {
  if (column->size() < offset + values.size()) {
    column->resize(offset + values.size());
  }
  for (int i = 0; i < values.size(); ++i) (*column)[offset + i] = values[i];
}

std::vector<std::string> Slices(const v1::BinaryColumn& col) {
  std::vector<std::string> out;
  for (int i = 0; i + 1 < col.offsets_size(); ++i) {
    out.push_back(
        col.data().substr(col.offsets(i), col.offsets(i + 1) - col.offsets(i)));
  }
  return out;
}

// Expanding operations' chunks, put in row order once all have arrived.
void AppendParts(std::vector<v1::ResultChunk>* chunks, ComputeResult* r) {
  std::sort(chunks->begin(), chunks->end(),
            [](const v1::ResultChunk& x, const v1::ResultChunk& y) {
              return x.row_offset() < y.row_offset();
            });
  for (const v1::ResultChunk& chunk : *chunks) {
    if (chunk.has_coordinates()) {
      r->source_rows.insert(r->source_rows.end(), chunk.source_rows().begin(),
                            chunk.source_rows().end());
      r->coordinate_chunks.push_back(chunk);
      continue;
    }
    if (chunk.has_doubles()) {  // get_coordinates: `width` per value.
      r->width = std::max<int>(1, chunk.doubles().width());
      r->doubles.insert(r->doubles.end(), chunk.doubles().values().begin(),
                        chunk.doubles().values().end());
    } else {
      const v1::BinaryColumn& col = chunk.geometries();
      r->binary_encoding = col.encoding();
      for (std::string& s : Slices(col)) r->binary.push_back(std::move(s));
    }
    r->source_rows.insert(r->source_rows.end(), chunk.source_rows().begin(),
                          chunk.source_rows().end());
  }
}

}  // namespace

size_t RowsOf(const v1::GeometryBatch& batch) {
  if (batch.encoding() != v1::ENCODING_COORDINATES) {
    return batch.offsets_size() > 0 ? batch.offsets_size() - 1 : 0;
  }
  const v1::CoordinateArray& c = batch.coordinates();
  if (c.kind() != v1::COORDINATE_KIND_POINT) {
    return c.geometry_offsets_size() > 0 ? c.geometry_offsets_size() - 1 : 0;
  }
  return c.coords().size() / (8 * (c.dimensions() == 3 ? 3 : 2));
}

template <typename Result>
absl::StatusOr<Result> Client::Retrying(
    const std::function<absl::StatusOr<Result>()>& once) {
  absl::Duration backoff = absl::Milliseconds(50);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<Result> result = once();
    // `once` fails UNAVAILABLE or CANCELLED only before any response
    // arrived (AfterChunks).
    if (result.ok() || !options_.retry_unavailable || attempt == 5 ||
        !RetryableBeforeResponse(result.status().code())) {
      return result;
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(1));
  }
}

absl::StatusOr<ComputeResult> Client::Compute(
    const v1::ComputeRequest& request) {
  return Retrying<ComputeResult>([&] { return ComputeOnce(request); });
}

namespace {

// A Compute call's results as they arrive, put together as ComputeResult.
class Assembler {
 public:
  // `rows`: the rows of the whole batch.
  explicit Assembler(size_t rows) : rows_(rows) {}

  // One chunk, its rows already counted from the start of the whole batch.
  void Add(v1::ResultChunk& chunk) {
    ++result_.chunks;
    result_.errors.insert(result_.errors.end(), chunk.errors().begin(),
                          chunk.errors().end());
    result_.group_errors.insert(result_.group_errors.end(),
                                chunk.group_errors().begin(),
                                chunk.group_errors().end());
    if (chunk.column_case() == v1::ResultChunk::COLUMN_NOT_SET) return;
    result_.column = chunk.column_case();
    mapping_ = chunk.mapping();
    if (mapping_ == v1::RESULT_MAPPING_PER_PART) {
      parts_.push_back(std::move(chunk));
      return;
    }
    const size_t at = chunk.row_offset();
    if (mapping_ == v1::RESULT_MAPPING_ONE_PER_GROUP) {
      Place(&result_.group_keys, at, chunk.group_keys());
    }
    switch (chunk.column_case()) {
      case v1::ResultChunk::kDoubles:
        result_.width = std::max<int>(1, chunk.doubles().width());
        Place(&result_.doubles, at * result_.width, chunk.doubles().values());
        break;
      case v1::ResultChunk::kBools:
        Place(&result_.bools, at, chunk.bools().values());
        break;
      case v1::ResultChunk::kInts:
        Place(&result_.ints, at, chunk.ints().values());
        break;
      case v1::ResultChunk::kGeometries:
        result_.binary_encoding = chunk.geometries().encoding();
        Place(&result_.binary, at, Slices(chunk.geometries()));
        break;
      case v1::ResultChunk::kEncoded:
        result_.binary_encoding = chunk.encoded().encoding();
        Place(&result_.binary, at, Slices(chunk.encoded()));
        break;
      case v1::ResultChunk::kStrings:
        Place(&result_.strings, at, chunk.strings().values());
        break;
      case v1::ResultChunk::kCoordinates:
        result_.coordinate_chunks.push_back(std::move(chunk));
        break;
      case v1::ResultChunk::COLUMN_NOT_SET:
        break;
    }
  }

  void SetSummary(const v1::ComputeSummary& summary) {
    result_.summary = summary;
  }
  size_t chunks() const { return result_.chunks; }

  // The result, once every chunk and the summary have arrived.
  ComputeResult Finish() && {
    if (!parts_.empty()) AppendParts(&parts_, &result_);
    std::sort(result_.coordinate_chunks.begin(),
              result_.coordinate_chunks.end(),
              [](const v1::ResultChunk& x, const v1::ResultChunk& y) {
                return x.row_offset() < y.row_offset();
              });
    result_.mapping = mapping_;
    // Every column holds a value per row (placeholders where rows failed
    // or never ran), per part, or the one value of a reduction.
    const size_t values = mapping_ == v1::RESULT_MAPPING_PER_PART
                              ? result_.source_rows.size()
                          : mapping_ == v1::RESULT_MAPPING_ONE_PER_BATCH ||
                                  mapping_ == v1::RESULT_MAPPING_ONE_PER_GROUP
                              ? result_.summary.result_rows()
                              : rows_;
    const v1::ResultChunk::ColumnCase column = result_.column;
    result_.doubles.resize(values * result_.width);
    result_.bools.resize(column == v1::ResultChunk::kBools ? values : 0);
    result_.ints.resize(column == v1::ResultChunk::kInts ? values : 0);
    result_.strings.resize(column == v1::ResultChunk::kStrings ? values : 0);
    if (column == v1::ResultChunk::kGeometries ||
        column == v1::ResultChunk::kEncoded) {
      result_.binary.resize(values);
    }
    if (column != v1::ResultChunk::kDoubles) result_.doubles.clear();
    const auto by_row = [](const v1::RowError& x, const v1::RowError& y) {
      return x.row() < y.row();
    };
    std::sort(result_.errors.begin(), result_.errors.end(), by_row);
    std::sort(result_.group_errors.begin(), result_.group_errors.end(), by_row);
    if (mapping_ == v1::RESULT_MAPPING_ONE_PER_GROUP) {
      result_.group_keys.resize(result_.summary.result_rows());
    }
    return std::move(result_);
  }

 private:
  const size_t rows_;
  ComputeResult result_;
  v1::ResultMapping mapping_ = v1::RESULT_MAPPING_ONE_PER_ROW;
  // Expanding operations' chunks, put in row order at the end.
  std::vector<v1::ResultChunk> parts_;
};

// A slice's chunk, its rows counted from `base` (the slice's first row in
// the whole batch) rather than from the slice's start.
void Rebase(size_t base, v1::ResultChunk* chunk) {
  if (base == 0) return;
  chunk->set_row_offset(chunk->row_offset() + base);
  for (v1::RowError& e : *chunk->mutable_errors()) e.set_row(e.row() + base);
  for (uint64_t& row : *chunk->mutable_source_rows()) row += base;
}

// `status` with the batch it is about named first.
absl::Status Named(absl::string_view batch, const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat(batch, ".", status.message()));
}

// One slice's summary added to the call's.
void AddSummary(const v1::ComputeSummary& part, v1::ComputeSummary* total) {
  total->set_rows(total->rows() + part.rows());
  total->set_error_rows(total->error_rows() + part.error_rows());
  total->set_chunks(total->chunks() + part.chunks());
  total->set_server_seconds(total->server_seconds() + part.server_seconds());
  total->set_worker_seconds(total->worker_seconds() + part.worker_seconds());
  total->set_result_rows(total->result_rows() + part.result_rows());
  for (const auto& [code, n] : part.row_errors_by_code()) {
    (*total->mutable_row_errors_by_code())[code] += n;
  }
}

}  // namespace

absl::StatusOr<ComputeResult> Client::ComputeOnce(
    const v1::ComputeRequest& request) {
  grpc::ClientContext context;
  SetDeadline(&context);
  Assembler assembler(RowsOf(request.a()));
  auto reader = stub_->Compute(&context, request);
  v1::ComputeResponse response;
  while (reader->Read(&response)) {
    if (response.has_summary()) {
      assembler.SetSummary(response.summary());
      continue;
    }
    assembler.Add(*response.mutable_chunk());
  }
  if (absl::Status s = FromGrpcStatus(reader->Finish()); !s.ok()) {
    return AfterChunks(std::move(s), assembler.chunks());
  }
  return std::move(assembler).Finish();
}

absl::StatusOr<ComputeResult> Client::ComputeStream(
    const v1::ComputeRequest& request, size_t batch_rows) {
  if (batch_rows == 0) {
    return absl::InvalidArgumentError("batch_rows must be positive");
  }
  if (request.group_keys_size() > 0) {
    return absl::InvalidArgumentError(
        "a grouped reduction takes the whole batch: use Compute()");
  }
  ASSIGN_OR_RETURN(const std::optional<v1::OperationInfo> info,
                   OperationOf(request.operation().op()));
  if (info.has_value() && info->reduces()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", info->name(), "' reduces the whole batch: use Compute()"));
  }
  // The slices, made once: a retry sends the same requests.
  const size_t rows = RowsOf(request.a());
  std::vector<v1::ComputeStreamRequest> slices;
  for (size_t begin = 0; begin < rows || slices.empty(); begin += batch_rows) {
    const size_t end = std::min(rows, begin + batch_rows);
    v1::ComputeStreamRequest& slice = slices.emplace_back();
    slice.set_id(slices.size() - 1);
    v1::ComputeRequest* r = slice.mutable_request();
    *r->mutable_operation() = request.operation();
    r->set_result_encoding(request.result_encoding());
    r->set_chunk_rows(request.chunk_rows());
    if (begin == 0 && end == rows) {  // One slice: the batches whole.
      *r->mutable_a() = request.a();
      if (request.has_b_rows()) *r->mutable_b_rows() = request.b_rows();
    } else {
      absl::StatusOr<v1::GeometryBatch> a = SliceBatch(request.a(), begin, end);
      if (!a.ok()) return Named("a", a.status());
      *r->mutable_a() = *std::move(a);
      if (request.has_b_rows()) {
        absl::StatusOr<v1::GeometryBatch> b =
            SliceBatch(request.b_rows(), begin, end);
        if (!b.ok()) return Named("b_rows", b.status());
        *r->mutable_b_rows() = *std::move(b);
      }
    }
    if (request.has_b_broadcast()) {
      *r->mutable_b_broadcast() = request.b_broadcast();
    }
  }
  return Retrying<ComputeResult>(
      [&] { return ComputeStreamOnce(slices, rows, batch_rows); });
}

absl::StatusOr<ComputeResult> Client::ComputeStreamOnce(
    const std::vector<v1::ComputeStreamRequest>& slices, size_t rows,
    size_t batch_rows) {
  grpc::ClientContext context;
  SetDeadline(&context);
  Assembler assembler(rows);
  auto stream = stub_->ComputeStream(&context);
  // Slices go while answers come back; a write fails only once the call
  // has ended, which Finish() then reports.
  std::thread writer([&] {
    for (const v1::ComputeStreamRequest& slice : slices) {
      if (!stream->Write(slice)) return;
    }
    stream->WritesDone();
  });
  v1::ComputeSummary summary;
  size_t summaries = 0;
  absl::Status failed;
  v1::ComputeStreamResponse response;
  while (stream->Read(&response)) {
    if (response.id() >= slices.size()) {
      failed = absl::InternalError(absl::StrCat(
          "an answer for batch ", response.id(), " of ", slices.size()));
      context.TryCancel();
      continue;
    }
    v1::ComputeResponse& inner = *response.mutable_response();
    if (inner.has_summary()) {
      const v1::ComputeSummary& part = inner.summary();
      if (part.has_status() && part.status().code() != 0 && failed.ok()) {
        // The slice's rows are lost: the whole call fails with its status.
        failed = absl::Status(
            static_cast<absl::StatusCode>(part.status().code()),
            absl::StrCat("rows ", response.id() * batch_rows, " to ",
                         std::min(rows, (response.id() + 1) * batch_rows), ": ",
                         part.status().message()));
        context.TryCancel();
      }
      AddSummary(part, &summary);
      ++summaries;
      continue;
    }
    if (!inner.has_chunk()) continue;
    Rebase(response.id() * batch_rows, inner.mutable_chunk());
    assembler.Add(*inner.mutable_chunk());
  }
  writer.join();
  const absl::Status finished = FromGrpcStatus(stream->Finish());
  if (!failed.ok()) return AfterChunks(failed, assembler.chunks());
  if (!finished.ok()) return AfterChunks(finished, assembler.chunks());
  if (summaries != slices.size()) {
    return absl::InternalError(absl::StrCat(
        summaries, " of ", slices.size(), " batches answered with a summary"));
  }
  assembler.SetSummary(summary);
  return std::move(assembler).Finish();
}

namespace {

// What differs between Join and Nearest calls.
template <typename Request>
struct PairCall;
template <>
struct PairCall<v1::JoinRequest> {
  using Response = v1::JoinResponse;
  static constexpr bool kNearest = false;
  static auto Start(v1::GeometryService::Stub* stub,
                    grpc::ClientContext* context,
                    const v1::JoinRequest& request) {
    return stub->Join(context, request);
  }
};
template <>
struct PairCall<v1::NearestRequest> {
  using Response = v1::NearestResponse;
  static constexpr bool kNearest = true;
  static auto Start(v1::GeometryService::Stub* stub,
                    grpc::ClientContext* context,
                    const v1::NearestRequest& request) {
    return stub->Nearest(context, request);
  }
};

// Whether pair x goes before pair y: by a row, then (Join) by set row or
// (Nearest) by distance and then set row. Nearest without distances keeps
// the server's order within a row (nearest first), so it compares a rows
// only and must be used with a stable sort.
struct PairOrder {
  const JoinResult& r;
  bool nearest;
  bool operator()(size_t x, size_t y) const {
    if (r.a_rows[x] != r.a_rows[y]) return r.a_rows[x] < r.a_rows[y];
    if (nearest) {
      if (r.distances.empty()) return false;
      if (r.distances[x] != r.distances[y]) {
        return r.distances[x] < r.distances[y];
      }
    }
    return r.set_rows[x] < r.set_rows[y];
  }
};

// The chunks' pairs into `r`, sorted. Each chunk holds its rows' pairs in
// order (PairChunk), so chunks in order of their first row are usually the
// whole order; a full sort is the fallback when they overlap.
void GatherPairs(std::vector<v1::PairChunk>* chunks, bool nearest,
                 JoinResult* r) {
  std::stable_sort(chunks->begin(), chunks->end(),
                   [](const v1::PairChunk& x, const v1::PairChunk& y) {
                     return x.a_rows(0) < y.a_rows(0);
                   });
  size_t n = 0;
  for (const v1::PairChunk& c : *chunks) n += c.a_rows_size();
  r->a_rows.reserve(n);
  r->set_rows.reserve(n);
  for (const v1::PairChunk& c : *chunks) {
    r->a_rows.insert(r->a_rows.end(), c.a_rows().begin(), c.a_rows().end());
    r->set_rows.insert(r->set_rows.end(), c.set_rows().begin(),
                       c.set_rows().end());
    r->distances.insert(r->distances.end(), c.distances().begin(),
                        c.distances().end());
  }
  if (r->distances.size() != n) r->distances.clear();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  const PairOrder before{*r, nearest};
  if (std::is_sorted(order.begin(), order.end(), before)) return;
  std::stable_sort(order.begin(), order.end(), before);
  JoinResult sorted;
  for (size_t i : order) {
    sorted.a_rows.push_back(r->a_rows[i]);
    sorted.set_rows.push_back(r->set_rows[i]);
    if (!r->distances.empty()) sorted.distances.push_back(r->distances[i]);
  }
  r->a_rows = std::move(sorted.a_rows);
  r->set_rows = std::move(sorted.set_rows);
  r->distances = std::move(sorted.distances);
}

}  // namespace

absl::StatusOr<JoinResult> Client::Join(const v1::JoinRequest& request,
                                        absl::string_view set_digest) {
  return Pairs(request, set_digest);
}

absl::StatusOr<JoinResult> Client::Nearest(const v1::NearestRequest& request,
                                           absl::string_view set_digest) {
  return Pairs(request, set_digest);
}

template <typename Request>
absl::StatusOr<JoinResult> Client::Pairs(const Request& request,
                                         absl::string_view set_digest) {
  if (!options_.digest_first || !request.set().has_geometries() ||
      request.set().geometries().ByteSizeLong() <
          options_.digest_first_min_bytes) {
    return PairsWithRetry(request);
  }
  const std::string digest = set_digest.empty()
                                 ? SetDigest(request.set().geometries())
                                 : std::string(set_digest);
  if (digest.empty()) return PairsWithRetry(request);  // Coordinates.
  if (SendWhole(digest)) {
    absl::StatusOr<JoinResult> result = PairsWithRetry(request);
    if (result.ok()) result->sent_whole = true;
    Learn(digest, /*missed=*/false, result);
    return result;
  }
  // A copy of the request but for its set (copying is cheap next to the
  // digest just computed, and the caller's request stays untouched).
  Request by_digest = request;
  by_digest.mutable_set()->set_digest(digest);
  absl::StatusOr<JoinResult> result = PairsWithRetry(by_digest);
  if (result.ok() || result.status().code() != absl::StatusCode::kNotFound ||
      !absl::StrContains(result.status().message(), digest)) {
    return result;
  }
  result = PairsWithRetry(request);
  if (result.ok()) result->digest_missed = true;
  Learn(digest, /*missed=*/true, result);
  return result;
}

bool Client::SendWhole(const std::string& digest) {
  MutexLock lock(&mu_);
  auto it = whole_calls_.find(digest);
  if (it == whole_calls_.end()) return false;
  if (--it->second <= 0) whole_calls_.erase(it);
  return true;
}

void Client::Learn(const std::string& digest, bool missed,
                   const absl::StatusOr<JoinResult>& result) {
  if (!result.ok()) return;
  const bool indexed = result->summary.index_seconds() > 0;
  MutexLock lock(&mu_);
  if (indexed) {
    // Some replica that lacked the set has it now.
    whole_calls_.erase(digest);
  } else if (missed) {
    // The set reached a replica that held it; the one that missed still
    // lacks it. (Bounded: a client with many sets forgets them all.)
    if (whole_calls_.size() >= 1024) whole_calls_.clear();
    whole_calls_[digest] = kMaxWholeCalls;
  }
}

template <typename Request>
absl::StatusOr<JoinResult> Client::PairsOnce(const Request& request) {
  grpc::ClientContext context;
  SetDeadline(&context);
  JoinResult result;
  std::vector<v1::PairChunk> chunks;
  auto reader = PairCall<Request>::Start(stub_.get(), &context, request);
  typename PairCall<Request>::Response response;
  bool any_response = false;
  while (reader->Read(&response)) {
    any_response = true;
    if (response.has_summary()) {
      result.summary = std::move(*response.mutable_summary());
      continue;
    }
    v1::PairChunk& chunk = *response.mutable_chunk();
    ++result.chunks;
    result.errors.insert(result.errors.end(), chunk.errors().begin(),
                         chunk.errors().end());
    if (chunk.a_rows_size() > 0) chunks.push_back(std::move(chunk));
  }
  if (absl::Status s = FromGrpcStatus(reader->Finish()); !s.ok()) {
    return AfterChunks(std::move(s),
                       any_response ? std::max<size_t>(result.chunks, 1) : 0);
  }
  GatherPairs(&chunks, PairCall<Request>::kNearest, &result);
  std::sort(result.errors.begin(), result.errors.end(),
            [](const v1::RowError& x, const v1::RowError& y) {
              return x.row() < y.row();
            });
  return result;
}

absl::StatusOr<v1::ListLayersResponse> Client::ListLayers() {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::ListLayersResponse response;
  if (absl::Status s = FromGrpcStatus(
          stub_->ListLayers(&context, v1::ListLayersRequest(), &response));
      !s.ok()) {
    return s;
  }
  return response;
}

absl::StatusOr<v1::ListOperationsResponse> Client::ListOperations() {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::ListOperationsResponse response;
  if (absl::Status s = FromGrpcStatus(stub_->ListOperations(
          &context, v1::ListOperationsRequest(), &response));
      !s.ok()) {
    return s;
  }
  return response;
}

absl::StatusOr<std::optional<v1::OperationInfo>> Client::OperationOf(
    v1::OpCode op) {
  {
    MutexLock lock(&mu_);
    if (operations_.has_value()) {
      const auto it = operations_->find(op);
      if (it == operations_->end()) return std::nullopt;
      return it->second;
    }
  }
  auto list = ListOperations();
  if (!list.ok()) return list.status();
  absl::flat_hash_map<int, v1::OperationInfo> by_op;
  for (const v1::OperationInfo& info : list->operations()) {
    by_op.emplace(info.op(), info);
  }
  MutexLock lock(&mu_);
  operations_ = std::move(by_op);
  const auto it = operations_->find(op);
  if (it == operations_->end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<v1::OperationInfo> Client::DescribeOperation(
    absl::string_view name) {
  auto list = ListOperations();
  if (!list.ok()) return list.status();
  for (const v1::OperationInfo& info : list->operations()) {
    if (absl::EqualsIgnoreCase(info.name(), name)) return info;
  }
  return absl::NotFoundError(
      absl::StrCat("the server offers no operation '", name, "'"));
}

}  // namespace geosrpc::client
