#include "server/exec/join_job.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "server/batch/decode.h"
#include "server/exec/interrupt.h"
#include "server/geos/area_locator.h"

namespace geosrpc::exec {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

absl::Status RowInputError(const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat("a: ", s.message()));
}

// A set geometry's failure, named for the row's error message.
absl::Status WithSetRow(const absl::Status& s, size_t set_row) {
  return absl::Status(s.code(),
                      absl::StrCat(s.message(), " (set row ", set_row, ")"));
}

index::Box EnvelopeOf(GEOSContextHandle_t h, const GEOSGeometry* g) {
  index::Box box;
  if (GEOSisEmpty_r(h, g) != 0 || GEOSGeom_getXMin_r(h, g, &box.xmin) != 1 ||
      GEOSGeom_getYMin_r(h, g, &box.ymin) != 1 ||
      GEOSGeom_getXMax_r(h, g, &box.xmax) != 1 ||
      GEOSGeom_getYMax_r(h, g, &box.ymax) != 1) {
    return index::Box{};
  }
  return box;
}

struct Pair {
  uint64_t set_row;
  double distance;
};

// One chunk's pairs and row errors, sent as PairChunks of about
// max_chunk_bytes.
class PairChunkBuilder {
 public:
  PairChunkBuilder(bool with_distance, size_t max_bytes)
      : with_distance_(with_distance), max_bytes_(max_bytes) {}

  void AddPairs(size_t row, const std::vector<Pair>& pairs) {
    for (const Pair& p : pairs) {
      chunk().add_a_rows(row);
      chunk().add_set_rows(p.set_row);
      if (with_distance_) chunk().add_distances(p.distance);
    }
    bytes_ += pairs.size() * (with_distance_ ? 24 : 16);
  }
  void AddError(size_t row, const absl::Status& status) {
    v1::RowError* e = chunk().add_errors();
    e->set_row(row);
    e->set_code(static_cast<int>(status.code()));
    e->set_message(std::string(status.message()));
    bytes_ += 64 + status.message().size();
  }
  bool full() const { return bytes_ >= max_bytes_; }
  // The chunk so far (null when empty).
  std::unique_ptr<v1::PairChunk> Take() {
    bytes_ = 0;
    return std::move(chunk_);
  }

 private:
  v1::PairChunk& chunk() {
    if (chunk_ == nullptr) chunk_ = std::make_unique<v1::PairChunk>();
    return *chunk_;
  }

  const bool with_distance_;
  const size_t max_bytes_;
  size_t bytes_ = 0;
  std::unique_ptr<v1::PairChunk> chunk_;
};

}  // namespace

// Refines the rows of `a` against the set on one worker: the candidates the
// tree gives, then GEOS on each.
class JoinJob::Prober {
 public:
  // `interrupt` stops the loops over candidates, as it stops GEOS calls.
  Prober(const JoinPlan& plan, const layers::IndexedSet& set, Worker& worker,
         InterruptScope* interrupt)
      : plan_(plan),
        set_(set),
        worker_(worker),
        interrupt_(interrupt),
        context_(worker.geos()),
        distance_(**ops::FindOperation(v1::OP_CODE_DISTANCE)),
        equals_(**ops::FindOperation(v1::OP_CODE_EQUALS)) {}

  // Row `a`'s pairs into `out`, in order, or the row's error.
  absl::Status Row(const GEOSGeometry* a, std::vector<Pair>* out) {
    out->clear();
    if (GEOSisEmpty_r(context_.handle(), a) != 0) return absl::OkStatus();
    return plan_.kind() == JoinPlan::Kind::kPredicate ? Predicate(a, out)
                                                      : Nearest(a, out);
  }

  // Whether PointRow can answer this join.
  bool TakesPoints() const { return point_rule_ != PointRule::kNone; }

  // Row `a` given as the point (x, y) (finite): the same pairs as Row would
  // give the GEOS point, found without making one where the candidate is a
  // prepared polygon (geos::AreaLocator); the others get the GEOS point.
  absl::Status PointRow(double x, double y, std::vector<Pair>* out) {
    out->clear();
    point_.reset();
    Candidates(index::Box{.xmin = x, .ymin = y, .xmax = x, .ymax = y});
    for (const uint32_t id : candidates_) {
      if (interrupt_->Due()) return absl::CancelledError("interrupted");
      bool match = true;  // Envelope-only: every candidate.
      if (point_rule_ != PointRule::kEveryCandidate) {
        std::optional<geos::PointLocation> where;
        if (const std::optional<geos::AreaLocator> locator = Locator(id)) {
          where = locator->Locate(x, y);
        }
        if (where.has_value()) {
          match = point_rule_ == PointRule::kInInterior
                      ? *where == geos::PointLocation::kInterior
                      : *where != geos::PointLocation::kExterior;
        } else {
          ASSIGN_OR_RETURN(const GEOSGeometry* a, Point(x, y));
          ASSIGN_OR_RETURN(match, Matches(a, /*a_preparable=*/true, id));
        }
      }
      if (!match) continue;
      double d = kNaN;
      if (plan_.return_distance()) {
        ASSIGN_OR_RETURN(const GEOSGeometry* a, Point(x, y));
        ASSIGN_OR_RETURN(d, Distance(a, id));
      }
      out->push_back({id, d});
    }
    return absl::OkStatus();
  }

 private:
  // How PointRow decides a candidate polygon from the point's location.
  enum class PointRule {
    kNone,            // It cannot: Row decides.
    kEveryCandidate,  // Envelope-only.
    kNotExterior,     // intersects, covered_by.
    kInInterior,      // within.
  };

  // The rule for `plan`: the predicates whose prepared form on a polygon
  // GEOS decides for a point with the polygon's point locator alone.
  static PointRule PointRuleOf(const JoinPlan& plan) {
    if (plan.kind() != JoinPlan::Kind::kPredicate) return PointRule::kNone;
    const ops::OpSpec* predicate = plan.predicate();
    if (predicate == nullptr) return PointRule::kEveryCandidate;
    if (predicate->prepared_kernel == nullptr) return PointRule::kNone;
    switch (predicate->code) {
      case v1::OP_CODE_INTERSECTS:
      case v1::OP_CODE_COVERED_BY:
        return PointRule::kNotExterior;
      case v1::OP_CODE_WITHIN:
        return PointRule::kInInterior;
      default:
        return PointRule::kNone;
    }
  }

  // The set rows whose boxes meet `box` (grown by the plan's margin), in
  // order, into candidates_.
  void Candidates(const index::Box& box) {
    candidates_.clear();
    set_.tree().Query(box.Grown(plan_.query_margin()),
                      [this](uint32_t id) { candidates_.push_back(id); });
    std::sort(candidates_.begin(), candidates_.end());
  }

  absl::Status Predicate(const GEOSGeometry* a, std::vector<Pair>* out) {
    const GEOSContextHandle_t h = context_.handle();
    Candidates(EnvelopeOf(h, a));
    const bool a_preparable = ops::Preparable(h, a);
    for (const uint32_t id : candidates_) {
      if (interrupt_->Due()) return absl::CancelledError("interrupted");
      ASSIGN_OR_RETURN(const bool match, Matches(a, a_preparable, id));
      if (!match) continue;
      double d = kNaN;
      if (plan_.return_distance()) {
        ASSIGN_OR_RETURN(d, Distance(a, id));
      }
      out->push_back({id, d});
    }
    return absl::OkStatus();
  }

  // Whether `a` and set row `id` satisfy the plan's predicate (always, for
  // envelope-only).
  absl::StatusOr<bool> Matches(const GEOSGeometry* a, bool a_preparable,
                               uint32_t id) {
    const ops::OpSpec* predicate = plan_.predicate();
    if (predicate == nullptr) return true;
    ops::Row row{a, set_.geometry(id), nullptr};
    // The set geometry prepared on this worker, as a broadcast operand is:
    // the predicate's converse evaluated on it.
    if (predicate->prepared_kernel != nullptr && a_preparable &&
        set_.passes(id)) {
      row.prepared_b = Prepared(id);
    }
    ops::Value value;
    const absl::Status s =
        (row.prepared_b != nullptr
             ? predicate->prepared_kernel
             : predicate->kernel)(context_, row, plan_.params(), &value);
    if (!s.ok()) return WithSetRow(s, id);
    return value.flag;
  }

  // PointRow's point as a GEOS geometry, made on first use for the row.
  absl::StatusOr<const GEOSGeometry*> Point(double x, double y) {
    if (point_ == nullptr) {
      ASSIGN_OR_RETURN(point_, context_.MakePoint(x, y));
    }
    return point_.get();
  }

  // The k nearest (and, with all_matches, every one as near as the k-th),
  // nearest first, ties by set row.
  absl::Status Nearest(const GEOSGeometry* a, std::vector<Pair>* out) {
    const size_t k = plan_.k();
    const double bound = plan_.max_distance();
    double kth = std::numeric_limits<double>::infinity();
    absl::Status status;
    const auto before = [](const Pair& x, const Pair& y) {
      return x.distance != y.distance ? x.distance < y.distance
                                      : x.set_row < y.set_row;
    };
    set_.tree().VisitByDistance(
        EnvelopeOf(context_.handle(), a), &heap_,
        [&](uint32_t id, double box_distance) {
          // Boxes come nearest first: the rest are no nearer.
          if (box_distance > bound || box_distance > kth) return false;
          if (interrupt_->Due()) {
            status = absl::CancelledError("interrupted");
            return false;
          }
          if (plan_.exclusive()) {
            absl::StatusOr<bool> equal = Equal(a, id);
            if (!equal.ok()) {
              status = equal.status();
              return false;
            }
            if (*equal) return true;
          }
          absl::StatusOr<double> d = Distance(a, id);
          if (!d.ok()) {
            status = d.status();
            return false;
          }
          if (*d > bound || *d > kth) return true;
          const Pair pair{id, *d};
          out->insert(std::upper_bound(out->begin(), out->end(), pair, before),
                      pair);
          if (out->size() >= k) {
            if (!plan_.all_matches()) out->resize(k);
            kth = (*out)[k - 1].distance;
            // Ties with the k-th stay; anything farther goes.
            while (out->back().distance > kth) out->pop_back();
          }
          return true;
        });
    return status;
  }

  // Set row `id` prepared on this worker, or null if GEOS cannot prepare it
  // (the plain kernel then answers). Rows met again in this chunk skip the
  // worker's cache (a hash lookup and a reordering per candidate).
  const GEOSPreparedGeometry* Prepared(uint32_t id) {
    const bool memo = Memoize();
    if (memo && memo_[id].prepared != nullptr) return memo_[id].prepared;
    absl::StatusOr<const GEOSPreparedGeometry*> p =
        worker_.prepared().Get(set_.geometries(), id);
    if (!p.ok()) return nullptr;
    if (memo) memo_[id].prepared = *p;
    return *p;
  }

  // The point locator of set row `id` prepared on this worker, or none
  // where the row is not a polygon PointRow may locate in (it fails
  // Preparable, or is no polygon, or GEOS cannot prepare it).
  std::optional<geos::AreaLocator> Locator(uint32_t id) {
    if (!set_.passes(id)) return std::nullopt;
    const bool memo = Memoize();
    if (memo && memo_[id].located) return memo_[id].locator;
    const GEOSPreparedGeometry* prepared = Prepared(id);
    std::optional<geos::AreaLocator> locator =
        geos::AreaLocator::Of(context_.handle(), set_.geometry(id), prepared);
    if (memo) memo_[id] = {prepared, locator, /*located=*/true};
    return locator;
  }

  // Whether this set's preparations are remembered in memo_ (then sized
  // and valid), or asked of the worker's cache each time.
  bool Memoize() {
    if (set_.size() > kMemoRows) return false;
    const uint64_t evictions = worker_.prepared().evictions();
    if (memo_.empty() || evictions_ != evictions) {
      memo_.assign(set_.size(), Memo());
      evictions_ = evictions;
    }
    return true;
  }

  absl::StatusOr<double> Distance(const GEOSGeometry* a, uint32_t id) {
    ops::Value value;
    const absl::Status s = distance_.kernel(
        context_, {a, set_.geometry(id), nullptr}, ops::Params(), &value);
    if (!s.ok()) return WithSetRow(s, id);
    return value.number;
  }

  absl::StatusOr<bool> Equal(const GEOSGeometry* a, uint32_t id) {
    ops::Value value;
    const absl::Status s = equals_.kernel(
        context_, {a, set_.geometry(id), nullptr}, ops::Params(), &value);
    if (!s.ok()) return WithSetRow(s, id);
    return value.flag;
  }

  const JoinPlan& plan_;
  const layers::IndexedSet& set_;
  Worker& worker_;
  InterruptScope* const interrupt_;
  geos::Context& context_;
  const ops::OpSpec& distance_;
  const ops::OpSpec& equals_;
  std::vector<uint32_t> candidates_;
  index::PackedRTree::Scratch heap_;
  const PointRule point_rule_ = PointRuleOf(plan_);
  geos::GeometryPtr point_{nullptr, {context_.handle()}};
  // Sets of up to kMemoRows rows remember what Prepared and Locator
  // returned, while the worker's cache evicts nothing (evictions_ tells):
  // both belong to a preparation the cache holds.
  static constexpr size_t kMemoRows = 4096;
  struct Memo {
    const GEOSPreparedGeometry* prepared = nullptr;
    std::optional<geos::AreaLocator> locator;
    bool located = false;
  };
  std::vector<Memo> memo_;
  uint64_t evictions_ = 0;
};

absl::StatusOr<std::shared_ptr<JoinJob>> JoinJob::Start(
    WorkerPool* pool, JoinPlan plan, const ComputeLimits& limits,
    absl::Time deadline, Callbacks callbacks, layers::SetCatalog* catalog,
    MemoryBudget* memory) {
  std::shared_ptr<JoinJob> job(new JoinJob(pool, std::move(plan), limits,
                                           deadline, std::move(callbacks),
                                           catalog, memory));
  JoinJob* const self = job.get();
  const JoinPlan& p = self->plan_;
  std::vector<Stage> stages;
  switch (p.source()) {
    case JoinPlan::Source::kLayer:
      self->set_ = catalog->FindLayer(p.set_name());
      if (self->set_ == nullptr) {
        return absl::NotFoundError(absl::StrCat(
            "no layer named '", p.set_name(), "' (ListLayers lists them)"));
      }
      break;
    case JoinPlan::Source::kDigest:
      self->set_ = catalog->FindDigest(p.set_name());
      if (self->set_ == nullptr) {
        return absl::NotFoundError(
            absl::StrCat("this server does not hold the set ", p.set_name(),
                         "; send set.geometries"));
      }
      break;
    case JoinPlan::Source::kGeometries:
      stages.push_back(
          {.tasks = 1, .run = [self](Worker&, size_t) { self->DigestSet(); }});
      stages.push_back(
          {.tasks = std::max<size_t>(p.num_set_tasks(), 1),
           .run = [self](Worker& w, size_t task) { self->DecodeSet(w, task); },
           .then = [self] { return self->BuildSet(); }});
      break;
  }
  // At least one probe task, so that even an empty batch completes on a
  // worker rather than inside Start().
  stages.push_back(
      {.tasks = std::max<size_t>(p.num_chunks(), 1),
       .run = [self](Worker& w, size_t chunk) { self->Probe(w, chunk); },
       .window = self->window_});
  RETURN_IF_ERROR(self->Run(std::move(stages), p.request_bytes()));
  return job;
}

JoinJob::JoinJob(WorkerPool* pool, JoinPlan plan, const ComputeLimits& limits,
                 absl::Time deadline, Callbacks callbacks,
                 layers::SetCatalog* catalog, MemoryBudget* memory)
    : StagedJob(pool, deadline, memory),
      plan_(std::move(plan)),
      limits_(limits),
      started_(absl::Now()),
      callbacks_(std::move(callbacks)),
      catalog_(catalog),
      window_(std::make_shared<Window>(
          std::max<size_t>(limits.max_unsent_chunks, 1))) {}

void JoinJob::DigestSet() {
  if (DeadlinePassed()) return;
  set_started_ = absl::Now();
  digest_ = layers::Digest(plan_.set_rows());
  set_ = catalog_->FindDigest(digest_);
  if (set_ == nullptr) {
    builder_.emplace(plan_.set_rows(), limits_.geometry, digest_, "",
                     ops::Preparable);
  }
}

void JoinJob::DecodeSet(Worker& worker, size_t task) {
  if (set_ != nullptr || DeadlinePassed()) return;
  const absl::Time started = absl::Now();
  builder_->Decode(worker.geos(), plan_.set_task_begin(task),
                   plan_.set_task_end(task));
  counters_.AddWorkerTime(absl::Now() - started);
}

absl::Status JoinJob::BuildSet() {
  if (set_ != nullptr) return absl::OkStatus();
  set_ = std::move(*builder_).Build();
  builder_.reset();
  index_time_ = absl::Now() - set_started_;
  if (set_->info().vertices() > limits_.max_vertices) {
    return absl::ResourceExhaustedError(
        absl::StrCat("set has more than ", limits_.max_vertices,
                     " vertices (max_vertices_per_batch)"));
  }
  catalog_->Remember(set_);
  return absl::OkStatus();
}

void JoinJob::Probe(Worker& worker, size_t chunk) {
  if (DeadlinePassed()) return;
  const size_t begin = plan_.chunk_begin(chunk);
  const size_t end = plan_.chunk_end(chunk);
  if (begin >= end) return;
  const absl::Time started = absl::Now();
  geos::Context& context = worker.geos();

  // Each row of `a` is read by this worker alone, one at a time: decoded,
  // probed and freed before the next.
  batch::RowDecoder decoder(context, plan_.a().rows(begin, end),
                            limits_.geometry);
  uint64_t uncounted = 0;

  // GEOS calls below, and the loops over candidates, end early if this
  // job's deadline passes or it is cancelled; other jobs are unaffected.
  InterruptScope interrupt(deadline(), stopping());
  Prober prober(plan_, *set_, worker, &interrupt);
  PairChunkBuilder builder(plan_.return_distance(), limits_.max_chunk_bytes);
  RowErrorCounts errors;
  std::vector<Pair> pairs;
  uint64_t found = 0;
  const auto send = [&](std::unique_ptr<v1::PairChunk> chunk) {
    if (chunk == nullptr) return;
    std::shared_ptr<void> sent = Hold(window_, chunk->ByteSizeLong());
    callbacks_.on_chunk(std::move(chunk), std::move(sent));
    counters_.AddChunk();
  };
  const bool points = prober.TakesPoints();
  for (size_t i = begin; i < end; ++i) {
    absl::Status status;
    double x, y;
    if (points && decoder.PlainPoint(i - begin, &x, &y, &uncounted)) {
      // The commonest probe of all, a 2D point, needs no GEOS geometry.
      if (!CountSomeVertices(&uncounted, limits_.max_vertices)) return;
      status = prober.PointRow(x, y, &pairs);
      if (interrupt.interrupted()) return Interrupted(interrupt);
    } else {
      absl::StatusOr<geos::GeometryPtr> row =
          decoder.Decode(i - begin, &uncounted);
      if (!CountSomeVertices(&uncounted, limits_.max_vertices)) return;
      if (!row.ok()) {
        status = RowInputError(row.status());
      } else {
        status = prober.Row(row->get(), &pairs);
        if (interrupt.interrupted()) return Interrupted(interrupt);
      }
    }
    if (!status.ok()) {
      builder.AddError(i, status);
      errors.Add(static_cast<int>(status.code()));
    } else if (!pairs.empty()) {
      if (pairs_.fetch_add(pairs.size(), std::memory_order_relaxed) +
              pairs.size() >
          plan_.max_pairs()) {
        Cancel(absl::ResourceExhaustedError(
            absl::StrCat("the call would return more than ", plan_.max_pairs(),
                         " pairs (max_pairs); narrow it, or split `a`")));
        return;
      }
      builder.AddPairs(i, pairs);
      found += pairs.size();
    }
    if (builder.full()) send(builder.Take());
  }
  if (!CountSomeVertices(&uncounted, limits_.max_vertices, /*last=*/true)) {
    return;
  }
  send(builder.Take());
  counters_.AddValues(found);
  counters_.AddErrors(errors);
  counters_.AddWorkerTime(absl::Now() - started);
}

std::string JoinJob::Progress() const {
  return absl::StrCat(" after ", counters_.chunks(), " chunks of pairs");
}

void JoinJob::Finished(const absl::Status& status) {
  v1::JoinSummary summary;
  summary.mutable_status()->set_code(static_cast<int>(status.code()));
  summary.mutable_status()->set_message(std::string(status.message()));
  summary.set_rows(plan_.rows());
  summary.set_pairs(counters_.values());
  counters_.FillCounts(&summary);
  summary.set_server_seconds(absl::ToDoubleSeconds(absl::Now() - started_));
  summary.set_index_seconds(absl::ToDoubleSeconds(index_time_));
  if (set_ != nullptr) {
    *summary.mutable_set() = set_->info();
    for (const v1::RowError& e : set_->errors()) *summary.add_set_errors() = e;
  }
  // Let go of the set now: the catalog (or the next call) may still hold it.
  set_.reset();
  callbacks_.on_done(summary);
}

}  // namespace geosrpc::exec
