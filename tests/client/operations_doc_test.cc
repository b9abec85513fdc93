// docs/operations.md is generated from the operation table; this keeps the
// two in step. GEOSRPC_UPDATE_DOCS=1 (what `make docs` sets) rewrites the
// file instead of comparing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "client/cli/output.h"
#include "server/ops/describe.h"
#include "server/ops/operations.h"

namespace geosrpc::cli {
namespace {

constexpr char kPath[] = GEOSRPC_SOURCE_DIR "/docs/operations.md";

TEST(OperationsDocTest, MatchesTheOperationTable) {
  const std::string generated = OperationsMarkdown(ops::DescribeAll());
  if (const char* update = std::getenv("GEOSRPC_UPDATE_DOCS");
      update != nullptr && std::string(update) == "1") {
    std::ofstream(kPath) << generated;
  }
  std::ifstream file(kPath);
  ASSERT_TRUE(file.good()) << kPath << " is missing: run `make docs`";
  std::stringstream content;
  content << file.rdbuf();
  EXPECT_EQ(content.str(), generated)
      << kPath << " is out of date with the operation table: run `make docs`";
}

TEST(OperationsDocTest, ListsEveryOperationWithItsParameters) {
  const std::string doc = OperationsMarkdown(ops::DescribeAll());
  for (const ops::OpSpec& spec : ops::AllOperations()) {
    EXPECT_NE(doc.find(absl::StrCat("| `", spec.name, "` |")),
              std::string::npos)
        << spec.name;
  }
  EXPECT_NE(doc.find("`relate_pattern.pattern`: string = (required), 9 "
                     "characters of \"TF*012\""),
            std::string::npos);
  EXPECT_NE(doc.find("| `bounds` | a | double x4 |"), std::string::npos);
}

}  // namespace
}  // namespace geosrpc::cli
