// geosrpc::client::Client: a C++ client for geosrpc.v1.GeometryService.
//
// Compute() sends one batch and reassembles the streamed, possibly
// out-of-order chunks into whole columns with the row errors sorted by row.
// Errors are absl::Status (converted once from grpc::Status).
//
// Thread-safety: a Client may be used from any number of threads at once
// (gRPC channels and stubs are thread-safe).
#ifndef GEOSRPC_CLIENT_CPP_CLIENT_H_
#define GEOSRPC_CLIENT_CPP_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "geosrpc/v1/geometry_service.grpc.pb.h"

namespace geosrpc::client {

// A whole batch's results. Exactly one of the columns is filled (by the
// operation's result type), with one value per row (`width` per row for
// multi-valued doubles such as bounds); rows named in `errors` hold
// placeholders. Expanding operations (get_parts, get_rings; get_coordinates
// with `width` doubles per coordinate) fill one value per part, with
// `source_rows` naming each one's row; reductions fill one value.
struct ComputeResult {
  v1::ResultChunk::ColumnCase column = v1::ResultChunk::COLUMN_NOT_SET;
  std::vector<double> doubles;
  int width = 1;
  std::vector<bool> bools;
  std::vector<int64_t> ints;
  std::vector<std::string> binary;  // geometries or encoded output
  v1::Encoding binary_encoding = v1::ENCODING_UNSPECIFIED;
  std::vector<std::string> strings;
  std::vector<uint64_t> source_rows;  // Expanding operations only.
  v1::ResultMapping mapping = v1::RESULT_MAPPING_ONE_PER_ROW;
  std::vector<v1::RowError> errors;  // Sorted by row.
  v1::ComputeSummary summary;
  size_t chunks = 0;

  size_t rows() const { return summary.rows(); }
};

absl::Status FromGrpcStatus(const grpc::Status& status);

class Client {
 public:
  struct Options {
    std::string target = "127.0.0.1:50051";
    // Null means plaintext.
    std::shared_ptr<grpc::ChannelCredentials> credentials;
    int max_message_bytes = 256 << 20;
    // Per call; infinite by default.
    absl::Duration timeout = absl::InfiniteDuration();
    // e.g. "round_robin" for a target that resolves to several servers.
    std::string load_balancing_policy;
    // Open a connection of its own rather than share gRPC's global
    // subchannel pool with other clients of the same target.
    bool dedicated_connection = false;
    // Retry calls that fail UNAVAILABLE before any response arrived (a
    // server draining or gone), up to 5 attempts with backoff, through
    // gRPC's retry policy and again in Compute(). Safe: a call that got no
    // response was not admitted, so nothing is computed twice.
    bool retry_unavailable = true;
  };

  static absl::StatusOr<std::unique_ptr<Client>> Create(const Options& options);

  absl::StatusOr<ComputeResult> Compute(const v1::ComputeRequest& request);
  absl::StatusOr<v1::ListOperationsResponse> ListOperations();
  // The entry for `name` from ListOperations.
  absl::StatusOr<v1::OperationInfo> DescribeOperation(absl::string_view name);

  v1::GeometryService::Stub* stub() { return stub_.get(); }
  const Options& options() const { return options_; }

 private:
  explicit Client(const Options& options);
  void SetDeadline(grpc::ClientContext* context) const;
  absl::StatusOr<ComputeResult> ComputeOnce(const v1::ComputeRequest& request);

  const Options options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::GeometryService::Stub> stub_;
};

}  // namespace geosrpc::client

#endif  // GEOSRPC_CLIENT_CPP_CLIENT_H_
