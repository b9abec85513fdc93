#include "server/ops/describe.h"

#include "server/ops/params.h"

namespace geosrpc::ops {

v1::ResultType ToProto(ResultType type) {
  switch (type) {
    case ResultType::kDouble:
      return v1::RESULT_TYPE_DOUBLE;
    case ResultType::kBool:
      return v1::RESULT_TYPE_BOOL;
    case ResultType::kInt:
      return v1::RESULT_TYPE_INT;
    case ResultType::kGeometry:
      return v1::RESULT_TYPE_GEOMETRY;
    case ResultType::kBytes:
      return v1::RESULT_TYPE_BYTES;
    case ResultType::kString:
      return v1::RESULT_TYPE_STRING;
  }
  return v1::RESULT_TYPE_UNSPECIFIED;
}

v1::OperationInfo Describe(const OpSpec& spec) {
  v1::OperationInfo info;
  info.set_name(spec.name);
  info.set_op(spec.code);
  info.set_arity(spec.arity);
  info.set_result_type(ToProto(spec.result));
  info.set_prepared_broadcast(spec.prepared_kernel != nullptr);
  info.set_description(spec.description);
  info.set_values_per_row(spec.values_per_row);
  info.set_expands(spec.expands);
  info.set_reduces(spec.reducer != nullptr);
  const google::protobuf::Descriptor* message = nullptr;
  if (spec.params_field != nullptr) {
    info.set_params_message(spec.params_field);
    message = v1::Operation::descriptor()
                  ->FindFieldByName(spec.params_field)
                  ->message_type();
  }
  for (const ParamSpec& p : spec.params) {
    *info.add_parameters() = DescribeParam(p, message);
  }
  return info;
}

v1::ListOperationsResponse DescribeAll() {
  v1::ListOperationsResponse response;
  for (const OpSpec& spec : AllOperations()) {
    *response.add_operations() = Describe(spec);
  }
  return response;
}

}  // namespace geosrpc::ops
