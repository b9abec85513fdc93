// CheckCrs: whether PROJ reads a CRS text, to check a request's CRS
// parameters once, when its plan is made, instead of on every row.
//
// Checking costs what proj::Context::CreateCrs costs: about 0.05-15 ms the
// first time a text is seen (PROJ's database is opened once, ~6 ms), so the
// answers for the last few hundred texts are kept and a repeated CRS costs a
// lookup. Names are refused without a lookup (see CreateCrs), which bounds
// the first time too.
//
// Thread-safety: may be called from any thread. One process-wide
// proj::Context, used under a mutex (PROJ contexts are not thread-safe),
// created on first use and never destroyed.
#ifndef GEOSRPC_SERVER_PROJ_CRS_CHECK_H_
#define GEOSRPC_SERVER_PROJ_CRS_CHECK_H_

#include <string>

#include "absl/status/status.h"

namespace geosrpc::proj {

// OK if proj::Context::CreateCrs(text) succeeds; its INVALID_ARGUMENT with
// PROJ's reason otherwise.
absl::Status CheckCrs(const std::string& text);

}  // namespace geosrpc::proj

#endif  // GEOSRPC_SERVER_PROJ_CRS_CHECK_H_
