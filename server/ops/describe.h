// The operation table as ListOperations answers it: each OpSpec as a
// v1::OperationInfo, with its parameters' types, defaults and allowed values
// (the same text docs/operations.md is generated from).
//
// Thread-safety: pure functions of the immutable table; call from any
// thread.
#ifndef GEOSRPC_SERVER_OPS_DESCRIBE_H_
#define GEOSRPC_SERVER_OPS_DESCRIBE_H_

#include "geosrpc/v1/geometry_service.pb.h"
#include "server/ops/operations.h"

namespace geosrpc::ops {

v1::ResultType ToProto(ResultType type);

// One operation, as ListOperations lists it.
v1::OperationInfo Describe(const OpSpec& spec);

// Every operation, in OpCode order, as ListOperations answers.
v1::ListOperationsResponse DescribeAll();

}  // namespace geosrpc::ops

#endif  // GEOSRPC_SERVER_OPS_DESCRIBE_H_
