// OperationTable: every family's entries (families.h) checked once, ordered
// by OpCode and named after their codes. operations.h's AllOperations and
// FindOperation read the server's table, OperationTable::Get().
//
// Thread-safety: a table is immutable once created and may be read from any
// thread. Get() builds the server's table on first use (a function-local
// static, so concurrent first calls are safe) and never destroys it.
#ifndef GEOSRPC_SERVER_OPS_INTERNAL_TABLE_H_
#define GEOSRPC_SERVER_OPS_INTERNAL_TABLE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/ops/operations.h"

namespace geosrpc::ops::internal {

class OperationTable {
 public:
  // The table of `entries`, in OpCode order, each OpSpec::name filled in.
  // INTERNAL naming the offending entry unless every OpCode of the proto but
  // OP_CODE_UNSPECIFIED has exactly one entry, and each entry has a kernel,
  // a reducer (unary, not expanding, unprepared) or both, a description,
  // and named, described parameters.
  static absl::StatusOr<std::unique_ptr<const OperationTable>> Create(
      absl::Span<const OpSpec> entries);

  // The server's table, of every family. Aborts with Create's message if
  // the families do not make a table: a broken build, caught by any test.
  static const OperationTable& Get();

  OperationTable(const OperationTable&) = delete;
  OperationTable& operator=(const OperationTable&) = delete;

  absl::Span<const OpSpec> operations() const { return operations_; }

 private:
  OperationTable() = default;

  // operations_[i].name points into names_[i]; neither changes after Create.
  std::vector<std::string> names_;
  std::vector<OpSpec> operations_;
};

}  // namespace geosrpc::ops::internal

#endif  // GEOSRPC_SERVER_OPS_INTERNAL_TABLE_H_
