#include "server/ops/operations.h"

#include <gtest/gtest.h>

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/geos/context.h"
#include "server/ops/describe.h"

namespace geosrpc::ops {
namespace {

using google::protobuf::FieldDescriptor;

TEST(OperationsTest, EveryOpCodeHasExactlyOneEntry) {
  const auto* codes = v1::OpCode_descriptor();
  std::set<int> seen;
  for (const OpSpec& spec : AllOperations()) {
    EXPECT_TRUE(seen.insert(spec.code).second) << spec.name;
    EXPECT_EQ(spec.name, OperationName(spec.code));
    EXPECT_TRUE(spec.arity == 1 || spec.arity == 2) << spec.name;
    // A reduction has a reducer, and a row kernel only to finish its result
    // (polygonize_all).
    EXPECT_TRUE(spec.kernel != nullptr || spec.reducer != nullptr) << spec.name;
    if (spec.reducer != nullptr) {
      // A geometry, or its bounds (total_bounds).
      EXPECT_TRUE(
          spec.result == ResultType::kGeometry ||
          (spec.result == ResultType::kDouble && spec.values_per_row == 4))
          << spec.name;
      EXPECT_EQ(spec.arity, 1) << spec.name;
    }
    // Parts are geometries, or (get_coordinates) rows of doubles.
    if (spec.expands) {
      EXPECT_TRUE(spec.result == ResultType::kGeometry ||
                  spec.result == ResultType::kDouble)
          << spec.name;
    }
    if (spec.values_per_row != 1) {
      EXPECT_EQ(spec.result, ResultType::kDouble);
    }
  }
  for (int i = 0; i < codes->value_count(); ++i) {
    const int code = codes->value(i)->number();
    if (code == v1::OP_CODE_UNSPECIFIED) continue;
    EXPECT_TRUE(seen.count(code)) << codes->value(i)->name();
  }
}

// The table's parameter specs and the proto's params messages describe the
// same fields with compatible types.
TEST(OperationsTest, ParamSpecsMatchTheProtoMessages) {
  for (const OpSpec& spec : AllOperations()) {
    if (spec.params_field == nullptr) {
      EXPECT_TRUE(spec.params.empty()) << spec.name;
      continue;
    }
    const FieldDescriptor* field =
        v1::Operation::descriptor()->FindFieldByName(spec.params_field);
    ASSERT_NE(field, nullptr) << spec.name;
    const auto* message = field->message_type();
    std::set<std::string> names;
    for (const ParamSpec& p : spec.params) {
      const FieldDescriptor* f = message->FindFieldByName(p.name);
      ASSERT_NE(f, nullptr) << spec.name << "." << p.name;
      EXPECT_TRUE(f->has_presence()) << p.name << " must be optional";
      names.insert(p.name);
      switch (p.type) {
        case ParamType::kDouble:
          EXPECT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_DOUBLE) << p.name;
          break;
        case ParamType::kInt:
          EXPECT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_INT32) << p.name;
          break;
        case ParamType::kBool:
          EXPECT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_BOOL) << p.name;
          EXPECT_EQ(p.min, 0) << p.name;
          EXPECT_EQ(p.max, 1) << p.name;
          break;
        case ParamType::kEnum:
          EXPECT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_ENUM) << p.name;
          // Every value but the zero one, _UNSPECIFIED (the default).
          EXPECT_EQ(p.max - p.min + 1, f->enum_type()->value_count() - 1);
          EXPECT_EQ(p.min, 1) << p.name;
          break;
        case ParamType::kString:
          EXPECT_EQ(f->cpp_type(), FieldDescriptor::CPPTYPE_STRING) << p.name;
          // An optional string's default is the empty string.
          if (!p.required) EXPECT_EQ(p.min, 0) << p.name;
          break;
      }
      if (!p.required) {
        EXPECT_GE(p.default_value, p.min) << p.name;
        EXPECT_LE(p.default_value, p.max) << p.name;
      }
    }
    // Every field the message has is a parameter of the operations using it.
    for (int i = 0; i < message->field_count(); ++i) {
      bool used = false;
      for (const OpSpec& other : AllOperations()) {
        if (other.params_field == nullptr ||
            std::string(other.params_field) != spec.params_field) {
          continue;
        }
        for (const ParamSpec& p : other.params) {
          used |= message->field(i)->name() == p.name;
        }
      }
      EXPECT_TRUE(used) << message->field(i)->full_name();
    }
  }
}

TEST(OperationsTest, FindOperationRejectsUnknownCodes) {
  EXPECT_TRUE(FindOperation(v1::OP_CODE_BUFFER).ok());
  EXPECT_EQ(FindOperation(v1::OP_CODE_UNSPECIFIED).status().message(),
            "operation.op is not set");
  EXPECT_EQ(FindOperation(static_cast<v1::OpCode>(9999)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Found by fuzz/join_fuzzer: GEOS 3.11.1's contains (and so within) takes a
// rectangle shortcut that dereferences the null coordinate of an empty
// point inside a collection, and dwithin's distance dereferences null on
// such a collection too. Every binary predicate, both ways round, on a
// rectangle, a line and a point against collections with empty members.
TEST(OperationsTest, BinaryPredicatesSurviveEmptyMembers) {
  geos::Context c;
  absl::StatusOr<geos::GeometryPtr> rect =
      c.ReadWkt("POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))");
  ASSERT_TRUE(rect.ok());
  std::vector<geos::GeometryPtr> others;
  for (const char* wkt : {"LINESTRING (0 0, 2 2)", "POINT Z (1 2 3)"}) {
    others.push_back(*c.ReadWkt(wkt));
  }
  for (const char* wkt :
       {"GEOMETRYCOLLECTION (POINT EMPTY, POINT (1 1))",
        "GEOMETRYCOLLECTION (POINT EMPTY, POINT EMPTY, POINT (1 1))",
        "GEOMETRYCOLLECTION (POINT (1 1), LINESTRING EMPTY, POLYGON EMPTY)",
        "GEOMETRYCOLLECTION (POINT EMPTY, LINESTRING (0 0, 2 2))",
        "MULTILINESTRING (EMPTY, (1 1, 2 2))",
        "MULTIPOLYGON (EMPTY, ((1 1, 2 1, 2 2, 1 1)))"}) {
    absl::StatusOr<geos::GeometryPtr> g = c.ReadWkt(wkt);
    ASSERT_TRUE(g.ok()) << wkt;
    for (const OpSpec& spec : AllOperations()) {
      if (spec.arity != 2 || spec.kernel == nullptr ||
          spec.result != ResultType::kBool) {
        continue;
      }
      v1::Operation op;
      if (spec.code == v1::OP_CODE_DWITHIN) {
        op.mutable_distance()->set_distance(1);
      } else if (spec.code == v1::OP_CODE_RELATE_PATTERN) {
        op.mutable_relate_pattern()->set_pattern("T********");
      }
      absl::StatusOr<Params> params = ResolveParams(spec, op);
      ASSERT_TRUE(params.ok()) << spec.name << " " << params.status();
      Value inside, outside;
      EXPECT_TRUE(
          spec.kernel(c, {g->get(), rect->get(), nullptr}, *params, &inside)
              .ok())
          << spec.name << " " << wkt;
      EXPECT_TRUE(
          spec.kernel(c, {rect->get(), g->get(), nullptr}, *params, &outside)
              .ok())
          << spec.name << " " << wkt;
      if (spec.code == v1::OP_CODE_WITHIN) EXPECT_TRUE(inside.flag) << wkt;
      if (spec.code == v1::OP_CODE_CONTAINS) EXPECT_TRUE(outside.flag) << wkt;
      for (const geos::GeometryPtr& other : others) {
        Value v;
        EXPECT_TRUE(
            spec.kernel(c, {g->get(), other.get(), nullptr}, *params, &v).ok())
            << spec.name << " " << wkt;
        EXPECT_TRUE(
            spec.kernel(c, {other.get(), g->get(), nullptr}, *params, &v).ok())
            << spec.name << " " << wkt;
      }
    }
  }
}

// Found by fuzz/compute_fuzzer: set_precision with grid_size 5e-324 made
// GEOS 3.11.1 throw inside its SnapRoundingNoder, which leaked. Grids too
// fine for the operands' ordinates are refused before GEOS sees them, in
// every operation that snap-rounds.
TEST(OperationsTest, GridsTooFineForTheOrdinatesAreRefused) {
  geos::Context c;
  auto square = c.ReadWkt("POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))");
  auto far = c.ReadWkt("LINESTRING (0 0, 3e150 1e150)");
  ASSERT_TRUE(square.ok() && far.ok());
  struct Case {
    v1::OpCode code;
    double grid;
    const GEOSGeometry* a;
    bool refused;
  } cases[] = {
      {v1::OP_CODE_SET_PRECISION, 5e-324, square->get(), true},
      {v1::OP_CODE_SET_PRECISION, 1e-140, square->get(), false},
      {v1::OP_CODE_SET_PRECISION, 0, far->get(), false},
      {v1::OP_CODE_INTERSECTION, 1e-160, far->get(), true},
      {v1::OP_CODE_UNION, 1e-300, square->get(), true},
      {v1::OP_CODE_UNARY_UNION, 1e-10, far->get(), true},
      {v1::OP_CODE_UNARY_UNION, 1e-10, square->get(), false},
  };
  for (const Case& k : cases) {
    const OpSpec* spec = *FindOperation(k.code);
    v1::Operation op;
    op.set_op(k.code);
    if (k.code == v1::OP_CODE_SET_PRECISION) {
      op.mutable_set_precision()->set_grid_size(k.grid);
    } else {
      op.mutable_overlay()->set_grid_size(k.grid);
    }
    absl::StatusOr<Params> params = ResolveParams(*spec, op);
    ASSERT_TRUE(params.ok()) << params.status();
    Value value;
    const absl::Status s =
        spec->kernel(c, {k.a, square->get(), nullptr}, *params, &value);
    SCOPED_TRACE(absl::StrCat(spec->name, " grid ", k.grid));
    if (k.refused) {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
      EXPECT_NE(s.message().find("is too fine for ordinates up to"),
                std::string::npos)
          << s;
    } else {
      EXPECT_TRUE(s.ok()) << s;
    }
  }
  // The reductions too.
  const OpSpec* union_all = *FindOperation(v1::OP_CODE_UNION_ALL);
  v1::Operation op;
  op.mutable_overlay()->set_grid_size(1e-300);
  std::vector<geos::GeometryPtr> inputs;
  inputs.push_back(c.Own(GEOSGeom_clone_r(c.handle(), square->get())));
  EXPECT_EQ(
      union_all->reducer(c, std::move(inputs), *ResolveParams(*union_all, op))
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

// Found by fuzz/compute_fuzzer: maximum_inscribed_circle of a sliver never
// returned (GEOS 3.11.1 covers the envelope with cells as wide as its
// narrower side, uninterruptibly). Slivers, and envelopes narrower than
// their ordinates' precision, are a row error.
TEST(OperationsTest, MaximumInscribedCircleRefusesSlivers) {
  geos::Context c;
  const OpSpec* mic = *FindOperation(v1::OP_CODE_MAXIMUM_INSCRIBED_CIRCLE);
  v1::Operation op;
  const Params params = *ResolveParams(*mic, op);
  for (const auto& [wkt, ok] : std::vector<std::pair<const char*, bool>>{
           {"POLYGON ((0 0, 1e-155 6.54314235374807e-310, "
            "-834617.425382963 1e-155, 0 0))",
            false},
           {"POLYGON ((0 0, 1e6 1, 0 1, 0 0))", false},
           {"POLYGON ((1e12 1e12, 1000000000000.5 1e12, 1e12 1000000000000.5, "
            "1e12 1e12))",
            false},
           {"POLYGON ((0 0, 1000 1, 0 1, 0 0))", true},
           {"POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))", true},
       }) {
    SCOPED_TRACE(wkt);
    absl::StatusOr<geos::GeometryPtr> g = c.ReadWkt(wkt);
    ASSERT_TRUE(g.ok());
    Value value;
    const absl::Status s = mic->kernel(c, {g->get()}, params, &value);
    if (ok) {
      EXPECT_TRUE(s.ok()) << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
      EXPECT_NE(s.message().find("too thin"), std::string::npos) << s;
    }
  }

  // Refining to a tolerance far below the extent never finished either
  // (found by fuzz/compute_fuzzer: 3e-269).
  for (const auto& [tolerance, ok] : std::vector<std::pair<double, bool>>{
           {3e-269, false}, {1e-5, false}, {1e-4, true}, {0, true}}) {
    SCOPED_TRACE(tolerance);
    v1::Operation with_tolerance;
    with_tolerance.mutable_tolerance()->set_tolerance(tolerance);
    absl::StatusOr<Params> p = ResolveParams(*mic, with_tolerance);
    ASSERT_TRUE(p.ok()) << p.status();
    absl::StatusOr<geos::GeometryPtr> g = c.ReadWkt(
        "MULTIPOLYGON (((0 0, 2 0, 2 2, 0 0)), ((1 0, 3 0, 3 2, 1 0)))");
    ASSERT_TRUE(g.ok());
    Value value;
    const absl::Status s = mic->kernel(c, {g->get()}, *p, &value);
    if (ok) {
      EXPECT_TRUE(s.ok()) << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
      EXPECT_NE(s.message().find("is too fine for a's extent"),
                std::string::npos)
          << s;
    }
  }
}

TEST(ResolveParamsTest, AppliesDefaults) {
  const OpSpec* buffer = *FindOperation(v1::OP_CODE_BUFFER);
  v1::Operation op;
  op.set_op(v1::OP_CODE_BUFFER);
  op.mutable_buffer()->set_radius(2.5);
  auto p = ResolveParams(*buffer, op);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->number(0), 2.5);
  EXPECT_EQ(p->integer(1), 8);   // quadsegs
  EXPECT_EQ(p->number(4), 5.0);  // mitre_limit
  EXPECT_FALSE(p->flag(5));      // single_sided
}

TEST(ResolveParamsTest, RejectsOutOfRangeNamingParameterAndRange) {
  const OpSpec* buffer = *FindOperation(v1::OP_CODE_BUFFER);
  v1::Operation op;
  op.mutable_buffer()->set_quadsegs(0);
  EXPECT_EQ(ResolveParams(*buffer, op).status().message(),
            "parameter 'buffer.quadsegs' of 'buffer' must be in [1, 1000], "
            "got 0");
  op.mutable_buffer()->set_quadsegs(8);
  op.mutable_buffer()->set_radius(std::nan(""));
  EXPECT_EQ(ResolveParams(*buffer, op).status().code(),
            absl::StatusCode::kInvalidArgument);
  // GEOS 3.11.1 crashes buffering by distances near the largest double
  // (found by fuzz/compute_fuzzer).
  op.mutable_buffer()->set_radius(1.7976931348623157e308);
  EXPECT_EQ(ResolveParams(*buffer, op).status().message(),
            "parameter 'buffer.radius' of 'buffer' must be in [-1e+300, "
            "1e+300], got 1.79769e+308");
  op.mutable_buffer()->set_radius(-1e300);
  EXPECT_TRUE(ResolveParams(*buffer, op).ok());
  op.mutable_buffer()->set_radius(1);
  op.mutable_buffer()->set_cap_style(static_cast<v1::BufferCapStyle>(7));
  EXPECT_EQ(ResolveParams(*buffer, op).status().message(),
            "parameter 'buffer.cap_style' of 'buffer' must be in "
            "BUFFER_CAP_STYLE_ROUND|BUFFER_CAP_STYLE_FLAT|"
            "BUFFER_CAP_STYLE_SQUARE, got 7");
}

TEST(ResolveParamsTest, RequiresRequiredParameters) {
  const OpSpec* dwithin = *FindOperation(v1::OP_CODE_DWITHIN);
  v1::Operation op;
  op.set_op(v1::OP_CODE_DWITHIN);
  EXPECT_EQ(ResolveParams(*dwithin, op).status().message(),
            "operation 'dwithin' requires parameter 'distance.distance' "
            "(allowed [0, +inf])");
  op.mutable_distance()->set_distance(-1);
  EXPECT_FALSE(ResolveParams(*dwithin, op).ok());
  op.mutable_distance()->set_distance(3);
  EXPECT_EQ(ResolveParams(*dwithin, op)->number(0), 3);
}

TEST(ResolveParamsTest, ChecksStringLengthAndCharacters) {
  const OpSpec* relate = *FindOperation(v1::OP_CODE_RELATE_PATTERN);
  v1::Operation op;
  op.mutable_relate_pattern()->set_pattern("T*F**F**");
  EXPECT_EQ(ResolveParams(*relate, op).status().message(),
            "parameter 'relate_pattern.pattern' of 'relate_pattern' must be 9 "
            "characters of \"TF*012\", got \"T*F**F**\"");
  op.mutable_relate_pattern()->set_pattern("T*F**F**X");
  EXPECT_EQ(ResolveParams(*relate, op).status().code(),
            absl::StatusCode::kInvalidArgument);
  op.mutable_relate_pattern()->set_pattern("T*F**F***");
  ASSERT_TRUE(ResolveParams(*relate, op).ok());
  EXPECT_EQ(ResolveParams(*relate, op)->string(0), "T*F**F***");
  EXPECT_EQ(Describe(*relate).parameters(0).type(), "string");
}

TEST(ResolveParamsTest, ChecksCrsOncePerRequestWithProjsReason) {
  const OpSpec* transform = *FindOperation(v1::OP_CODE_TRANSFORM);
  v1::Operation op;
  op.mutable_transform()->set_to_crs("EPSG:3857");
  auto p = ResolveParams(*transform, op);
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->string(0), "");  // from_crs unset: each row's SRID.
  EXPECT_EQ(p->string(1), "EPSG:3857");
  EXPECT_TRUE(p->flag(2));  // always_xy
  EXPECT_EQ(p->number(3), 0);
  op.mutable_transform()->set_to_crs("EPSG:999999");
  EXPECT_EQ(ResolveParams(*transform, op).status().message(),
            "parameter 'transform.to_crs' of 'transform': PROJ cannot read "
            "\"EPSG:999999\": crs not found");
  op.mutable_transform()->set_to_crs("EPSG:3857");
  op.mutable_transform()->set_from_crs("+proj=nosuch");
  const absl::Status bad = ResolveParams(*transform, op).status();
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("'transform.from_crs'"), std::string::npos)
      << bad;
  op.mutable_transform()->clear_from_crs();
  op.mutable_transform()->clear_to_crs();
  EXPECT_EQ(ResolveParams(*transform, op).status().code(),
            absl::StatusCode::kInvalidArgument);
  op.mutable_transform()->set_to_crs("EPSG:3857");
  op.mutable_transform()->set_densify(-1);
  EXPECT_EQ(ResolveParams(*transform, op).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ResolveParamsTest, RejectsAnotherOperationsParameters) {
  v1::Operation op;
  op.mutable_simplify()->set_tolerance(1);
  EXPECT_EQ(
      ResolveParams(**FindOperation(v1::OP_CODE_BUFFER), op).status().message(),
      "operation 'buffer' takes 'buffer' parameters, got 'simplify'");
  EXPECT_EQ(
      ResolveParams(**FindOperation(v1::OP_CODE_AREA), op).status().message(),
      "operation 'area' takes no parameters, got 'simplify'");
}

TEST(DescribeTest, ListsParametersWithDefaultsAndRanges) {
  v1::OperationInfo info = Describe(**FindOperation(v1::OP_CODE_BUFFER));
  EXPECT_EQ(info.name(), "buffer");
  EXPECT_EQ(info.result_type(), v1::RESULT_TYPE_GEOMETRY);
  EXPECT_EQ(info.params_message(), "buffer");
  ASSERT_EQ(info.parameters_size(), 6);
  EXPECT_EQ(info.parameters(1).name(), "quadsegs");
  EXPECT_EQ(info.parameters(1).default_value(), "8");
  EXPECT_EQ(info.parameters(1).allowed(), "[1, 1000]");
  EXPECT_EQ(info.parameters(2).type(), "BufferCapStyle");
  EXPECT_EQ(info.parameters(2).default_value(), "BUFFER_CAP_STYLE_ROUND");
  EXPECT_TRUE(
      Describe(**FindOperation(v1::OP_CODE_DISTANCE)).prepared_broadcast());
}

}  // namespace
}  // namespace geosrpc::ops
