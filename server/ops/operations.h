// The operation table: one entry per operation drives dispatch, parameter
// validation and ListOperations (describe.h). Adding an operation is its
// kernel and one entry beside it, in its family's file (see
// server/ops/internal/families.h).
//
// Thread-safety: the table is built once, on first use, immutable afterwards,
// and may be read from any thread. Kernels run on worker threads with that
// worker's geos::Context (and proj::Context); they never share a context or
// a prepared geometry.
#ifndef GEOSRPC_SERVER_OPS_OPERATIONS_H_
#define GEOSRPC_SERVER_OPS_OPERATIONS_H_

#include <geos_c.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/geos/context.h"
#include "server/geos/handles.h"
#include "server/ops/params.h"
#include "server/proj/context.h"

namespace geosrpc::ops {

enum class ResultType { kDouble, kBool, kInt, kGeometry, kBytes, kString };

// One row's inputs. `b` is null for unary operations. `prepared_b` is set
// when `b` is broadcast and the operation has a prepared kernel. `proj` is
// the worker's PROJ context and transformation cache, for the CRS
// operations (server/ops/internal/crs.cc).
struct Row {
  const GEOSGeometry* a = nullptr;
  const GEOSGeometry* b = nullptr;
  const GEOSPreparedGeometry* prepared_b = nullptr;
  proj::Context* proj = nullptr;
  // a's validated WKB instead, for OpSpec::wkb_kernel (a is then null).
  absl::string_view a_wkb;
};

// One row's output; the kernel sets the member matching the operation's
// ResultType. Bytes results (to_wkt, to_wkb) are appended to `*bytes`.
struct Value {
  double number = 0;
  // Values 2..values_per_row of a multi-valued double row (bounds).
  double more[3] = {0, 0, 0};
  int64_t integer = 0;
  bool flag = false;
  geos::GeometryPtr geometry;
  // An expanding operation's values, in order: geometries, or (kDouble)
  // `width` doubles per value.
  std::vector<geos::GeometryPtr> parts;
  std::vector<double> numbers;
  int width = 1;
  std::string text;
  std::string* bytes = nullptr;
  v1::Encoding bytes_encoding = v1::ENCODING_WKB;
  // kGeometry: a wkb_kernel appended the row's WKB to *bytes itself.
  bool written = false;
};

// Computes one row. A non-OK status becomes that row's error.
using Kernel = absl::Status (*)(geos::Context& context, const Row& row,
                                const Params& params, Value* out);

// Reduces geometries to one. Associative, so the batch reduces chunk by
// chunk and then the chunks' results; takes ownership of `inputs`.
using Reducer = absl::StatusOr<geos::GeometryPtr> (*)(
    geos::Context& context, std::vector<geos::GeometryPtr> inputs,
    const Params& params);

// The coordinates of rows sent as a coordinate array, for a
// CoordinateKernel: `n` coordinates of `dims` ordinates (x, y[, z]
// interleaved) from `in` to `out`, the array's SRID, the worker's PROJ
// context.
struct CoordinateRun {
  const double* in = nullptr;
  double* out = nullptr;
  size_t n = 0;
  int dims = 2;
  int32_t srid = 0;
  proj::Context* proj = nullptr;
};

// Maps every coordinate of a run at once. A non-OK status (one coordinate
// it cannot map, say) sends the run's rows the row-by-row way, where each
// row gets its own outcome.
using CoordinateKernel = absl::Status (*)(const CoordinateRun& run,
                                          const Params& params);

// Checks rules between an operation's parameters (ParamSpec checks each
// one's range): INVALID_ARGUMENT naming them. Runs once per request, in
// ResolveParams.
using ParamsCheck = absl::Status (*)(const Params& params);

// One operation: what it takes, what it yields, the kernel that computes a
// row, and how ListOperations describes it. Entries live with their kernels
// in their family's file (server/ops/internal/families.h) and name their
// fields; the fields they leave out take the defaults below:
//   {.code = v1::OP_CODE_BUFFER, .result = ResultType::kGeometry,
//    .params_field = "buffer", .params = kBufferParams, .kernel = Buffer,
//    .description = "..."}
struct OpSpec {
  v1::OpCode code = v1::OP_CODE_UNSPECIFIED;
  // Lower-case OpCode name (OperationName). Entries leave it unset: the
  // table fills it in when it is built.
  const char* name = nullptr;
  int arity = 1;  // 1 (a) or 2 (a and b).
  ResultType result = ResultType::kDouble;
  // The Operation.params field this operation reads, or nullptr for none.
  const char* params_field = nullptr;
  // The fields of that message the operation reads, in the order Params
  // holds their values (ParamIndex).
  absl::Span<const ParamSpec> params;
  Kernel kernel = nullptr;
  // Used instead of `kernel` when `b` is broadcast and both operands are
  // Preparable (below); null where GEOS has no prepared form.
  Kernel prepared_kernel = nullptr;
  const char* description = nullptr;
  // Doubles per row (kDouble only). An expanding operation's kernel sets
  // Value::width instead (get_coordinates: 2, or 3 with include_z).
  int values_per_row = 1;
  // Rows yield Value::parts (kGeometry) or Value::numbers (kDouble), each
  // part its own value.
  bool expands = false;
  // Set for reductions. A reduction's `kernel`, if any, turns the one
  // reduced geometry (its Row::a) into the result (polygonize_all: the
  // polygons of the batch's linework); without one, the reduced geometry is
  // the result.
  Reducer reducer = nullptr;
  // A reduction that reads its rows in request order (the collects): never
  // in spatial strips; grouped, each group's rows keep their order.
  bool keeps_order = false;
  // Rules between parameters, if any (see ParamsCheck).
  ParamsCheck check_params = nullptr;
  // A cheaper way to the same bytes, where the operation has one: for the
  // rows `keeps_wkb` accepts (transform: plain WKB, see batch::PlainWkb,
  // when it need not densify), when a's rows arrive as
  // binary WKB and results leave as WKB, `wkb_kernel` computes the row from
  // its validated WKB (Row::a_wkb, Row::a null) and appends the result's
  // extended WKB to *Value::bytes, byte for byte what writing `kernel`'s
  // geometry would give, with no GEOS geometry made.
  bool (*keeps_wkb)(absl::string_view wkb, const Params& params) = nullptr;
  Kernel wkb_kernel = nullptr;
  // Cheaper still, for an operation that maps coordinates one by one and
  // changes nothing else (transform without densify: `keeps_coordinates`
  // says when): rows that arrive as a coordinate array and leave as one go
  // through `coordinate_kernel` a run of rows at a time, the array's
  // offsets unchanged, when every row is one the WKB path would keep
  // (batch::PlainRows); the result is what the row-by-row way gives.
  bool (*keeps_coordinates)(const Params& params) = nullptr;
  CoordinateKernel coordinate_kernel = nullptr;
};

// Whether an operation's prepared kernel may serve `g`, as the broadcast b
// or as a row against it. GEOS 3.11.1's prepared forms crash on (distance)
// or disagree with the plain ones about (distance is inf, not 0) empty
// geometries and collections with empty members; the plain kernels handle
// both.
bool Preparable(GEOSContextHandle_t handle, const GEOSGeometry* g);

// An operation's name: its OpCode's name, lower case, without the
// "OP_CODE_" prefix ("distance" for OP_CODE_DISTANCE).
std::string OperationName(v1::OpCode code);

// Every operation, in OpCode order.
absl::Span<const OpSpec> AllOperations();

// The entry for `code`, or INVALID_ARGUMENT for an unknown or unspecified op.
absl::StatusOr<const OpSpec*> FindOperation(v1::OpCode code);

}  // namespace geosrpc::ops

#endif  // GEOSRPC_SERVER_OPS_OPERATIONS_H_
