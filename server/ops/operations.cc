#include "server/ops/operations.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/ops/internal/guards.h"
#include "server/ops/internal/table.h"

namespace geosrpc::ops {

bool Preparable(GEOSContextHandle_t handle, const GEOSGeometry* g) {
  return GEOSisEmpty_r(handle, g) == 0 && !internal::HasEmptyMember(handle, g);
}

std::string OperationName(v1::OpCode code) {
  constexpr absl::string_view kPrefix = "OP_CODE_";
  absl::string_view name = v1::OpCode_Name(code);
  absl::ConsumePrefix(&name, kPrefix);
  return absl::AsciiStrToLower(name);
}

absl::Span<const OpSpec> AllOperations() {
  return internal::OperationTable::Get().operations();
}

absl::StatusOr<const OpSpec*> FindOperation(v1::OpCode code) {
  for (const OpSpec& spec : AllOperations()) {
    if (spec.code == code) return &spec;
  }
  return absl::InvalidArgumentError(
      code == v1::OP_CODE_UNSPECIFIED
          ? std::string("operation.op is not set")
          : absl::StrCat("unknown operation code ", static_cast<int>(code),
                         " (ListOperations lists the supported ones)"));
}

}  // namespace geosrpc::ops
