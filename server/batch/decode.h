// Row decoding: untrusted encoded rows (WKB, hex WKB, WKT, GeoJSON) in,
// validated GEOS geometries out.
//
// Every row is validated before GEOS parses it (see wkb.h): WKB is walked by
// ValidateWkb; text is bracket-checked, parsed, written back as WKB and held
// to the same rules. DecodeRows serves a thread that decodes rows for its
// own use (a worker's chunk): the geometries belong to the caller's context
// and are not primed for sharing. Shared batches go through FrozenBatch.
//
// Thread-safety: pure functions over the caller's geos::Context; any number
// of threads may decode at once, each with its own context.
#ifndef GEOSRPC_SERVER_BATCH_DECODE_H_
#define GEOSRPC_SERVER_BATCH_DECODE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/batch/wkb.h"
#include "server/geos/context.h"
#include "server/geos/handles.h"

namespace geosrpc::batch {

enum class Encoding { kWkb, kWkt, kHexWkb, kGeoJson };

// An undecoded batch: row i is data[offsets[i], offsets[i+1]). Does not own
// the bytes, which must outlive every reader of the view.
struct BatchView {
  Encoding encoding = Encoding::kWkb;
  absl::string_view data;
  absl::Span<const uint64_t> offsets;

  size_t size() const { return offsets.empty() ? 0 : offsets.size() - 1; }
  absl::string_view row(size_t i) const {
    return data.substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  // Rows [begin, end) as a view of their own.
  BatchView rows(size_t begin, size_t end) const {
    return {encoding, data, offsets.subspan(begin, end - begin + 1)};
  }
};

// INVALID_ARGUMENT unless `view` is well formed: n+1 offsets starting at 0,
// never decreasing, ending at data.size() (no offsets at all is an empty batch
// only when data is empty too). `name` prefixes the message ("a", "b_rows").
absl::Status ValidateShape(const BatchView& view, absl::string_view name);

// One row decoded, or why it cannot be. `scratch` is reused across calls;
// `info` receives what validation learned (vertices, x extent).
absl::StatusOr<geos::GeometryPtr> DecodeRow(
    geos::Context& context, Encoding encoding, absl::string_view bytes,
    const GeometryLimits& limits, std::string* scratch, WkbInfo* info);

// Validates one row exactly as DecodeRow does, building no GEOS geometry
// where the encoding allows (WKB and hex WKB are only walked; text is
// parsed). What validation learned, or the row's error.
absl::StatusOr<WkbInfo> InspectRow(geos::Context& context, Encoding encoding,
                                   absl::string_view bytes,
                                   const GeometryLimits& limits,
                                   std::string* scratch);

// Which validated WKB rows DecodeRows leaves undecoded, for a kernel that
// reads WKB itself (ops::OpSpec::wkb_kernel); called with a row's bytes
// after ValidateWkb accepted them.
using KeepWkb = absl::FunctionRef<bool(absl::string_view wkb)>;

// The rows of `view` decoded one at a time, for a loop that uses each row
// and lets it go before the next: the next row's geometry then reuses its
// memory while it is still in cache (DecodeRows holds a chunk's rows at
// once; per row is measurably faster for joins, bench/RESULTS.md).
//
// Thread-safety: none; one per loop, on the thread that owns `context`.
class RowDecoder {
 public:
  // With `keep_wkb`, binary WKB rows it accepts are validated and left
  // undecoded, as DecodeRows does. The bytes `view` names and `keep_wkb`
  // must outlive this.
  RowDecoder(geos::Context& context, const BatchView& view,
             const GeometryLimits& limits,
             std::optional<KeepWkb> keep_wkb = std::nullopt);

  // Row i of the view: its geometry, or null when it was kept as WKB (then
  // OK) or failed (then why). Adds its vertices (if valid) to `*vertices`.
  absl::StatusOr<geos::GeometryPtr> Decode(size_t i, uint64_t* vertices);

  // True, with its coordinates, when row i is a two-dimensional point in
  // binary or hex WKB that Decode would accept (ReadPlainXyPoint), read
  // without GEOS; then adds its one vertex to `*vertices`. False says
  // nothing about the row: Decode decides.
  bool PlainPoint(size_t i, double* x, double* y, uint64_t* vertices);

 private:
  geos::Context& context_;
  const BatchView view_;
  const GeometryLimits limits_;
  const std::optional<KeepWkb> keep_wkb_;
  std::string scratch_;
};

// Every row of `view`, decoded for the calling thread's own use.
struct DecodedRows {
  // Row i's geometry, owned through the decoding context; null where the
  // row failed or was kept as WKB.
  std::vector<geos::GeometryPtr> geometries;
  // Why row i failed; OK for decoded rows and rows kept as WKB.
  std::vector<absl::Status> statuses;
  // Vertices of the rows that passed validation.
  uint64_t vertices = 0;

  size_t size() const { return geometries.size(); }
  // Whether row i passed validation and was left as WKB (`keep_wkb`).
  bool kept_as_wkb(size_t i) const {
    return geometries[i] == nullptr && statuses[i].ok();
  }
};
DecodedRows DecodeRows(geos::Context& context, const BatchView& view,
                       const GeometryLimits& limits);
// The same, but binary WKB rows `keep_wkb` accepts are validated and left
// undecoded.
DecodedRows DecodeRows(geos::Context& context, const BatchView& view,
                       const GeometryLimits& limits, KeepWkb keep_wkb);

}  // namespace geosrpc::batch

#endif  // GEOSRPC_SERVER_BATCH_DECODE_H_
