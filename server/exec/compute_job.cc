#include "server/exec/compute_job.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "server/exec/interrupt.h"

namespace geosrpc::exec {
namespace {

absl::Status RowInputError(absl::string_view operand, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(operand, ": ", s.message()));
}

// The largest request that counts as small (TaskGroup::set_small).
constexpr size_t kSmallRows = 16;
constexpr uint64_t kSmallRequestBytes = 64 << 10;

}  // namespace

absl::StatusOr<std::shared_ptr<ComputeJob>> ComputeJob::Start(
    WorkerPool* pool, const v1::ComputeRequest* request,
    const ComputeLimits& limits, absl::Time deadline, Callbacks callbacks,
    OperandCache* operands, MemoryBudget* memory) {
  ASSIGN_OR_RETURN(ComputePlan plan,
                   ComputePlan::Create(*request, limits, pool->num_workers()));
  std::shared_ptr<ComputeJob> job(new ComputeJob(pool, std::move(plan), limits,
                                                 deadline, std::move(callbacks),
                                                 operands, memory));
  ComputeJob* const self = job.get();
  const ComputePlan& p = self->plan_;
  std::vector<Stage> stages;
  if (p.operand() == ComputePlan::Operand::kBroadcast) {
    if (operands != nullptr) {
      self->b_ = operands->Find(p.b().encoding, p.b().data);
    }
    if (self->b_ == nullptr) {
      stages.push_back(
          {.tasks = 1,
           .run = [self](Worker& w, size_t) { self->DecodeOperand(w); },
           .then = [self] { return self->FreezeOperand(); }});
    }
  }
  if (p.ordered()) {
    self->strips_.emplace(p.a(), limits.geometry, p.group_keys());
  }
  if (p.ordered() && !p.strips()) {
    stages.push_back({.tasks = 1, .run = [self](Worker&, size_t) {
                        self->strips_->Sort();
                      }});
  }
  if (p.strips()) {
    stages.push_back({.tasks = p.num_key_tasks(),
                      .run =
                          [self](Worker& w, size_t task) {
                            if (self->DeadlinePassed()) return;
                            const size_t begin = task * self->plan_.key_rows();
                            self->strips_->ComputeKeys(
                                w.geos(), begin,
                                std::min(self->plan_.rows(),
                                         begin + self->plan_.key_rows()));
                          },
                      .then =
                          [self] {
                            self->strips_->Sort();
                            return absl::OkStatus();
                          }});
  }
  // At least one chunk task, so that even an empty batch completes on a
  // worker rather than inside Start().
  const size_t chunk_tasks = std::max<size_t>(p.num_chunks(), 1);
  if (!p.reduces()) {
    stages.push_back(
        {.tasks = chunk_tasks,
         .run = [self](Worker& w,
                       size_t chunk) { self->ComputeRows(w, chunk); },
         .window = self->window_});
  } else if (p.grouped()) {
    self->group_partials_.resize(p.num_chunks());
    stages.push_back(
        {.tasks = chunk_tasks,
         .run = [self](Worker& w,
                       size_t chunk) { self->ReduceChunk(w, chunk); },
         .window = self->window_});
    stages.push_back(
        {.tasks = chunk_tasks,
         .run = [self](Worker& w,
                       size_t chunk) { self->ReduceSpanningGroup(w, chunk); },
         .window = self->window_});
  } else {
    self->partials_.resize(p.num_chunks());
    stages.push_back(
        {.tasks = chunk_tasks,
         .run = [self](Worker& w,
                       size_t chunk) { self->ReduceChunk(w, chunk); },
         .window = self->window_});
    stages.push_back({.tasks = 1, .run = [self](Worker& w, size_t) {
                        self->ReducePartials(w);
                      }});
  }
  // A request of a few rows is short work: its one-task stages may take the
  // pool's express thread rather than wait for a worker busy with a large
  // request (the bench's 1-row latency under load, bench/RESULTS.md).
  if (p.rows() <= kSmallRows && p.request_bytes() <= kSmallRequestBytes) {
    for (Stage& stage : stages) stage.small = true;
  }
  RETURN_IF_ERROR(self->Run(std::move(stages), p.request_bytes()));
  return job;
}

ComputeJob::ComputeJob(WorkerPool* pool, ComputePlan plan,
                       const ComputeLimits& limits, absl::Time deadline,
                       Callbacks callbacks, OperandCache* operands,
                       MemoryBudget* memory)
    : StagedJob(pool, deadline, memory),
      plan_(std::move(plan)),
      limits_(limits),
      started_(absl::Now()),
      callbacks_(std::move(callbacks)),
      operands_(operands),
      window_(std::make_shared<Window>(
          std::max<size_t>(limits.max_unsent_chunks, 1))) {}

void ComputeJob::DecodeOperand(Worker& worker) {
  if (DeadlinePassed()) return;
  b_builder_.emplace(plan_.b(), limits_.geometry);
  b_builder_->Decode(worker.geos(), 0, 1);
}

absl::Status ComputeJob::FreezeOperand() {
  // The decode task has returned (the pool's completion orders it before
  // this step), so the operand can be published read-only.
  b_ = std::move(*b_builder_).Freeze();
  b_builder_.reset();
  if (!b_->status(0).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("b_broadcast: ", b_->status(0).message()));
  }
  if (operands_ != nullptr) {
    operands_->Insert(plan_.b().encoding, plan_.b().data, b_);
  }
  return absl::OkStatus();
}

void ComputeJob::ComputeRows(Worker& worker, size_t chunk) {
  if (DeadlinePassed()) return;
  const size_t begin = plan_.chunk_begin(chunk);
  const size_t end = plan_.chunk_end(chunk);
  if (begin >= end) return;
  if (plan_.coordinates() != nullptr) {
    ComputeCoordinates(worker, begin, end);
  } else {
    ComputeRowsOf(worker, begin, end, plan_.a().rows(begin, end));
  }
}

void ComputeJob::ComputeCoordinates(Worker& worker, size_t begin, size_t end) {
  const batch::CoordinateSlice rows(*plan_.coordinates(), begin, end);
  const batch::CoordinateArrayView& array = rows.view();
  const uint64_t run_coordinates =
      limits_.max_chunk_bytes / (8 * array.dimensions);
  const bool plain = batch::PlainRows(rows, limits_.geometry);
  ChunkBuilder builder(plan_.op(), plan_.result_encoding(), &worker.geos());
  // Runs of rows holding at most max_chunk_bytes of coordinates (at least
  // one row), each one chunk.
  for (size_t lo = 0; lo < end - begin;) {
    if (DeadlinePassed()) return;
    const size_t hi = rows.EndWithin(lo, run_coordinates);
    const absl::Time started = absl::Now();
    const batch::CoordinateSlice run(array, lo, hi);
    std::optional<batch::CoordinateColumnBuilder::Column> mapped;
    if (plain) mapped = MapCoordinates(worker, run);
    if (mapped.has_value()) {
      if (!CountVertices(rows.first_coordinate(hi) - rows.first_coordinate(lo),
                         limits_.max_vertices)) {
        return;
      }
      builder.AddCoordinateRows(begin + lo, *std::move(mapped));
      Send(builder.Take());
      counters_.AddWorkerTime(absl::Now() - started);
    } else {
      // The row-by-row way, where each row has its own outcome: a row
      // the WKB path would not keep, or a coordinate the kernel could not
      // map. It counts its own values and time.
      absl::StatusOr<std::unique_ptr<const batch::WkbRows>> wkb =
          batch::CoordinatesToWkb(run.view(), "a");
      if (!wkb.ok()) return Cancel(wkb.status());  // Checked in the plan.
      ComputeRowsOf(worker, begin + lo, begin + hi, (*wkb)->view());
    }
    lo = hi;
  }
  counters_.AddValues(builder.values());
}

std::optional<batch::CoordinateColumnBuilder::Column>
ComputeJob::MapCoordinates(Worker& worker, const batch::CoordinateSlice& run) {
  const batch::CoordinateArrayView& rows = run.view();
  batch::CoordinateColumnBuilder::Column column{
      .kind = rows.kind,
      .dimensions = rows.dimensions,
      .coords = std::string(rows.coords),
      .geometry_offsets = std::vector<uint64_t>(rows.geometry_offsets.begin(),
                                                rows.geometry_offsets.end()),
      .part_offsets = std::vector<uint64_t>(rows.part_offsets.begin(),
                                            rows.part_offsets.end()),
      .ring_offsets = std::vector<uint64_t>(rows.ring_offsets.begin(),
                                            rows.ring_offsets.end())};
  double* coords = reinterpret_cast<double*>(column.coords.data());
  const absl::Status mapped =
      plan_.op().coordinate_kernel({.in = coords,  // In place.
                                    .out = coords,
                                    .n = run.first_coordinate(run.rows()),
                                    .dims = rows.dimensions,
                                    .srid = rows.srid,
                                    .proj = &worker.proj()},
                                   plan_.params());
  if (!mapped.ok()) return std::nullopt;
  return column;
}

void ComputeJob::ComputeRowsOf(Worker& worker, size_t begin, size_t end,
                               const batch::BatchView& a_view) {
  if (DeadlinePassed()) return;
  const absl::Time started = absl::Now();
  geos::Context& context = worker.geos();
  const ops::OpSpec& op = plan_.op();

  // Row-local inputs: each row is read by this worker alone, so it is
  // validated, decoded, used and freed here, chunk by chunk. Only the
  // operand every worker shares (b_broadcast) is frozen for the whole job.
  // Rows the operation computes from their WKB stay undecoded.
  const bool wkb_rows = op.wkb_kernel != nullptr &&
                        plan_.operand() == ComputePlan::Operand::kNone &&
                        (plan_.result_encoding() == v1::ENCODING_WKB ||
                         plan_.result_encoding() == v1::ENCODING_COORDINATES ||
                         plan_.result_encoding() == v1::ENCODING_UNSPECIFIED);
  batch::DecodedRows a =
      wkb_rows ? batch::DecodeRows(context, a_view, limits_.geometry,
                                   [&](absl::string_view wkb) {
                                     return op.keeps_wkb(wkb, plan_.params());
                                   })
               : batch::DecodeRows(context, a_view, limits_.geometry);
  std::optional<batch::DecodedRows> b_rows;
  if (plan_.operand() == ComputePlan::Operand::kRows) {
    b_rows = batch::DecodeRows(context, plan_.b().rows(begin, end),
                               limits_.geometry);
  }
  if (!CountVertices(a.vertices + (b_rows ? b_rows->vertices : 0),
                     limits_.max_vertices)) {
    return;
  }

  ops::Row row;
  row.proj = &worker.proj();
  if (b_ != nullptr) row.b = b_->geometry(0);
  const GEOSPreparedGeometry* prepared = PreparedOperand(worker);
  // GEOS calls below end early if this job's deadline passes or it is
  // cancelled; other jobs' calls are unaffected.
  InterruptScope interrupt(deadline(), stopping());
  ChunkBuilder builder(op, plan_.result_encoding(), &context);
  RowErrorCounts errors;
  for (size_t i = begin; i < end; ++i) {
    // A job due to stop stops here, between rows, rather than by cutting
    // a GEOS call short (see interrupt.h).
    if (interrupt.Due()) return Interrupted(interrupt);
    const size_t local = i - begin;
    builder.Open(i);
    ops::Value value;
    absl::Status status;
    row.a = a.geometries[local].get();
    if (a.kept_as_wkb(local)) {
      row.a_wkb = a_view.row(local);
      value.bytes = builder.bytes();
      value.written = true;
      status = op.wkb_kernel(context, row, plan_.params(), &value);
    } else if (row.a == nullptr) {
      status = RowInputError("a", a.statuses[local]);
    } else if (b_rows.has_value() &&
               (row.b = b_rows->geometries[local].get()) == nullptr) {
      status = RowInputError("b", b_rows->statuses[local]);
    } else {
      if (op.result == ops::ResultType::kBytes) value.bytes = builder.bytes();
      // Empty rows (and those with empty members) take the plain kernel.
      const bool use_prepared =
          prepared != nullptr && ops::Preparable(context.handle(), row.a);
      row.prepared_b = use_prepared ? prepared : nullptr;
      status = (use_prepared ? op.prepared_kernel : op.kernel)(
          context, row, plan_.params(), &value);
      // A row cut short ends the job; its status says why.
      if (interrupt.interrupted()) return Interrupted(interrupt);
    }
    if (const int code = builder.Add(i, std::move(status), value); code != 0) {
      errors.Add(code);
    }
    if (builder.byte_size() >= limits_.max_chunk_bytes && i + 1 < end) {
      Send(builder.Take());
    }
  }
  Send(builder.Take());
  counters_.AddValues(builder.values());
  counters_.AddErrors(errors);
  counters_.AddWorkerTime(absl::Now() - started);
}

void ComputeJob::ReduceChunk(Worker& worker, size_t chunk) {
  if (DeadlinePassed()) return;
  const size_t begin = plan_.chunk_begin(chunk);
  const size_t end = plan_.chunk_end(chunk);
  if (begin >= end) return;
  const absl::Time started = absl::Now();
  geos::Context& context = worker.geos();

  // A strip's rows lie anywhere in the request: they are copied together.
  std::string data;
  std::vector<uint64_t> offsets;
  batch::DecodedRows rows =
      batch::DecodeRows(context,
                        strips_ ? strips_->Gather(begin, end, &data, &offsets)
                                : plan_.a().rows(begin, end),
                        limits_.geometry);
  if (!CountVertices(rows.vertices, limits_.max_vertices)) return;

  // Rows with no value of their own: the chunk carries only their errors,
  // named by input row.
  ChunkBuilder builder(plan_.op(), plan_.result_encoding(), &context,
                       ChunkBuilder::Mode::kRowErrors, plan_.grouped());
  RowErrorCounts errors;
  std::vector<geos::GeometryPtr> inputs;
  for (size_t i = begin; i < end; ++i) {
    builder.Open(i);
    builder.Skip();
    geos::GeometryPtr& g = rows.geometries[i - begin];
    if (g == nullptr) {
      errors.Add(
          builder.AddError(strips_ ? strips_->row(i) : i,
                           RowInputError("a", rows.statuses[i - begin])));
    }
    // Grouped: by position, failed rows as null; else the rows that decoded.
    if (g != nullptr || plan_.grouped()) inputs.push_back(std::move(g));
    if (builder.byte_size() >= limits_.max_chunk_bytes && i + 1 < end) {
      Send(builder.Take());
    }
  }

  if (plan_.grouped()) {
    std::unique_ptr<v1::ResultChunk> last = builder.Take();
    if (!last->errors().empty()) Send(std::move(last));
    counters_.AddErrors(errors);
    ReduceGroups(worker, chunk, std::move(inputs));
    counters_.AddWorkerTime(absl::Now() - started);
    return;
  }

  InterruptScope interrupt(deadline(), stopping());
  absl::StatusOr<geos::GeometryPtr> partial =
      plan_.op().reducer(context, std::move(inputs), plan_.params());
  if (interrupt.interrupted()) return Interrupted(interrupt);
  if (!partial.ok()) {
    // Rows GEOS cannot reduce have no value to report per row: the batch
    // fails, naming them.
    Cancel(absl::Status(
        partial.status().code(),
        absl::StrCat(strips_ ? strips_->Describe(begin, end)
                             : absl::StrCat("rows ", begin, "-", end - 1),
                     ": ", partial.status().message())));
    return;
  }
  partials_[chunk] = *std::move(partial);
  std::unique_ptr<v1::ResultChunk> last = builder.Take();
  if (!last->errors().empty()) Send(std::move(last));
  counters_.AddErrors(errors);
  counters_.AddWorkerTime(absl::Now() - started);
}

void ComputeJob::ReducePartials(Worker& worker) {
  if (DeadlinePassed()) return;
  const absl::Time started = absl::Now();
  geos::Context& context = worker.geos();
  // Every chunk's task has returned (the pool orders their completion
  // before this task), so the partials are this thread's alone.
  std::vector<geos::GeometryPtr> partials;
  for (geos::GeometryPtr& p : partials_) {
    if (p != nullptr) partials.push_back(std::move(p));
  }
  const ops::OpSpec& op = plan_.op();
  InterruptScope interrupt(deadline(), stopping());
  absl::StatusOr<geos::GeometryPtr> reduced =
      op.reducer(context, std::move(partials), plan_.params());
  absl::StatusOr<geos::GeometryPtr> value =
      FinishReduced(context, std::move(reduced));
  if (interrupt.interrupted()) return Interrupted(interrupt);
  ChunkBuilder builder(op, plan_.result_encoding(), &context,
                       ChunkBuilder::Mode::kReducedValue);
  builder.Open(0);
  absl::Status status = value.status();
  if (status.ok()) status = builder.AddReduced(value->get());
  if (!status.ok()) {
    // As when a chunk's partial result fails: the batch fails.
    Cancel(absl::Status(
        status.code(),
        absl::StrCat("reducing the chunks' results: ", status.message())));
    return;
  }
  Send(builder.Take());
  counters_.AddValues(builder.values());
  counters_.AddWorkerTime(absl::Now() - started);
}

void ComputeJob::ReduceGroups(Worker& worker, size_t chunk,
                              std::vector<geos::GeometryPtr> inputs) {
  const size_t begin = plan_.chunk_begin(chunk);
  const size_t end = plan_.chunk_end(chunk);
  geos::Context& context = worker.geos();
  const StripOrder& order = *strips_;
  ChunkBuilder values(plan_.op(), plan_.result_encoding(), &context,
                      ChunkBuilder::Mode::kGroupValues, /*grouped=*/true);
  RowErrorCounts errors;
  InterruptScope interrupt(deadline(), stopping());
  // The chunk's rows in runs of one group; groups that lie wholly in the
  // chunk are answered here, the (at most two) that cross its ends leave a
  // partial result for ReduceSpanningGroup.
  for (size_t i = begin; i < end;) {
    if (interrupt.Due()) return Interrupted(interrupt);
    const size_t g = order.group_at(i);
    const size_t run_end = std::min(end, order.group_end(g));
    std::vector<geos::GeometryPtr> group;
    for (size_t j = i; j < run_end; ++j) {
      if (inputs[j - begin] != nullptr) {
        group.push_back(std::move(inputs[j - begin]));
      }
    }
    absl::StatusOr<geos::GeometryPtr> result =
        plan_.op().reducer(context, std::move(group), plan_.params());
    const bool whole =
        order.group_begin(g) >= begin && order.group_end(g) <= end;
    if (whole) result = FinishReduced(context, std::move(result));
    if (interrupt.interrupted()) return Interrupted(interrupt);
    if (whole) {
      values.Open(g);
      if (const int code =
              values.AddGroup(g, order.group_key(g), result.status(),
                              result.ok() ? result->get() : nullptr);
          code != 0) {
        errors.Add(code);
      }
      if (values.byte_size() >= limits_.max_chunk_bytes) Send(values.Take());
    } else {
      group_partials_[chunk].push_back({g, std::move(result)});
    }
    i = run_end;
  }
  if (std::unique_ptr<v1::ResultChunk> last = values.Take()) {
    Send(std::move(last));
  }
  counters_.AddValues(values.values());
  counters_.AddErrors(errors);
}

void ComputeJob::ReduceSpanningGroup(Worker& worker, size_t chunk) {
  if (DeadlinePassed()) return;
  const size_t begin = plan_.chunk_begin(chunk);
  const size_t end = plan_.chunk_end(chunk);
  const StripOrder& order = *strips_;
  // The group that crosses this chunk's end, taken by the chunk it starts
  // in; every chunk's task has returned, so their partials are readable.
  if (begin >= end) return;
  const size_t g = order.group_at(end - 1);
  if (order.group_end(g) <= end || order.group_begin(g) < begin) return;
  const absl::Time started = absl::Now();
  geos::Context& context = worker.geos();
  absl::Status status;
  std::vector<geos::GeometryPtr> pieces;
  const size_t last_chunk = (order.group_end(g) - 1) / plan_.chunk_rows();
  for (size_t c = chunk; c <= last_chunk; ++c) {
    for (GroupPartial& p : group_partials_[c]) {
      if (p.group != g) continue;
      if (!p.result.ok()) {
        status.Update(p.result.status());
      } else {
        pieces.push_back(*std::move(p.result));
      }
    }
  }
  InterruptScope interrupt(deadline(), stopping());
  absl::StatusOr<geos::GeometryPtr> result = FinishReduced(
      context, status.ok() ? plan_.op().reducer(context, std::move(pieces),
                                                plan_.params())
                           : absl::StatusOr<geos::GeometryPtr>(status));
  if (interrupt.interrupted()) return Interrupted(interrupt);
  ChunkBuilder values(plan_.op(), plan_.result_encoding(), &context,
                      ChunkBuilder::Mode::kGroupValues, /*grouped=*/true);
  values.Open(g);
  RowErrorCounts errors;
  if (const int code = values.AddGroup(g, order.group_key(g), result.status(),
                                       result.ok() ? result->get() : nullptr);
      code != 0) {
    errors.Add(code);
  }
  Send(values.Take());
  counters_.AddValues(values.values());
  counters_.AddErrors(errors);
  counters_.AddWorkerTime(absl::Now() - started);
}

absl::StatusOr<geos::GeometryPtr> ComputeJob::FinishReduced(
    geos::Context& context, absl::StatusOr<geos::GeometryPtr> reduced) {
  const ops::OpSpec& op = plan_.op();
  if (!reduced.ok() || op.kernel == nullptr) return reduced;
  // What the operation's kernel makes of the reduced geometry
  // (polygonize_all: the polygons of the collected linework).
  ops::Value value;
  RETURN_IF_ERROR(
      op.kernel(context, {.a = reduced->get()}, plan_.params(), &value));
  return std::move(value.geometry);
}

const GEOSPreparedGeometry* ComputeJob::PreparedOperand(Worker& worker) {
  // Empty operands (and those with empty members) take the plain kernel, as
  // does every row if GEOS cannot prepare the operand.
  if (b_ == nullptr || plan_.op().prepared_kernel == nullptr ||
      !ops::Preparable(worker.geos().handle(), b_->geometry(0))) {
    return nullptr;
  }
  absl::StatusOr<const GEOSPreparedGeometry*> p = worker.prepared().Get(b_, 0);
  return p.ok() ? *p : nullptr;
}

void ComputeJob::Send(std::unique_ptr<v1::ResultChunk> chunk) {
  // The chunk counts against the window and the memory budget until its
  // consumer lets go of it.
  std::shared_ptr<void> sent = Hold(window_, chunk->ByteSizeLong());
  callbacks_.on_chunk(std::move(chunk), std::move(sent));
  counters_.AddChunk();
}

std::string ComputeJob::Progress() const {
  return absl::StrCat(" after ", counters_.chunks(), " of ", plan_.num_chunks(),
                      " chunks");
}

void ComputeJob::Finished(const absl::Status& status) {
  // Release the operand now; workers' prepared caches (and the operand
  // cache) may still hold it.
  b_.reset();
  v1::ComputeSummary summary;
  summary.mutable_status()->set_code(static_cast<int>(status.code()));
  summary.mutable_status()->set_message(std::string(status.message()));
  summary.set_rows(plan_.rows());
  summary.set_server_seconds(absl::ToDoubleSeconds(absl::Now() - started_));
  counters_.FillCounts(&summary);
  summary.set_result_rows(counters_.values());
  callbacks_.on_done(summary);
}

}  // namespace geosrpc::exec
