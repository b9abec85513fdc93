// geosrpc::client::Client: a C++ client for geosrpc.v1.GeometryService.
//
// Compute() sends one batch and reassembles the streamed, possibly
// out-of-order chunks into whole columns with the row errors sorted by row.
// Join() and Nearest() gather the pairs a join against an indexed set
// streams back, sorted. Errors are absl::Status (converted once from
// grpc::Status).
//
// Digest first: a Join or Nearest whose set.geometries is large is sent
// first with the set's digest alone (client/cpp/digest.h); a server that
// does not hold the set answers NOT_FOUND naming it, and the call goes again
// with the geometries. Behind a balancer without sticky sessions (gRPC's
// round_robin, an L7 proxy) that second call may reach another replica, one
// that already holds the set, and the replica that missed would miss on
// every later call: with two replicas and one caller, every call. So when a
// resend finds the set already held, the set goes whole (no digest first)
// on the next calls until one of them is indexed somewhere (the replica
// that lacked it), at most kMaxWholeCalls of them. Servers never index a
// set they hold, so each replica indexes a set once either way; the cost is
// a few sends of the set to replicas that hold it.
//
// Thread-safety: a Client may be used from any number of threads at once
// (gRPC channels and stubs are thread-safe; what digest first remembers of
// sets, and the server's operations once listed, are behind mu_).
#ifndef GEOSRPC_CLIENT_CPP_CLIENT_H_
#define GEOSRPC_CLIENT_CPP_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/sync.h"
#include "geosrpc/v1/geometry_service.grpc.pb.h"

namespace geosrpc::client {

// A whole batch's results. Exactly one of the columns is filled (by the
// operation's result type), with one value per row (`width` per row for
// multi-valued doubles such as bounds); rows named in `errors` hold
// placeholders. Expanding operations (get_parts, get_rings; get_coordinates
// with `width` doubles per coordinate) fill one value per part, with
// `source_rows` naming each one's row; reductions fill one value.
// The rows of a batch: n+1 offsets, or the geometries of its coordinates.
size_t RowsOf(const v1::GeometryBatch& batch);

struct ComputeResult {
  v1::ResultChunk::ColumnCase column = v1::ResultChunk::COLUMN_NOT_SET;
  std::vector<double> doubles;
  int width = 1;
  std::vector<bool> bools;
  std::vector<int64_t> ints;
  std::vector<std::string> binary;  // geometries or encoded output
  // Geometries asked for as ENCODING_COORDINATES: the chunks, in row order,
  // each with its own CoordinateArray (kinds may differ between chunks).
  std::vector<v1::ResultChunk> coordinate_chunks;
  v1::Encoding binary_encoding = v1::ENCODING_UNSPECIFIED;
  std::vector<std::string> strings;
  std::vector<uint64_t> source_rows;  // Expanding operations only.
  v1::ResultMapping mapping = v1::RESULT_MAPPING_ONE_PER_ROW;
  std::vector<v1::RowError> errors;  // Sorted by row.
  // A grouped reduction (RESULT_MAPPING_ONE_PER_GROUP): value i is group i's,
  // whose key is group_keys[i]; group_errors name the groups that failed.
  std::vector<int64_t> group_keys;
  std::vector<v1::RowError> group_errors;  // Sorted by group.
  v1::ComputeSummary summary;
  size_t chunks = 0;

  size_t rows() const { return summary.rows(); }
};

// A Join's or Nearest's pairs: a_rows[i] (a row of `a`) with set_rows[i] (a
// row of the indexed set), sorted by a row, then (Join) by set row or
// (Nearest) nearest first, ties by set row. `distances` is filled only when
// the request asked for return_distance. Rows of `a` that failed have no
// pairs and are in `errors`, sorted by row.
struct JoinResult {
  std::vector<uint64_t> a_rows;
  std::vector<uint64_t> set_rows;
  std::vector<double> distances;
  std::vector<v1::RowError> errors;
  v1::JoinSummary summary;
  size_t chunks = 0;
  // The set went by digest first, the server did not hold it, and the call
  // went again with the geometries.
  bool digest_missed = false;
  // The set went whole without trying its digest first (a replica was
  // still missing it).
  bool sent_whole = false;

  size_t pairs() const { return a_rows.size(); }
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
    // Retry calls that fail before any response arrived with UNAVAILABLE (a
    // server draining or gone) or CANCELLED (a server shutting down with
    // the call not yet started; this client never cancels its calls), up to
    // 5 attempts with backoff, through gRPC's retry policy and again here.
    // Safe: a call that got no response was not run, and geosrpc's calls
    // have no effects a retry could repeat. With round_robin the channel
    // also checks each server's health, so a draining server gets no new
    // calls.
    bool retry_unavailable = true;
    // Join and Nearest send a set.geometries of at least
    // digest_first_min_bytes (serialized) by digest first, and again whole
    // only when the server answers NOT_FOUND for that digest.
    bool digest_first = true;
    size_t digest_first_min_bytes = 64 << 10;
  };

  // Calls that send a set whole after a digest miss found it elsewhere (see
  // the top of this file).
  static constexpr int kMaxWholeCalls = 8;

  static absl::StatusOr<std::unique_ptr<Client>> Create(const Options& options);

  absl::StatusOr<ComputeResult> Compute(const v1::ComputeRequest& request);
  // Compute() for a batch too large for one message, or to have results
  // sooner: `a` (and `b_rows`) go as slices of `batch_rows` rows, pipelined
  // on one ComputeStream call (a thread writes them while this one reads),
  // and the answers are put back in row order, as Compute() would give
  // them; the summary adds up the slices'. A slice whose batch fails (its
  // summary's status) fails the call with that status, naming its rows.
  // A reduction (an operation that reduces, or group_keys) needs the whole
  // batch: INVALID_ARGUMENT, use Compute(). Retried as Compute() is.
  absl::StatusOr<ComputeResult> ComputeStream(const v1::ComputeRequest& request,
                                              size_t batch_rows = 50'000);
  absl::StatusOr<v1::ListOperationsResponse> ListOperations();
  // The entry for `name` from ListOperations.
  absl::StatusOr<v1::OperationInfo> DescribeOperation(absl::string_view name);

  // The pairs of `request`, all of them or an error: the call's status (a
  // call past max_pairs fails RESOURCE_EXHAUSTED). UNAVAILABLE before any
  // response is retried as in Compute(); the set goes digest first as the
  // options say. `set_digest`, when given, is SetDigest of
  // request.set().geometries() (computed once by a caller that sends the
  // same set often); otherwise it is computed when needed.
  absl::StatusOr<JoinResult> Join(const v1::JoinRequest& request,
                                  absl::string_view set_digest = {});
  absl::StatusOr<JoinResult> Nearest(const v1::NearestRequest& request,
                                     absl::string_view set_digest = {});
  // The layers the server loaded at start-up.
  absl::StatusOr<v1::ListLayersResponse> ListLayers();

  v1::GeometryService::Stub* stub() { return stub_.get(); }
  const Options& options() const { return options_; }

 private:
  explicit Client(const Options& options);
  void SetDeadline(grpc::ClientContext* context) const;
  // `once` again while it fails before any response as Options::
  // retry_unavailable allows.
  template <typename Result>
  absl::StatusOr<Result> Retrying(
      const std::function<absl::StatusOr<Result>()>& once);
  absl::StatusOr<ComputeResult> ComputeOnce(const v1::ComputeRequest& request);
  absl::StatusOr<ComputeResult> ComputeStreamOnce(
      const std::vector<v1::ComputeStreamRequest>& slices, size_t rows,
      size_t batch_rows);
  // The server's entry for `op` (none if it lists no such operation), from
  // one ListOperations call per Client.
  absl::StatusOr<std::optional<v1::OperationInfo>> OperationOf(v1::OpCode op);
  // Join and Nearest: digest first, with retries around PairsOnce.
  template <typename Request>
  absl::StatusOr<JoinResult> Pairs(const Request& request,
                                   absl::string_view set_digest);
  template <typename Request>
  absl::StatusOr<JoinResult> PairsWithRetry(const Request& request) {
    return Retrying<JoinResult>([&] { return PairsOnce(request); });
  }
  template <typename Request>
  absl::StatusOr<JoinResult> PairsOnce(const Request& request);

  // Whether a call with the set of `digest` goes whole, and what its
  // result says about where the set is (see the top of this file).
  bool SendWhole(const std::string& digest);
  void Learn(const std::string& digest, bool missed,
             const absl::StatusOr<JoinResult>& result);

  const Options options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::GeometryService::Stub> stub_;
  Mutex mu_;
  // Sets going whole, by digest: the calls left to send them so.
  absl::flat_hash_map<std::string, int> whole_calls_ ABSL_GUARDED_BY(mu_);
  // The server's operations by op code, once listed.
  std::optional<absl::flat_hash_map<int, v1::OperationInfo>> operations_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace geosrpc::client

#endif  // GEOSRPC_CLIENT_CPP_CLIENT_H_
