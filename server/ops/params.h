// Operation parameters: their specification (part of an operation's table
// entry), its compile-time lookup (ParamIndex), and the validated values.
//
// Parameters arrive as one typed message in Operation.params (BufferParams,
// SimplifyParams, ...). ResolveParams reads that message by reflection against
// the operation's ParamSpecs, fills defaults for unset fields, and rejects
// out-of-range values with INVALID_ARGUMENT naming the parameter and its
// allowed range; it also rejects a field set that the operation does not
// read (messages some operations share), and parameters that break the
// operation's rules between them (OpSpec::check_params). A string parameter
// may name a further check (a CRS must be one PROJ reads), run here too:
// once per request, never per row. Pure functions and immutable values:
// thread-safe, as each check must be.
#ifndef GEOSRPC_SERVER_OPS_PARAMS_H_
#define GEOSRPC_SERVER_OPS_PARAMS_H_

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "geosrpc/v1/geometry_service.pb.h"

namespace geosrpc::ops {

enum class ParamType { kDouble, kInt, kBool, kEnum, kString };

// One parameter of an operation: a field of the operation's params message.
// Entries name their fields; the ones they leave out take the defaults below:
//   {.name = "quadsegs", .type = ParamType::kInt, .default_value = 8,
//    .min = 1, .max = 1000, .description = "..."}
struct ParamSpec {
  const char* name = nullptr;  // The field's name in the params message.
  ParamType type = ParamType::kDouble;
  bool required = false;     // No default: the client must set it.
  double default_value = 0;  // Taken when the field is unset.
  // Inclusive bounds, which every entry names: [0, 1] for bools; enums use
  // their value range (their zero, _UNSPECIFIED, means the default);
  // strings, their length.
  double min = 0;
  double max = 0;
  const char* description = nullptr;
  // Strings only: the characters allowed, or null for any.
  const char* charset = nullptr;
  // Strings only: a further check of a non-empty value, once its length
  // and characters pass (an empty string is a default, never checked).
  // Must be thread-safe; its message follows the parameter's name.
  absl::Status (*check)(const std::string& value) = nullptr;
};

namespace params_internal {
// Deliberately not constexpr: ParamIndex calls it when the name is missing,
// so that ParamIndex fails to compile, naming this function.
inline void NoParameterWithThatName() {}
}  // namespace params_internal

// Where Params holds parameter `name` of `params`: its index in the list.
// Evaluated at compile time; a name the list lacks does not compile.
//   constexpr int kQuadsegs = ParamIndex(kBufferParams, "quadsegs");
template <size_t N>
consteval int ParamIndex(const ParamSpec (&params)[N], std::string_view name) {
  for (size_t i = 0; i < N; ++i) {
    if (name == params[i].name) return static_cast<int>(i);
  }
  params_internal::NoParameterWithThatName();
  return -1;
}

constexpr double kInf = std::numeric_limits<double>::infinity();

// Validated parameter values, in the order of the operation's ParamSpecs.
// Numeric kinds are held as doubles (ints and enums are exact up to 2^53);
// strings alongside, at the same index (an unset string is empty).
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
