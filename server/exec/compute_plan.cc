#include "server/exec/compute_plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/partition_point.h"
#include "base/status_macros.h"

namespace geosrpc::exec {
namespace {

absl::Status CheckEncoding(v1::Encoding e, absl::string_view field) {
  if (v1::Encoding_IsValid(e)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": unknown encoding ", static_cast<int>(e)));
}

// Tasks per job stay bounded whatever chunk size a client asks for.
constexpr size_t kMaxChunksPerJob = 4096;

}  // namespace

size_t ChunkRowsFor(size_t rows, size_t requested, int workers,
                    size_t max_rows) {
  size_t chunk = requested;
  if (chunk == 0) {
    // Several chunks per worker balance uneven rows; large enough chunks keep
    // per-chunk overhead (a task, a message) negligible.
    chunk = std::clamp<size_t>((rows + 8 * workers - 1) / (8 * workers), 16,
                               std::max<size_t>(max_rows, 16));
  }
  return std::max<size_t>(
      {chunk, (rows + kMaxChunksPerJob - 1) / kMaxChunksPerJob, 1});
}

namespace {

size_t CeilDiv(size_t n, size_t d) { return (n + d - 1) / d; }

}  // namespace

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

absl::StatusOr<batch::CoordinateArrayView> CoordinatesOf(
    const v1::CoordinateArray& c, absl::string_view name) {
  if (c.kind() < v1::COORDINATE_KIND_POINT ||
      c.kind() > v1::COORDINATE_KIND_MULTIPOLYGON) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ".coordinates.kind: ",
                     c.kind() == v1::COORDINATE_KIND_UNSPECIFIED
                         ? std::string("not set")
                         : absl::StrCat("unknown kind ", c.kind())));
  }
  return batch::CoordinateArrayView{
      .kind = static_cast<batch::CoordinateKind>(c.kind()),
      .dimensions = c.dimensions() == 0 ? 2 : static_cast<int>(c.dimensions()),
      .coords = c.coords(),
      .geometry_offsets = absl::MakeConstSpan(c.geometry_offsets()),
      .part_offsets = absl::MakeConstSpan(c.part_offsets()),
      .ring_offsets = absl::MakeConstSpan(c.ring_offsets()),
      .srid = c.srid()};
}

namespace {

// Whether a's coordinates go to the operation's coordinate kernel (see
// ops::OpSpec::coordinate_kernel): a unary, per-row operation on a batch
// sent as coordinates, asked for coordinates back.
bool KeepsCoordinates(const v1::ComputeRequest& request,
                      const ops::OpSpec& spec, const ops::Params& params) {
  return request.a().encoding() == v1::ENCODING_COORDINATES &&
         request.a().data().empty() && request.a().offsets().empty() &&
         request.result_encoding() == v1::ENCODING_COORDINATES &&
         request.b_case() == v1::ComputeRequest::B_NOT_SET &&
         request.group_keys().empty() && spec.coordinate_kernel != nullptr &&
         spec.keeps_coordinates(params);
}

}  // namespace

absl::StatusOr<batch::BatchView> ViewOf(
    const v1::GeometryBatch& b, absl::string_view name,
    std::shared_ptr<const batch::WkbRows>* owned) {
  RETURN_IF_ERROR(CheckEncoding(b.encoding(), name));
  if (b.encoding() == v1::ENCODING_COORDINATES) {
    if (!b.data().empty() || !b.offsets().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          name,
          ": encoding is ENCODING_COORDINATES; data and offsets must "
          "be empty (the rows are in coordinates)"));
    }
    ASSIGN_OR_RETURN(const batch::CoordinateArrayView coordinates,
                     CoordinatesOf(b.coordinates(), name));
    ASSIGN_OR_RETURN(*owned, batch::CoordinatesToWkb(coordinates, name));
    return (*owned)->view();
  }
  if (b.has_coordinates()) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": coordinates is set but encoding is ",
        v1::Encoding_Name(b.encoding()), " (use ENCODING_COORDINATES)"));
  }
  const batch::BatchView view{ToBatchEncoding(b.encoding()), b.data(),
                              absl::MakeConstSpan(b.offsets())};
  RETURN_IF_ERROR(batch::ValidateShape(view, name));
  return view;
}

absl::StatusOr<ComputePlan> ComputePlan::Create(
    const v1::ComputeRequest& request, const ComputeLimits& limits,
    int workers) {
  ComputePlan plan;
  ASSIGN_OR_RETURN(plan.spec_, ops::FindOperation(request.operation().op()));
  const ops::OpSpec& spec = *plan.spec_;
  ASSIGN_OR_RETURN(plan.params_, ops::ResolveParams(spec, request.operation()));
  RETURN_IF_ERROR(CheckEncoding(request.result_encoding(), "result_encoding"));
  plan.result_encoding_ = request.result_encoding() == v1::ENCODING_UNSPECIFIED
                              ? v1::ENCODING_WKB
                              : request.result_encoding();

  if (plan.result_encoding_ == v1::ENCODING_COORDINATES &&
      spec.result == ops::ResultType::kGeometry && plan.reduces()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "result_encoding: operation '", spec.name,
        "' is a reduction; ENCODING_COORDINATES carries one geometry per row "
        "or part: ask for WKB"));
  }

  if (KeepsCoordinates(request, spec, plan.params_)) {
    // Rows a coordinate kernel can map stay coordinates: the job slices
    // the array itself, writing WKB only for runs it cannot map.
    ASSIGN_OR_RETURN(const batch::CoordinateArrayView coordinates,
                     CoordinatesOf(request.a().coordinates(), "a"));
    ASSIGN_OR_RETURN(plan.rows_, batch::CheckCoordinates(coordinates, "a"));
    plan.a_coordinates_ = coordinates;
  } else {
    ASSIGN_OR_RETURN(plan.a_, ViewOf(request.a(), "a", &plan.a_owned_));
    plan.rows_ = plan.a_.size();
  }
  if (plan.rows_ > limits.max_rows) {
    return absl::ResourceExhaustedError(
        absl::StrCat("batch has ", plan.rows_, " rows; the limit is ",
                     limits.max_rows, " (max_rows_per_batch)"));
  }

  switch (request.b_case()) {
    case v1::ComputeRequest::B_NOT_SET:
      break;
    case v1::ComputeRequest::kBBroadcast: {
      const v1::Geometry& g = request.b_broadcast();
      RETURN_IF_ERROR(CheckEncoding(g.encoding(), "b_broadcast"));
      if (g.encoding() == v1::ENCODING_COORDINATES) {
        return absl::InvalidArgumentError(
            "b_broadcast: ENCODING_COORDINATES is for batches (a, b_rows); "
            "send one geometry as WKB, WKT or GeoJSON");
      }
      if (g.data().empty()) {
        return absl::InvalidArgumentError("b_broadcast: empty geometry");
      }
      plan.operand_ = Operand::kBroadcast;
      plan.b_ = {ToBatchEncoding(g.encoding()), g.data(), {}};
      plan.broadcast_offsets_[1] = g.data().size();
      break;
    }
    case v1::ComputeRequest::kBRows:
      plan.operand_ = Operand::kRows;
      ASSIGN_OR_RETURN(plan.b_,
                       ViewOf(request.b_rows(), "b_rows", &plan.b_owned_));
      if (plan.b_.size() != plan.rows_) {
        return absl::InvalidArgumentError(absl::StrCat(
            "b_rows has ", plan.b_.size(), " rows but a has ", plan.rows_));
      }
      break;
  }
  if (spec.arity == 2 && plan.operand_ == Operand::kNone) {
    return absl::InvalidArgumentError(absl::StrCat(
        "operation '", spec.name, "' is binary: set b_broadcast or b_rows"));
  }
  if (spec.arity == 1 && plan.operand_ != Operand::kNone) {
    return absl::InvalidArgumentError(
        absl::StrCat("operation '", spec.name, "' is unary: leave b unset"));
  }

  if (!request.group_keys().empty()) {
    if (!plan.reduces()) {
      return absl::InvalidArgumentError(
          absl::StrCat("group_keys: operation '", spec.name,
                       "' is not a reduction; only reductions take keys"));
    }
    if (static_cast<size_t>(request.group_keys_size()) != plan.rows_) {
      return absl::InvalidArgumentError(
          absl::StrCat("group_keys has ", request.group_keys_size(),
                       " keys but a has ", plan.rows_, " rows"));
    }
    plan.group_keys_ = absl::MakeConstSpan(request.group_keys());
  }

  const size_t requested = request.chunk_rows();
  plan.chunk_rows_ =
      ChunkRowsFor(plan.rows_, requested, workers, plan.MaxChunkRows());
  if (plan.grouped() && requested == 0) {
    // Groups reduce in parallel within and across chunks; a few chunks per
    // worker balance uneven groups, and a group that spans chunks has few
    // partial results to combine. Rows of a group are read in strips.
    plan.key_rows_ = plan.chunk_rows_;
    plan.chunk_rows_ =
        std::max<size_t>(plan.chunk_rows_, CeilDiv(plan.rows_, 4 * workers));
    plan.strips_ = plan.rows_ > 1 && !spec.keeps_order;
  } else if (plan.reduces() && requested == 0) {
    // Every extra chunk is one more partial result for the final, serial
    // step to combine: one chunk per worker, each a spatial strip when
    // there are several.
    plan.key_rows_ = plan.chunk_rows_;
    plan.chunk_rows_ = std::max<size_t>(1, CeilDiv(plan.rows_, workers));
    plan.strips_ =
        CeilDiv(plan.rows_, plan.chunk_rows_) > 1 && !spec.keeps_order;
  }
  plan.num_chunks_ = CeilDiv(plan.rows_, plan.chunk_rows_);
  if (requested == 0 && !plan.grouped() && !plan.reduces()) {
    plan.BalanceChunks();
  }
  return plan;
}

uint64_t ComputePlan::BytesBefore(size_t row) const {
  // A row costs more than its bytes: a result to build, a kernel to call.
  constexpr uint64_t kRowBytes = 64;
  uint64_t bytes = row * kRowBytes;
  if (a_coordinates_) {
    bytes += batch::FirstCoordinate(*a_coordinates_, row) * 8 *
             a_coordinates_->dimensions;
  } else {
    bytes += a_.offsets[row];
  }
  if (operand_ == Operand::kRows) bytes += b_.offsets[row];
  return bytes;
}

void ComputePlan::BalanceChunks() {
  // Points sent as coordinates are all alike.
  if (num_chunks_ < 2 ||
      (a_coordinates_ &&
       a_coordinates_->kind == batch::CoordinateKind::kPoint)) {
    return;
  }
  // As many chunks again at most: each ends at chunk_rows_ rows or at
  // `target` bytes, whichever comes first.
  const uint64_t target =
      std::max<uint64_t>(1, CeilDiv(BytesBefore(rows_), num_chunks_));
  std::vector<size_t> starts = {0};
  for (size_t begin = 0; begin < rows_;) {
    const uint64_t limit = BytesBefore(begin) + target;
    // BytesBefore grows with the row: the ends within the limit come first.
    begin =
        LastEndWithin(begin, std::min(rows_, begin + chunk_rows_),
                      [&](size_t end) { return BytesBefore(end) <= limit; });
    starts.push_back(begin);
  }
  num_chunks_ = starts.size() - 1;
  chunk_starts_ = std::move(starts);
}

size_t ComputePlan::MaxChunkRows() const {
  // A chunk of 1,024 rows, unless the operation only maps each row's
  // coordinates (transform, affine, ...: keeps_coordinates): such rows cost
  // a fraction of a microsecond a point, so a task and a message per 1,024
  // of them weigh (transform of a million points as coordinates: 0.28 s
  // with chunks of 1,024 rows, 0.22 s with 65,536, one worker). Their
  // results are the size of their input, so up to kChunkInputBytes of
  // input a chunk keeps a chunk's unsent results about that size too.
  constexpr uint64_t kChunkInputBytes = 1 << 20;
  const ops::OpSpec& spec = *spec_;
  if (rows_ == 0 || reduces() || spec.keeps_coordinates == nullptr ||
      !spec.keeps_coordinates(params_)) {
    return kMaxChunkRows;
  }
  const uint64_t row_bytes = std::max<uint64_t>(1, request_bytes() / rows_);
  return std::max<size_t>(kMaxChunkRows, kChunkInputBytes / row_bytes);
}

uint64_t ComputePlan::request_bytes() const {
  uint64_t bytes = a_.data.size() + a_.offsets.size() * sizeof(uint64_t) +
                   b_.data.size() + b_.offsets.size() * sizeof(uint64_t);
  if (a_coordinates_) {
    const batch::CoordinateArrayView& c = *a_coordinates_;
    bytes += c.coords.size() +
             sizeof(uint64_t) * (c.geometry_offsets.size() +
                                 c.part_offsets.size() + c.ring_offsets.size());
  }
  return bytes;
}

batch::BatchView ComputePlan::b() const {
  if (operand_ != Operand::kBroadcast) return b_;
  return {b_.encoding, b_.data, absl::MakeConstSpan(broadcast_offsets_)};
}

size_t ComputePlan::chunk_end(size_t chunk) const {
  if (!chunk_starts_.empty()) return chunk_starts_[chunk + 1];
  return std::min(rows_, (chunk + 1) * chunk_rows_);
}

size_t ComputePlan::num_key_tasks() const {
  return strips_ ? CeilDiv(rows_, key_rows_) : 0;
}

}  // namespace geosrpc::exec
