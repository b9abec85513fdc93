#include "server/ops/internal/table.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "server/ops/internal/families.h"

namespace geosrpc::ops::internal {
namespace {

// OK if `spec`, taken on its own, can serve: something to run, something to
// describe.
absl::Status CheckEntry(const OpSpec& spec) {
  const std::string name = OperationName(spec.code);
  if (spec.kernel == nullptr && spec.reducer == nullptr) {
    return absl::InternalError(absl::StrCat(
        "operation '", name, "' needs a kernel, a reducer or both"));
  }
  if (spec.reducer != nullptr &&
      (spec.arity != 1 || spec.expands || spec.prepared_kernel != nullptr)) {
    return absl::InternalError(
        absl::StrCat("reduction '", name,
                     "' must be unary, not expand, and have no "
                     "prepared kernel"));
  }
  if (spec.reducer != nullptr && spec.result != ResultType::kGeometry &&
      !(spec.result == ResultType::kDouble && spec.values_per_row == 4)) {
    return absl::InternalError(absl::StrCat(
        "reduction '", name, "' must yield a geometry or its bounds"));
  }
  if (spec.description == nullptr) {
    return absl::InternalError(
        absl::StrCat("operation '", name, "' has no description"));
  }
  for (const ParamSpec& p : spec.params) {
    if (spec.params_field == nullptr || p.name == nullptr ||
        p.description == nullptr) {
      return absl::InternalError(absl::StrCat(
          "operation '", name,
          "' has a parameter without a params_field, name or description"));
    }
  }
  return absl::OkStatus();
}

// OK if `entries` hold exactly one entry per OpCode but OP_CODE_UNSPECIFIED.
absl::Status CheckOneEntryPerOpCode(absl::Span<const OpSpec> entries) {
  std::map<int, int> count;  // OpCode -> entries.
  for (const OpSpec& spec : entries) ++count[spec.code];
  const google::protobuf::EnumDescriptor* codes = v1::OpCode_descriptor();
  for (const auto& [code, n] : count) {
    if (code == v1::OP_CODE_UNSPECIFIED ||
        codes->FindValueByNumber(code) == nullptr) {
      return absl::InternalError(absl::StrCat(
          "an entry has operation code ", code, ", which names no operation"));
    }
    if (n > 1) {
      return absl::InternalError(absl::StrCat("operation '",
                                              OperationName(v1::OpCode(code)),
                                              "' has ", n, " entries"));
    }
  }
  for (int i = 0; i < codes->value_count(); ++i) {
    const int code = codes->value(i)->number();
    if (code != v1::OP_CODE_UNSPECIFIED && count.count(code) == 0) {
      return absl::InternalError(absl::StrCat(
          "operation '", OperationName(v1::OpCode(code)), "' has no entry"));
    }
  }
  return absl::OkStatus();
}

std::vector<OpSpec> EveryFamily() {
  std::vector<OpSpec> all;
  for (absl::Span<const OpSpec> family :
       {MeasureOperations(), PredicateOperations(), ConstructiveOperations(),
        LinearReferencingOperations(), SetOperations(), ReductionOperations(),
        AccessorOperations(), OutputOperations(), CrsOperations(),
        TransformOperations(), PieceOperations()}) {
    all.insert(all.end(), family.begin(), family.end());
  }
  return all;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const OperationTable>> OperationTable::Create(
    absl::Span<const OpSpec> entries) {
  RETURN_IF_ERROR(CheckOneEntryPerOpCode(entries));
  for (const OpSpec& spec : entries) RETURN_IF_ERROR(CheckEntry(spec));
  std::unique_ptr<OperationTable> table(new OperationTable());
  table->operations_.assign(entries.begin(), entries.end());
  std::sort(table->operations_.begin(), table->operations_.end(),
            [](const OpSpec& x, const OpSpec& y) { return x.code < y.code; });
  for (const OpSpec& spec : table->operations_) {
    table->names_.push_back(OperationName(spec.code));
  }
  for (size_t i = 0; i < table->operations_.size(); ++i) {
    table->operations_[i].name = table->names_[i].c_str();
  }
  return table;
}

const OperationTable& OperationTable::Get() {
  static const OperationTable* const table = [] {
    absl::StatusOr<std::unique_ptr<const OperationTable>> created =
        Create(EveryFamily());
    if (!created.ok()) {
      std::fprintf(stderr, "geosrpc: the operation table is broken: %s\n",
                   created.status().ToString().c_str());
      std::abort();
    }
    return created->release();
  }();
  return *table;
}

}  // namespace geosrpc::ops::internal
