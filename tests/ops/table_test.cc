#include "server/ops/internal/table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/ops/operations.h"

namespace geosrpc::ops::internal {
namespace {

// The server's entries, unnamed (as the families write them), in reverse
// OpCode order.
std::vector<OpSpec> Entries() {
  absl::Span<const OpSpec> all = OperationTable::Get().operations();
  std::vector<OpSpec> entries(all.rbegin(), all.rend());
  for (OpSpec& spec : entries) spec.name = nullptr;
  return entries;
}

OpSpec& Entry(std::vector<OpSpec>& entries, v1::OpCode code) {
  return *std::find_if(entries.begin(), entries.end(),
                       [code](const OpSpec& s) { return s.code == code; });
}

TEST(OperationTableTest, EveryOpCodeHasExactlyOneEntry) {
  const auto* codes = v1::OpCode_descriptor();
  std::set<int> seen;
  int previous = v1::OP_CODE_UNSPECIFIED;
  for (const OpSpec& spec : OperationTable::Get().operations()) {
    EXPECT_TRUE(seen.insert(spec.code).second) << spec.name;
    EXPECT_GT(spec.code, previous) << spec.name << " is out of OpCode order";
    previous = spec.code;
  }
  EXPECT_EQ(static_cast<int>(seen.size()),
            codes->value_count() - 1);  // All but UNSPECIFIED.
  EXPECT_EQ(AllOperations().data(), OperationTable::Get().operations().data());
}

TEST(OperationTableTest, CreateOrdersByOpCodeAndNamesEntries) {
  auto table = OperationTable::Create(Entries());
  ASSERT_TRUE(table.ok()) << table.status();
  absl::Span<const OpSpec> ops = (*table)->operations();
  ASSERT_EQ(ops.size(), AllOperations().size());
  EXPECT_TRUE(std::is_sorted(
      ops.begin(), ops.end(),
      [](const OpSpec& x, const OpSpec& y) { return x.code < y.code; }));
  for (const OpSpec& spec : ops) {
    ASSERT_NE(spec.name, nullptr);
    EXPECT_EQ(spec.name, OperationName(spec.code));
  }
  EXPECT_STREQ(ops[0].name, "area");
}

TEST(OperationTableTest, CreateRejectsASecondEntry) {
  std::vector<OpSpec> entries = Entries();
  entries.push_back(Entry(entries, v1::OP_CODE_BUFFER));
  EXPECT_EQ(OperationTable::Create(entries).status(),
            absl::InternalError("operation 'buffer' has 2 entries"));
}

TEST(OperationTableTest, CreateRejectsAMissingEntry) {
  std::vector<OpSpec> entries = Entries();
  entries.erase(std::find_if(entries.begin(), entries.end(), [](auto& s) {
    return s.code == v1::OP_CODE_DISTANCE;
  }));
  EXPECT_EQ(OperationTable::Create(entries).status(),
            absl::InternalError("operation 'distance' has no entry"));
}

TEST(OperationTableTest, CreateRejectsCodesNamingNoOperation) {
  for (int code : {0, 9999}) {
    std::vector<OpSpec> entries = Entries();
    entries.push_back(Entry(entries, v1::OP_CODE_AREA));
    entries.back().code = static_cast<v1::OpCode>(code);
    EXPECT_EQ(
        OperationTable::Create(entries).status(),
        absl::InternalError(absl::StrCat("an entry has operation code ", code,
                                         ", which names no operation")));
  }
}

TEST(OperationTableTest, CreateRejectsAnEntryWithoutAWayToRun) {
  std::vector<OpSpec> entries = Entries();
  Entry(entries, v1::OP_CODE_AREA).kernel = nullptr;
  EXPECT_EQ(OperationTable::Create(entries).status(),
            absl::InternalError(
                "operation 'area' needs a kernel, a reducer or both"));
}

// A reduction's kernel finishes the reduced geometry; a reduction reads only
// a, one value per batch.
TEST(OperationTableTest, CreateRejectsAReductionOfTheWrongShape) {
  std::vector<OpSpec> entries = Entries();
  Entry(entries, v1::OP_CODE_UNION_ALL).kernel =
      Entry(entries, v1::OP_CODE_AREA).kernel;
  EXPECT_TRUE(OperationTable::Create(entries).ok());
  Entry(entries, v1::OP_CODE_UNION_ALL).arity = 2;
  EXPECT_EQ(OperationTable::Create(entries).status(),
            absl::InternalError("reduction 'union_all' must be unary, not "
                                "expand, and have no prepared kernel"));
}

TEST(OperationTableTest, CreateRejectsAnEntryItCannotDescribe) {
  std::vector<OpSpec> entries = Entries();
  Entry(entries, v1::OP_CODE_AREA).description = nullptr;
  EXPECT_EQ(OperationTable::Create(entries).status(),
            absl::InternalError("operation 'area' has no description"));
  entries = Entries();
  Entry(entries, v1::OP_CODE_BUFFER).params_field = nullptr;
  EXPECT_EQ(OperationTable::Create(entries).status().code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace geosrpc::ops::internal
