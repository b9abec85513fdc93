// Operation parameters: their specification (a row of the operation table)
// and their validated values.
//
// Parameters arrive as one typed message in Operation.params (BufferParams,
// SimplifyParams, ...). ResolveParams reads that message by reflection against
// the operation's ParamSpecs, fills defaults for unset fields, and rejects
// out-of-range values with INVALID_ARGUMENT naming the parameter and its
// allowed range. Pure functions and immutable values: thread-safe.
#ifndef GEOSRPC_SERVER_OPS_PARAMS_H_
#define GEOSRPC_SERVER_OPS_PARAMS_H_

#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "geosrpc/v1/geometry_service.pb.h"

namespace geosrpc::ops {

enum class ParamType { kDouble, kInt, kBool, kEnum, kString };

struct ParamSpec {
  const char* name;  // The field's name in the params message.
  ParamType type;
  bool required;  // No default: the client must set it.
  double default_value;
  double min;  // Inclusive bounds; enums use their value range;
  double max;  // strings, their length.
  const char* description;
  // Strings only: the characters allowed, or null for any.
  const char* charset = nullptr;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

// Validated parameter values, in the order of the operation's ParamSpecs.
// Numeric kinds are held as doubles (ints and enums are exact up to 2^53);
// strings alongside, at the same index.
class Params {
 public:
  Params() = default;
  Params(std::vector<double> values, std::vector<std::string> strings)
      : values_(std::move(values)), strings_(std::move(strings)) {}
  double number(int i) const { return values_[i]; }
  int integer(int i) const { return static_cast<int>(values_[i]); }
  bool flag(int i) const { return values_[i] != 0; }
  const std::string& string(int i) const { return strings_[i]; }

 private:
  std::vector<double> values_;
  std::vector<std::string> strings_;
};

struct OpSpec;

// Resolves `operation.params` for `spec`.
absl::StatusOr<Params> ResolveParams(const OpSpec& spec,
                                     const v1::Operation& operation);

// ListOperations' description of one parameter.
v1::ParameterInfo DescribeParam(const ParamSpec& param,
                                const google::protobuf::Descriptor* message);

}  // namespace geosrpc::ops

#endif  // GEOSRPC_SERVER_OPS_PARAMS_H_
