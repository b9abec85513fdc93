#include "server/ops/params.h"

#include <gtest/gtest.h>

#include "server/ops/operations.h"

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

// Params holds values in the order of the spec list, whatever the order of
// the proto's fields: ResolveParams reads them by name.
TEST(ResolveParamsTest, HoldsValuesInSpecOrderAtTheirParamIndex) {
  const OpSpec spec = {.code = v1::OP_CODE_BUFFER,
                       .name = "buffer",
                       .params_field = "buffer",
                       .params = kSpecs};
  v1::Operation op;
  op.mutable_buffer()->set_quadsegs(3);
  op.mutable_buffer()->set_mitre_limit(2.5);
  absl::StatusOr<Params> p = ResolveParams(spec, op);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->number(ParamIndex(kSpecs, "mitre_limit")), 2.5);
  EXPECT_EQ(p->integer(ParamIndex(kSpecs, "quadsegs")), 3);

  op.mutable_buffer()->clear_quadsegs();
  p = ResolveParams(spec, op);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->integer(ParamIndex(kSpecs, "quadsegs")), 8);
}

}  // namespace
}  // namespace geosrpc::ops
