// Status propagation helpers. Abseil 20220623 ships neither macro, so geosrpc
// defines them once, here. Header-only and stateless: safe from any thread.
#ifndef GEOSRPC_BASE_STATUS_MACROS_H_
#define GEOSRPC_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Returns from the current function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status geosrpc_status_ = (expr);           \
    if (!geosrpc_status_.ok()) return geosrpc_status_; \
  } while (0)

#define GEOSRPC_CONCAT_INNER_(a, b) a##b
#define GEOSRPC_CONCAT_(a, b) GEOSRPC_CONCAT_INNER_(a, b)

// `ASSIGN_OR_RETURN(T x, StatusOr<T>-expr);` declares or assigns `x` from the
// value, or returns the error.
#define ASSIGN_OR_RETURN(lhs, expr)                                         \
  ASSIGN_OR_RETURN_IMPL_(GEOSRPC_CONCAT_(geosrpc_statusor_, __LINE__), lhs, \
                         expr)
#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                           \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

#endif  // GEOSRPC_BASE_STATUS_MACROS_H_
