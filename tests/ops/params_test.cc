#include "server/ops/params.h"

#include <gtest/gtest.h>

namespace geosrpc::ops {
namespace {

constexpr ParamSpec kSpecs[] = {
    {.name = "mitre_limit",
     .type = ParamType::kDouble,
     .default_value = 5,
     .min = 0,
     .max = kInf,
     .description = "Read before quadsegs, against the proto's order."},
    {.name = "quadsegs",
     .type = ParamType::kInt,
     .default_value = 8,
     .min = 1,
     .max = 1000,
     .description = "Segments approximating a quarter circle."},
};

// ParamIndex is evaluated at compile time; a name missing from the list
// does not compile (ParamIndex(kSpecs, "radius") here).
static_assert(ParamIndex(kSpecs, "mitre_limit") == 0);
static_assert(ParamIndex(kSpecs, "quadsegs") == 1);

TEST(ParamIndexTest, FindsEachParameterAtItsPosition) {
  EXPECT_EQ(ParamIndex(kSpecs, "mitre_limit"), 0);
  EXPECT_EQ(ParamIndex(kSpecs, "quadsegs"), 1);
}

TEST(ParamSpecTest, FieldsLeftOutTakeTheDocumentedDefaults) {
  constexpr ParamSpec spec = {.name = "x"};
  EXPECT_EQ(spec.type, ParamType::kDouble);
  EXPECT_FALSE(spec.required);
  EXPECT_EQ(spec.default_value, 0);
  EXPECT_EQ(spec.charset, nullptr);
}

}  // namespace
}  // namespace geosrpc::ops
