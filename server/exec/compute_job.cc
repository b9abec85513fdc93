#include "server/exec/compute_job.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "server/exec/interrupt.h"

namespace geosrpc::exec {
namespace {

batch::Encoding ToBatchEncoding(v1::Encoding e) {
  switch (e) {
    case v1::ENCODING_WKT:
      return batch::Encoding::kWkt;
    case v1::ENCODING_HEX_WKB:
      return batch::Encoding::kHexWkb;
    case v1::ENCODING_GEOJSON:
      return batch::Encoding::kGeoJson;
    default:
      return batch::Encoding::kWkb;
  }
}

batch::BatchView ViewOf(const v1::GeometryBatch& b) {
  return {ToBatchEncoding(b.encoding()), b.data(),
          absl::MakeConstSpan(b.offsets())};
}

absl::Status CheckEncoding(v1::Encoding e, absl::string_view field) {
  if (v1::Encoding_IsValid(e)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": unknown encoding ", static_cast<int>(e)));
}

// Tasks per job stay bounded whatever chunk size a client asks for.
constexpr size_t kMaxChunksPerJob = 4096;

size_t ChooseChunkRows(size_t rows, size_t requested, int workers) {
  size_t chunk = requested;
  if (chunk == 0) {
    // Several chunks per worker balance uneven rows; large enough chunks keep
    // per-chunk overhead (a task, a message) negligible.
    chunk =
        std::clamp<size_t>((rows + 8 * workers - 1) / (8 * workers), 16, 1024);
  }
  return std::max<size_t>(
      {chunk, (rows + kMaxChunksPerJob - 1) / kMaxChunksPerJob, 1});
}

// Accumulates one ResultChunk's column and row errors.
class ChunkBuilder {
 public:
  // A reduction's chunks hold only row errors, except the one holding its
  // `reduced_value`.
  ChunkBuilder(const ops::OpSpec& spec, v1::Encoding geometry_encoding,
               geos::Context* context, bool reduced_value = false)
      : type_(spec.result),
        width_(spec.values_per_row),
        expands_(spec.expands),
        reduces_(spec.reducer != nullptr),
        has_column_(!reduces_ || reduced_value),
        encoding_(geometry_encoding),
        context_(context) {}

  // Starts a chunk at `row` unless one is open.
  void Open(size_t row) {
    if (chunk_) return;
    chunk_ = std::make_unique<v1::ResultChunk>();
    chunk_->set_row_offset(row);
    chunk_->set_mapping(reduces_   ? v1::RESULT_MAPPING_ONE_PER_BATCH
                        : expands_ ? v1::RESULT_MAPPING_PER_PART
                                   : v1::RESULT_MAPPING_ONE_PER_ROW);
    if (!has_column_) {
      binary_ = nullptr;
    } else if (type_ == ops::ResultType::kGeometry) {
      binary_ = chunk_->mutable_geometries();
      binary_->set_encoding(encoding_ == v1::ENCODING_UNSPECIFIED ? v1::ENCODING_WKB
                                                                  : encoding_);
    } else if (type_ == ops::ResultType::kBytes) {
      binary_ = chunk_->mutable_encoded();
    } else {
      binary_ = nullptr;
    }
    if (binary_ != nullptr) binary_->add_offsets(0);
    if (type_ == ops::ResultType::kDouble && width_ > 1) {
      chunk_->mutable_doubles()->set_width(width_);
    }
  }

  // Where a bytes kernel appends its output.
  std::string* bytes() { return binary_->mutable_data(); }

  // Records row `row`'s outcome: `value` when `status` is OK, else the error
  // with a placeholder. Returns the row's status code.
  int Add(size_t row, absl::Status status, ops::Value& value) {
    if (expands_) return AddParts(row, std::move(status), value);
    if (status.ok() && type_ == ops::ResultType::kGeometry) {
      status = WriteGeometry(value.geometry.get());
    }
    const bool ok = status.ok();
    switch (type_) {
      case ops::ResultType::kDouble: {
        constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
        auto* values = chunk_->mutable_doubles();
        values->add_values(ok ? value.number : kNaN);
        for (int i = 1; i < width_; ++i) {
          values->add_values(ok ? value.more[i - 1] : kNaN);
        }
        break;
      }
      case ops::ResultType::kString:
        chunk_->mutable_strings()->add_values(ok ? std::move(value.text)
                                                 : std::string());
        break;
      case ops::ResultType::kBool:
        chunk_->mutable_bools()->add_values(ok && value.flag);
        break;
      case ops::ResultType::kInt:
        chunk_->mutable_ints()->add_values(ok ? value.integer : 0);
        break;
      case ops::ResultType::kGeometry:
      case ops::ResultType::kBytes:
        if (!ok)
          binary_->mutable_data()->resize(binary_->offsets(
              binary_->offsets_size() - 1));  // Drop partial output.
        if (type_ == ops::ResultType::kBytes) {
          binary_->set_encoding(value.bytes_encoding);
        }
        binary_->add_offsets(binary_->data().size());
        break;
    }
    chunk_->set_row_count(chunk_->row_count() + 1);
    ++values_;
    return ok ? 0 : AddError(row, status);
  }

  // A reduction's one value.
  absl::Status AddReduced(const GEOSGeometry* result) {
    RETURN_IF_ERROR(WriteGeometry(result));
    binary_->add_offsets(binary_->data().size());
    chunk_->set_row_count(1);
    ++values_;
    return absl::OkStatus();
  }

  // Records a failed row without a value (expanding ops, reductions).
  int AddError(size_t row, const absl::Status& status) {
    v1::RowError* e = chunk_->add_errors();
    e->set_row(row);
    e->set_code(static_cast<int>(status.code()));
    e->set_message(std::string(status.message()));
    return e->code();
  }

  // Counts `row` as covered by the chunk without a value of its own.
  void Skip() { chunk_->set_row_count(chunk_->row_count() + 1); }

  size_t byte_size() const {
    if (binary_ != nullptr) return binary_->data().size();
    if (!has_column_) return chunk_->errors_size() * 64;
    if (type_ == ops::ResultType::kDouble) {
      return chunk_->doubles().values_size() * sizeof(double) +
             chunk_->source_rows_size() * sizeof(uint64_t);
    }
    return chunk_->row_count() * width_ * sizeof(double);
  }

  // Values written so far, over every chunk taken.
  uint64_t values() const { return values_; }

  std::unique_ptr<v1::ResultChunk> Take() {
    binary_ = nullptr;
    return std::move(chunk_);
  }

 private:
  // Every part of `row`, each its own value, or the row's error.
  int AddParts(size_t row, absl::Status status, ops::Value& value) {
    chunk_->set_row_count(chunk_->row_count() + 1);
    if (type_ == ops::ResultType::kDouble)
      return AddNumbers(row, status, value);
    const int offsets = binary_->offsets_size();
    const int sources = chunk_->source_rows_size();
    for (size_t i = 0; status.ok() && i < value.parts.size(); ++i) {
      status = WriteGeometry(value.parts[i].get());
      binary_->add_offsets(binary_->data().size());
      chunk_->add_source_rows(row);
    }
    if (status.ok()) {
      values_ += value.parts.size();
      return 0;
    }
    // Drop the row's partial output.
    binary_->mutable_offsets()->Truncate(offsets);
    binary_->mutable_data()->resize(binary_->offsets(offsets - 1));
    chunk_->mutable_source_rows()->Truncate(sources);
    return AddError(row, status);
  }

  // An expanding numeric row: value.width doubles per part.
  int AddNumbers(size_t row, const absl::Status& status,
                 const ops::Value& value) {
    if (!status.ok()) return AddError(row, status);
    v1::DoubleColumn* column = chunk_->mutable_doubles();
    column->set_width(value.width);
    column->mutable_values()->Add(value.numbers.begin(), value.numbers.end());
    const size_t parts = value.numbers.size() / value.width;
    for (size_t i = 0; i < parts; ++i) chunk_->add_source_rows(row);
    values_ += parts;
    return 0;
  }

  // Geometry results keep a non-zero SRID (extended WKB), so set_srid and
  // EWKB input round-trip.
  absl::Status WriteGeometry(const GEOSGeometry* g) {
    std::string* out = binary_->mutable_data();
    switch (encoding_) {
      case v1::ENCODING_WKT:
        return context_->WriteWkt(g, {}, out);
      case v1::ENCODING_GEOJSON:
        return context_->WriteGeoJson(g, -1, out);
      default:
        return context_->WriteWkb(
            g, {.include_srid = true, .hex = encoding_ == v1::ENCODING_HEX_WKB}, out);
    }
  }

  const ops::ResultType type_;
  const int width_;
  const bool expands_;
  const bool reduces_;
  const bool has_column_;
  uint64_t values_ = 0;
  const v1::Encoding encoding_;
  geos::Context* const context_;
  std::unique_ptr<v1::ResultChunk> chunk_;
  v1::BinaryColumn* binary_ = nullptr;
};

absl::Status RowInputError(absl::string_view operand, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(operand, ": ", s.message()));
}

// "rows 3, 17, 42, ... (120 rows)": the input rows of a strip of a
// partitioned reduction, smallest first.
std::string StripRows(const std::vector<size_t>& order, size_t begin,
                      size_t end) {
  std::vector<size_t> rows(order.begin() + begin, order.begin() + end);
  std::sort(rows.begin(), rows.end());
  constexpr size_t kShown = 8;
  std::string out = rows.size() == 1 ? "row " : "rows ";
  for (size_t i = 0; i < std::min(rows.size(), kShown); ++i) {
    absl::StrAppend(&out, i > 0 ? ", " : "", rows[i]);
  }
  if (rows.size() > kShown)
    absl::StrAppend(&out, ", ... (", rows.size(), " rows)");
  return out;
}

}  // namespace

absl::StatusOr<std::shared_ptr<ComputeJob>> ComputeJob::Start(
    WorkerPool* pool, const v1::ComputeRequest* request,
    const ComputeLimits& limits, absl::Time deadline, Callbacks callbacks,
    OperandCache* operands) {
  std::shared_ptr<ComputeJob> job(new ComputeJob());
  RETURN_IF_ERROR(job->Init(pool, request, limits, deadline,
                            std::move(callbacks), operands));
  return job;
}

absl::Status ComputeJob::Init(WorkerPool* pool,
                              const v1::ComputeRequest* request,
                              const ComputeLimits& limits, absl::Time deadline,
                              Callbacks callbacks, OperandCache* operands) {
  pool_ = pool;
  operands_ = operands;
  request_ = request;
  limits_ = limits;
  deadline_ = deadline;
  started_ = absl::Now();
  callbacks_ = std::move(callbacks);

  ASSIGN_OR_RETURN(spec_, ops::FindOperation(request->operation().op()));
  ASSIGN_OR_RETURN(params_, ops::ResolveParams(*spec_, request->operation()));
  RETURN_IF_ERROR(CheckEncoding(request->a().encoding(), "a"));
  RETURN_IF_ERROR(CheckEncoding(request->result_encoding(), "result_encoding"));

  const batch::BatchView a = ViewOf(request->a());
  RETURN_IF_ERROR(batch::ValidateShape(a, "a"));
  rows_ = a.size();
  if (rows_ > limits_.max_rows) {
    return absl::ResourceExhaustedError(
        absl::StrCat("batch has ", rows_, " rows; the limit is ",
                     limits_.max_rows, " (max_rows_per_batch)"));
  }

  std::optional<batch::BatchView> b;
  switch (request->b_case()) {
    case v1::ComputeRequest::B_NOT_SET:
      if (spec_->arity == 2) {
        return absl::InvalidArgumentError(
            absl::StrCat("operation '", spec_->name,
                         "' is binary: set b_broadcast or b_rows"));
      }
      break;
    case v1::ComputeRequest::kBBroadcast: {
      const v1::Geometry& g = request->b_broadcast();
      RETURN_IF_ERROR(CheckEncoding(g.encoding(), "b_broadcast"));
      if (g.data().empty()) {
        return absl::InvalidArgumentError("b_broadcast: empty geometry");
      }
      broadcast_ = true;
      broadcast_offsets_[1] = g.data().size();
      b = batch::BatchView{ToBatchEncoding(g.encoding()), g.data(),
                           absl::MakeConstSpan(broadcast_offsets_)};
      break;
    }
    case v1::ComputeRequest::kBRows:
      RETURN_IF_ERROR(CheckEncoding(request->b_rows().encoding(), "b_rows"));
      b = ViewOf(request->b_rows());
      RETURN_IF_ERROR(batch::ValidateShape(*b, "b_rows"));
      if (b->size() != rows_) {
        return absl::InvalidArgumentError(
            absl::StrCat("b_rows has ", b->size(), " rows but a has ", rows_));
      }
      break;
  }
  if (b.has_value() && spec_->arity == 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("operation '", spec_->name, "' is unary: leave b unset"));
  }

  chunk_rows_ =
      ChooseChunkRows(rows_, request->chunk_rows(), pool_->num_workers());
  const size_t key_chunk_rows = chunk_rows_;
  if (spec_->reducer != nullptr && request->chunk_rows() == 0) {
    // Every extra chunk is one more partial result for the final, serial
    // step to combine: one chunk per worker.
    const size_t workers = pool_->num_workers();
    chunk_rows_ = std::max<size_t>(1, (rows_ + workers - 1) / workers);
  }
  num_chunks_ = (rows_ + chunk_rows_ - 1) / chunk_rows_;
  if (spec_->reducer != nullptr) partials_.resize(num_chunks_);
  if (spec_->reducer != nullptr && request->chunk_rows() == 0 &&
      num_chunks_ > 1) {
    // Chunks of rows that lie apart reduce to partial results that barely
    // overlap, which the final step then combines cheaply; chunks of rows
    // in request order overlap everywhere (a union of two such halves can
    // cost more than the halves). So rows are first ordered by the x of
    // their envelope's centre, in parallel, and each chunk takes a strip.
    a_view_ = a;
    keys_.assign(rows_, std::numeric_limits<double>::quiet_NaN());
    const size_t key_tasks = (rows_ + key_chunk_rows - 1) / key_chunk_rows;
    auto self = shared_from_this();
    return Submit(std::make_shared<TaskGroup>(
                      key_tasks,
                      [self, key_chunk_rows](Worker& w, size_t task) {
                        self->ComputeKeys(
                            w, task * key_chunk_rows,
                            std::min(self->rows_, (task + 1) * key_chunk_rows));
                      },
                      [self] { self->StartPartitioned(); }),
                  /*admit=*/true, /*then=*/num_chunks_ + 1);
  }
  a_view_ = a;
  if (b.has_value() && !broadcast_) b_rows_view_ = b;
  if (broadcast_ && operands_ != nullptr) {
    b_ = operands_->Find(b->encoding, b->data);
  }
  if (!broadcast_ || b_ != nullptr) return SubmitCompute(/*admit=*/true);

  // The broadcast operand is shared by every worker: decode and freeze it
  // first, on a worker.
  b_builder_.emplace(*b, limits_.geometry);
  auto self = shared_from_this();
  return Submit(std::make_shared<TaskGroup>(
                    1,
                    [self](Worker& w, size_t) {
                      if (!self->CheckDeadline()) {
                        self->b_builder_->Decode(w.geos(), 0, 1);
                      }
                    },
                    [self] { self->StartCompute(); }),
                /*admit=*/true, /*then=*/std::max<size_t>(num_chunks_, 1));
}

absl::Status ComputeJob::Submit(std::shared_ptr<TaskGroup> group, bool admit,
                                size_t then) {
  {
    MutexLock lock(&mu_);
    current_ = group;
    if (!stop_reason_.ok()) group->Cancel();
  }
  absl::Status s = pool_->Submit(std::move(group), admit, then);
  if (!s.ok()) {
    MutexLock lock(&mu_);
    current_.reset();
  }
  return s;
}

bool ComputeJob::CheckDeadline() {
  if (absl::Now() <= deadline_) return false;
  Cancel(absl::DeadlineExceededError(absl::StrCat("deadline exceeded after ",
                                                  chunks_sent_.load(), " of ",
                                                  num_chunks_, " chunks")));
  return true;
}

bool ComputeJob::NextStage() {
  bool stopped;
  {
    MutexLock lock(&mu_);
    current_.reset();
    stopped = !stop_reason_.ok();
  }
  if (stopped) Finish();
  return !stopped;
}

void ComputeJob::StartCompute() {
  if (!NextStage()) return;

  // Freeze: the decode task has returned (the pool's completion orders it
  // before this call), so the operand can be published read-only.
  b_ = std::move(*b_builder_).Freeze();
  b_builder_.reset();
  if (!b_->status(0).ok()) {
    Cancel(absl::InvalidArgumentError(
        absl::StrCat("b_broadcast: ", b_->status(0).message())));
    return Finish();
  }
  if (operands_ != nullptr) {
    const v1::Geometry& g = request_->b_broadcast();
    operands_->Insert(ToBatchEncoding(g.encoding()), g.data(), b_);
  }
  // Continuation of admitted work: never refused.
  (void)SubmitCompute(/*admit=*/false);
}

absl::Status ComputeJob::SubmitCompute(bool admit) {
  auto self = shared_from_this();
  // At least one task, so that even an empty batch completes on a worker
  // rather than inside Start().
  return Submit(std::make_shared<TaskGroup>(
                    std::max<size_t>(num_chunks_, 1),
                    [self](Worker& w, size_t task) { self->Compute(w, task); },
                    [self] {
                      if (!self->NextStage()) return;
                      if (self->spec_->reducer == nullptr) {
                        return self->Finish();
                      }
                      // Continuation of admitted work: never refused.
                      (void)self->Submit(
                          std::make_shared<TaskGroup>(
                              1, [self](Worker& w, size_t) { self->Reduce(w); },
                              [self] {
                                if (self->NextStage()) self->Finish();
                              }),
                          /*admit=*/false);
                    }),
                admit);
}

void ComputeJob::ComputeKeys(Worker& worker, size_t begin, size_t end) {
  if (CheckDeadline()) return;
  geos::Context& context = worker.geos();
  batch::BatchView rows = a_view_;
  rows.offsets = a_view_.offsets.subspan(begin, end - begin + 1);
  batch::FrozenBatch::Builder builder(
      rows, limits_.geometry, batch::FrozenBatch::Builder::Sharing::kPrivate);
  builder.Decode(context, 0, end - begin);
  const auto decoded = std::move(builder).Freeze();
  for (size_t i = begin; i < end; ++i) {
    // Rows that fail to decode, and empties, keep NaN: they sort last and
    // report their errors when their chunk decodes them again.
    const GEOSGeometry* g = decoded->geometry(i - begin);
    double x0 = 0, x1 = 0;
    if (g != nullptr && GEOSisEmpty_r(context.handle(), g) == 0 &&
        GEOSGeom_getXMin_r(context.handle(), g, &x0) == 1 &&
        GEOSGeom_getXMax_r(context.handle(), g, &x1) == 1) {
      keys_[i] = (x0 + x1) / 2;
    }
  }
}

void ComputeJob::StartPartitioned() {
  if (!NextStage()) return;
  // Every key task has returned (the pool orders their completion before
  // this call), so keys_ is this thread's alone.
  order_.resize(rows_);
  std::iota(order_.begin(), order_.end(), size_t{0});
  auto key = [this](size_t row) {
    return std::isnan(keys_[row]) ? std::numeric_limits<double>::infinity()
                                  : keys_[row];
  };
  std::stable_sort(order_.begin(), order_.end(),
                   [&](size_t x, size_t y) { return key(x) < key(y); });
  keys_ = {};
  // Continuation of admitted work: never refused.
  (void)SubmitCompute(/*admit=*/false);
}

void ComputeJob::Reduce(Worker& worker) {
  if (CheckDeadline()) return;
  geos::Context& context = worker.geos();
  const absl::Time started = absl::Now();
  // Every chunk's task has returned (the pool orders their completion
  // before this task), so the partials are this thread's alone.
  std::vector<geos::GeometryPtr> partials;
  for (geos::GeometryPtr& p : partials_) {
    if (p != nullptr) partials.push_back(std::move(p));
  }
  InterruptScope interrupt(deadline_, &stopping_);
  absl::StatusOr<geos::GeometryPtr> result =
      spec_->reducer(context, std::move(partials), params_);
  if (interrupt.interrupted()) {
    if (interrupt.deadline_passed()) CheckDeadline();
    return;
  }
  // A reduction that cannot be computed has no value to report per row: the
  // batch fails, as when a chunk's partial result fails.
  ChunkBuilder builder(*spec_, request_->result_encoding(), &context,
                       /*reduced_value=*/true);
  builder.Open(0);
  absl::Status status = result.status();
  if (status.ok()) status = builder.AddReduced(result->get());
  if (!status.ok()) {
    Cancel(absl::Status(
        status.code(),
        absl::StrCat("reducing the chunks' results: ", status.message())));
    return;
  }
  callbacks_.on_chunk(builder.Take());
  chunks_sent_.fetch_add(1, std::memory_order_relaxed);
  result_rows_.fetch_add(1, std::memory_order_relaxed);
  worker_nanos_.fetch_add(absl::ToInt64Nanoseconds(absl::Now() - started),
                          std::memory_order_relaxed);
}

void ComputeJob::Compute(Worker& worker, size_t task) {
  if (CheckDeadline()) return;
  const size_t begin = task * chunk_rows_;
  const size_t end = std::min(rows_, begin + chunk_rows_);
  if (begin >= end) return;
  geos::Context& context = worker.geos();
  const absl::Time started = absl::Now();

  // Row-local inputs: each row is read by this worker alone, so it is
  // validated, decoded, used and freed here, chunk by chunk. Only operands
  // shared between workers (b_broadcast) are frozen for the whole job.
  uint64_t vertices = 0;
  // The input row of the chunk's i-th row: in request order, or in the
  // order a partitioned reduction chose.
  auto source = [&](size_t i) { return order_.empty() ? i : order_[i]; };
  std::string gathered;
  std::vector<uint64_t> gathered_offsets;
  auto decode = [&](const batch::BatchView& view) {
    batch::BatchView rows = view;
    rows.offsets = view.offsets.subspan(begin, end - begin + 1);
    if (!order_.empty()) {
      // The chunk's rows lie anywhere in the request: copy them together.
      gathered_offsets = {0};
      for (size_t i = begin; i < end; ++i) {
        const absl::string_view bytes = view.row(order_[i]);
        gathered.append(bytes.data(), bytes.size());
        gathered_offsets.push_back(gathered.size());
      }
      rows.data = gathered;
      rows.offsets = gathered_offsets;
    }
    batch::FrozenBatch::Builder builder(
        rows, limits_.geometry, batch::FrozenBatch::Builder::Sharing::kPrivate);
    vertices += builder.Decode(context, 0, end - begin);
    return std::move(builder).Freeze();
  };
  const std::shared_ptr<const batch::FrozenBatch> a = decode(a_view_);
  const std::shared_ptr<const batch::FrozenBatch> b_rows =
      b_rows_view_.has_value() ? decode(*b_rows_view_) : nullptr;
  if (vertices_.fetch_add(vertices, std::memory_order_relaxed) + vertices >
      limits_.max_vertices) {
    Cancel(absl::ResourceExhaustedError(
        absl::StrCat("batch has more than ", limits_.max_vertices,
                     " vertices (max_vertices_per_batch)")));
    return;
  }

  ops::Row row;
  const GEOSPreparedGeometry* prepared = nullptr;
  if (broadcast_) {
    row.b = b_->geometry(0);
    // Empty operands (and those with empty members) always take the plain
    // kernel (see ops::Preparable), as does every row if GEOS cannot
    // prepare the operand.
    if (spec_->prepared_kernel != nullptr &&
        ops::Preparable(context.handle(), row.b)) {
      if (auto p = worker.prepared().Get(b_, 0); p.ok()) prepared = *p;
    }
  }

  // GEOS calls below end early if this job's deadline passes or it is
  // cancelled; other jobs' calls are unaffected.
  InterruptScope interrupt(deadline_, &stopping_);
  ChunkBuilder builder(*spec_, request_->result_encoding(), &context);
  // A reduction keeps its rows (copies: the chunk's batch is freed below)
  // and reduces them to this chunk's partial result.
  std::vector<geos::GeometryPtr> reduce;
  uint64_t errors = 0;
  uint64_t by_code[kCodes] = {};
  auto flush = [&] {
    std::unique_ptr<v1::ResultChunk> chunk = builder.Take();
    // A reduction's chunk is worth sending only for its row errors.
    if (spec_->reducer != nullptr && chunk->errors().empty()) return;
    callbacks_.on_chunk(std::move(chunk));
    chunks_sent_.fetch_add(1, std::memory_order_relaxed);
  };
  for (size_t i = begin; i < end; ++i) {
    builder.Open(i);
    ops::Value value;
    absl::Status status;
    const size_t local = i - begin;
    row.a = a->geometry(local);
    if (row.a == nullptr) {
      status = RowInputError("a", a->status(local));
    } else if (b_rows != nullptr &&
               (row.b = b_rows->geometry(local)) == nullptr) {
      status = RowInputError("b", b_rows->status(local));
    } else if (spec_->reducer != nullptr) {
      GEOSGeometry* copy = GEOSGeom_clone_r(context.handle(), row.a);
      status = copy != nullptr ? absl::OkStatus()
                               : context.Error(absl::StatusCode::kInternal,
                                               "copy for reduction");
      reduce.push_back(context.Own(copy));
    } else {
      if (spec_->result == ops::ResultType::kBytes)
        value.bytes = builder.bytes();
      const bool use_prepared =
          prepared != nullptr && ops::Preparable(context.handle(), row.a);
      row.prepared_b = use_prepared ? prepared : nullptr;
      status = (use_prepared ? spec_->prepared_kernel : spec_->kernel)(
          context, row, params_, &value);
      if (interrupt.interrupted()) {
        // The row was cut short: the job is over; its status says why.
        if (interrupt.deadline_passed()) CheckDeadline();
        return;
      }
    }
    int code = 0;
    if (spec_->reducer == nullptr) {
      code = builder.Add(i, std::move(status), value);
    } else {
      builder.Skip();  // A reduction's rows have no value of their own.
      if (!status.ok()) code = builder.AddError(source(i), status);
    }
    if (code != 0) {
      ++errors;
      ++by_code[code < kCodes ? code : 2];  // 2: UNKNOWN.
    }
    if (builder.byte_size() >= limits_.max_chunk_bytes && i + 1 < end) flush();
  }
  if (spec_->reducer != nullptr) {
    absl::StatusOr<geos::GeometryPtr> partial =
        spec_->reducer(context, std::move(reduce), params_);
    if (interrupt.interrupted()) {
      if (interrupt.deadline_passed()) CheckDeadline();
      return;
    }
    if (!partial.ok()) {
      Cancel(absl::Status(
          partial.status().code(),
          order_.empty() ? absl::StrCat("rows ", begin, "-", end - 1, ": ",
                                        partial.status().message())
                         : absl::StrCat(StripRows(order_, begin, end), ": ",
                                        partial.status().message())));
      return;
    }
    partials_[task] = *std::move(partial);
  }
  flush();
  result_rows_.fetch_add(builder.values(), std::memory_order_relaxed);
  error_rows_.fetch_add(errors, std::memory_order_relaxed);
  for (int c = 0; c < kCodes; ++c) {
    if (by_code[c] != 0) {
      errors_by_code_[c].fetch_add(by_code[c], std::memory_order_relaxed);
    }
  }
  worker_nanos_.fetch_add(absl::ToInt64Nanoseconds(absl::Now() - started),
                          std::memory_order_relaxed);
}

void ComputeJob::Cancel(absl::Status reason) {
  stopping_.store(true, std::memory_order_relaxed);
  MutexLock lock(&mu_);
  if (finished_) return;
  if (stop_reason_.ok()) stop_reason_ = std::move(reason);
  if (current_ != nullptr) current_->Cancel();
}

void ComputeJob::Finish() {
  absl::Status status;
  {
    MutexLock lock(&mu_);
    if (finished_) return;
    finished_ = true;
    status = stop_reason_;
  }
  // Release the operand now; workers' prepared caches (and the operand
  // cache) may still hold it.
  b_.reset();
  v1::ComputeSummary summary;
  summary.mutable_status()->set_code(static_cast<int>(status.code()));
  summary.mutable_status()->set_message(std::string(status.message()));
  summary.set_rows(rows_);
  summary.set_result_rows(result_rows_.load());
  summary.set_error_rows(error_rows_.load());
  summary.set_chunks(chunks_sent_.load());
  summary.set_server_seconds(absl::ToDoubleSeconds(absl::Now() - started_));
  summary.set_worker_seconds(worker_nanos_.load() * 1e-9);
  for (int c = 0; c < kCodes; ++c) {
    if (const uint64_t n = errors_by_code_[c].load(); n != 0) {
      (*summary.mutable_row_errors_by_code())[c] = n;
    }
  }
  callbacks_.on_done(summary);
}

}  // namespace geosrpc::exec
