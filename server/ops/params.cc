#include "server/ops/params.h"

#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
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

// The params message `operation` carries, or null for none;
// INVALID_ARGUMENT if it is not the one `spec` reads.
absl::StatusOr<const Message*> GivenParams(const OpSpec& spec,
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
  return given != nullptr ? &reflection->GetMessage(operation, given) : nullptr;
}

// String parameter `p`, set in `msg` as field `f`, checked for its length and
// characters.
absl::StatusOr<std::string> ReadString(const OpSpec& spec, const ParamSpec& p,
                                       const Message& msg,
                                       const FieldDescriptor* f) {
  std::string v = msg.GetReflection()->GetString(msg, f);
  const bool ok = v.size() >= p.min && v.size() <= p.max &&
                  (p.charset == nullptr ||
                   v.find_first_not_of(p.charset) == std::string::npos);
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter '", spec.params_field, ".", p.name, "' of '",
                     spec.name, "' must be ", Allowed(p, f), ", got \"",
                     absl::CHexEscape(v.substr(0, 64)), "\""));
  }
  if (p.check != nullptr && !v.empty()) {
    if (absl::Status s = p.check(v); !s.ok()) {
      return absl::Status(
          s.code(), absl::StrCat("parameter '", spec.params_field, ".", p.name,
                                 "' of '", spec.name, "': ", s.message()));
    }
  }
  return v;
}

// Numeric parameter `p`, set in `msg` as field `f`, checked against its
// range.
absl::StatusOr<double> ReadNumber(const OpSpec& spec, const ParamSpec& p,
                                  const Message& msg,
                                  const FieldDescriptor* f) {
  ASSIGN_OR_RETURN(double v, ReadField(msg, f));
  // An enum's zero value is its _UNSPECIFIED: the default.
  if (p.type == ParamType::kEnum && v == 0) v = p.default_value;
  if (!std::isfinite(v) || v < p.min || v > p.max) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter '", spec.params_field, ".", p.name, "' of '",
                     spec.name, "' must be in ", Allowed(p, f), ", got ", v));
  }
  return v;
}

std::string TypeName(const ParamSpec& param, const FieldDescriptor* f) {
  switch (param.type) {
    case ParamType::kDouble:
      return "double";
    case ParamType::kInt:
      return "int";
    case ParamType::kBool:
      return "bool";
    case ParamType::kEnum:
      return f != nullptr ? f->enum_type()->name() : "enum";
    case ParamType::kString:
      return "string";
  }
  return "";
}

std::string DefaultText(const ParamSpec& param, const FieldDescriptor* f) {
  if (param.required) return "(required)";
  if (param.type == ParamType::kString) return "\"\"";
  if (param.type == ParamType::kBool) {
    return param.default_value != 0 ? "true" : "false";
  }
  if (param.type == ParamType::kEnum && f != nullptr) {
    const auto* v = f->enum_type()->FindValueByNumber(
        static_cast<int>(param.default_value));
    return v != nullptr ? v->name() : "";
  }
  return absl::StrCat(param.default_value);
}

// INVALID_ARGUMENT if `msg` sets a field `spec` does not read (a message
// shared by several operations may have fields only some of them read:
// triangulation.extend_to_* are voronoi_polygons' alone).
absl::Status CheckAllFieldsRead(const OpSpec& spec, const Message& msg) {
  std::vector<const FieldDescriptor*> set;
  msg.GetReflection()->ListFields(msg, &set);
  for (const FieldDescriptor* f : set) {
    bool read = false;
    for (const ParamSpec& p : spec.params) read |= f->name() == p.name;
    if (!read) {
      return absl::InvalidArgumentError(
          absl::StrCat("operation '", spec.name, "' does not read '",
                       spec.params_field, ".", f->name(), "'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Params> ResolveParams(const OpSpec& spec,
                                     const v1::Operation& operation) {
  ASSIGN_OR_RETURN(const Message* msg, GivenParams(spec, operation));
  if (msg != nullptr) RETURN_IF_ERROR(CheckAllFieldsRead(spec, *msg));
  // A string's slot in `values` holds 0; a number's in `strings`, "".
  std::vector<double> values(spec.params.size());
  std::vector<std::string> strings(spec.params.size());
  for (size_t i = 0; i < spec.params.size(); ++i) {
    const ParamSpec& p = spec.params[i];
    const FieldDescriptor* f =
        msg != nullptr ? msg->GetDescriptor()->FindFieldByName(p.name)
                       : nullptr;
    if (f == nullptr || !msg->GetReflection()->HasField(*msg, f)) {
      if (p.required) {
        return absl::InvalidArgumentError(absl::StrCat(
            "operation '", spec.name, "' requires parameter '",
            spec.params_field, ".", p.name, "' (allowed ", Allowed(p, f), ")"));
      }
      values[i] = p.default_value;
    } else if (p.type == ParamType::kString) {
      ASSIGN_OR_RETURN(strings[i], ReadString(spec, p, *msg, f));
    } else {
      ASSIGN_OR_RETURN(values[i], ReadNumber(spec, p, *msg, f));
    }
  }
  Params params(std::move(values), std::move(strings));
  if (spec.check_params != nullptr) {
    if (absl::Status s = spec.check_params(params); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("parameters of '", spec.name, "': ", s.message()));
    }
  }
  return params;
}

v1::ParameterInfo DescribeParam(const ParamSpec& param,
                                const Descriptor* message) {
  const FieldDescriptor* f =
      message != nullptr ? message->FindFieldByName(param.name) : nullptr;
  v1::ParameterInfo info;
  info.set_name(param.name);
  info.set_type(TypeName(param, f));
  info.set_default_value(DefaultText(param, f));
  info.set_allowed(Allowed(param, f));
  info.set_description(param.description);
  return info;
}

}  // namespace geosrpc::ops
