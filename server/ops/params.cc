#include "server/ops/params.h"

#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/ops/operations.h"

namespace geosrpc::ops {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string FormatBound(double v) {
  if (v == kInf) return "+inf";
  if (v == -kInf) return "-inf";
  return absl::StrCat(v);
}

std::string Allowed(const ParamSpec& p, const FieldDescriptor* field) {
  switch (p.type) {
    case ParamType::kBool:
      return "true|false";
    case ParamType::kString:
      return absl::StrCat(
          p.min == p.max ? absl::StrCat(p.min)
                         : absl::StrCat(p.min, " to ", p.max),
          " characters",
          p.charset != nullptr ? absl::StrCat(" of \"", p.charset, "\"") : "");
    case ParamType::kEnum: {
      std::vector<std::string> names;
      const auto* e = field != nullptr ? field->enum_type() : nullptr;
      for (int i = 0; e != nullptr && i < e->value_count(); ++i) {
        if (e->value(i)->number() != 0) names.push_back(e->value(i)->name());
      }
      return absl::StrJoin(names, "|");
    }
    default:
      return absl::StrCat("[", FormatBound(p.min), ", ", FormatBound(p.max),
                          "]");
  }
}

absl::StatusOr<double> ReadField(const Message& msg, const FieldDescriptor* f) {
  const auto* r = msg.GetReflection();
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r->GetDouble(msg, f);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r->GetFloat(msg, f);
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetInt32(msg, f);
    case FieldDescriptor::CPPTYPE_INT64:
      return static_cast<double>(r->GetInt64(msg, f));
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(msg, f) ? 1.0 : 0.0;
    case FieldDescriptor::CPPTYPE_ENUM:
      return r->GetEnumValue(msg, f);
    default:
      return absl::InternalError(
          absl::StrCat("parameter field ", f->name(), " has no numeric type"));
  }
}

}  // namespace

absl::StatusOr<Params> ResolveParams(const OpSpec& spec,
                                     const v1::Operation& operation) {
  const auto* reflection = operation.GetReflection();
  const auto* oneof = v1::Operation::descriptor()->FindOneofByName("params");
  const FieldDescriptor* given =
      reflection->GetOneofFieldDescriptor(operation, oneof);
  if (given != nullptr &&
      (spec.params_field == nullptr || given->name() != spec.params_field)) {
    return absl::InvalidArgumentError(
        spec.params_field == nullptr
            ? absl::StrCat("operation '", spec.name,
                           "' takes no parameters, got '", given->name(), "'")
            : absl::StrCat("operation '", spec.name, "' takes '",
                           spec.params_field, "' parameters, got '",
                           given->name(), "'"));
  }
  const Message* msg =
      given != nullptr ? &reflection->GetMessage(operation, given) : nullptr;

  std::vector<double> values;
  std::vector<std::string> strings;
  values.reserve(spec.params.size());
  strings.resize(spec.params.size());
  for (const ParamSpec& p : spec.params) {
    const FieldDescriptor* f =
        msg != nullptr ? msg->GetDescriptor()->FindFieldByName(p.name)
                       : nullptr;
    if (f == nullptr || !msg->GetReflection()->HasField(*msg, f)) {
      if (p.required) {
        return absl::InvalidArgumentError(absl::StrCat(
            "operation '", spec.name, "' requires parameter '",
            spec.params_field, ".", p.name, "' (allowed ", Allowed(p, f), ")"));
      }
      values.push_back(p.default_value);
      continue;
    }
    if (p.type == ParamType::kString) {
      std::string v = msg->GetReflection()->GetString(*msg, f);
      const bool ok = v.size() >= p.min && v.size() <= p.max &&
                      (p.charset == nullptr ||
                       v.find_first_not_of(p.charset) == std::string::npos);
      if (!ok) {
        return absl::InvalidArgumentError(
            absl::StrCat("parameter '", spec.params_field, ".", p.name,
                         "' of '", spec.name, "' must be ", Allowed(p, f),
                         ", got \"", absl::CHexEscape(v.substr(0, 64)), "\""));
      }
      strings[values.size()] = std::move(v);
      values.push_back(0);
      continue;
    }
    auto v = ReadField(*msg, f);
    if (!v.ok()) return v.status();
    // An enum's zero value is its _UNSPECIFIED: the default.
    if (p.type == ParamType::kEnum && *v == 0) *v = p.default_value;
    if (!std::isfinite(*v) || *v < p.min || *v > p.max) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parameter '", spec.params_field, ".", p.name, "' of '", spec.name,
          "' must be in ", Allowed(p, f), ", got ", *v));
    }
    values.push_back(*v);
  }
  return Params(std::move(values), std::move(strings));
}

v1::ParameterInfo DescribeParam(const ParamSpec& param,
                                const Descriptor* message) {
  const FieldDescriptor* f =
      message != nullptr ? message->FindFieldByName(param.name) : nullptr;
  v1::ParameterInfo info;
  info.set_name(param.name);
  switch (param.type) {
    case ParamType::kDouble:
      info.set_type("double");
      break;
    case ParamType::kInt:
      info.set_type("int");
      break;
    case ParamType::kBool:
      info.set_type("bool");
      break;
    case ParamType::kEnum:
      info.set_type(f != nullptr ? f->enum_type()->name() : "enum");
      break;
    case ParamType::kString:
      info.set_type("string");
      break;
  }
  if (param.required) {
    info.set_default_value("(required)");
  } else if (param.type == ParamType::kBool) {
    info.set_default_value(param.default_value != 0 ? "true" : "false");
  } else if (param.type == ParamType::kEnum && f != nullptr) {
    const auto* v = f->enum_type()->FindValueByNumber(
        static_cast<int>(param.default_value));
    info.set_default_value(v != nullptr ? v->name() : "");
  } else {
    info.set_default_value(absl::StrCat(param.default_value));
  }
  info.set_allowed(Allowed(param, f));
  info.set_description(param.description);
  return info;
}

}  // namespace geosrpc::ops
