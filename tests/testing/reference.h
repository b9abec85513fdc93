// Reference results: each operation computed by calling GEOS's C API
// directly (PROJ's for the CRS operations), written independently of server/ops
// (its own switch, its own defaults), so tests compare the service against GEOS
// rather than against itself. Uses the caller's context: one thread per
// context.
#ifndef GEOSRPC_TESTS_TESTING_REFERENCE_H_
#define GEOSRPC_TESTS_TESTING_REFERENCE_H_

#include <geos_c.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/geos/context.h"

namespace geosrpc::testing {

struct Expected {
  bool ok = false;  // False when GEOS failed on this row.
  // The row error's code when !ok: GEOS failed, or (accessors by index) the
  // index is out of range.
  absl::StatusCode code = absl::StatusCode::kFailedPrecondition;
  double number = 0;
  bool flag = false;
  int64_t integer = 0;
  // Geometry results as WKB (NDR, extended, 3D); to_wkt/to_wkb output as is.
  std::string bytes;
  // bounds: ymin, xmax, ymax after number; get_coordinates: every ordinate.
  std::vector<double> more;
  std::string text;                // relate, is_valid_reason.
  std::vector<std::string> parts;  // get_parts, as WKB.
  // Doubles: the relative difference allowed (0: exactly equal). Set where
  // the reference computes by another route (geodesic measures).
  double tolerance = 0;
  // No reference for this row (the service's answer is checked elsewhere).
  bool unchecked = false;
  // Where the answer is judged by its properties rather than compared
  // (subdivide's pieces, as_mvt_geom's tile geometry): checks the row's
  // values (its parts, or its one value), as WKB, with gtest assertions.
  std::function<void(geos::Context&, const std::vector<std::string>&)> check;
  // With `check`: GEOS may also fail the row (FAILED_PRECONDITION).
  bool may_fail = false;
};

Expected Reference(geos::Context& context, const v1::Operation& op,
                   const GEOSGeometry* a, const GEOSGeometry* b);

// The same through GEOS's prepared form of `b`, for the operations that have
// one; nullopt for the others.
std::optional<Expected> PreparedReference(geos::Context& context,
                                          const v1::Operation& op,
                                          const GEOSGeometry* a,
                                          const GEOSPreparedGeometry* b);

}  // namespace geosrpc::testing

#endif  // GEOSRPC_TESTS_TESTING_REFERENCE_H_
