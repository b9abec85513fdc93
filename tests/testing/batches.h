// Batches for tests: rows held by the test itself, as a batch::BatchView for
// the server's units, or as a v1::GeometryBatch for requests. Not
// thread-safe per object; the views it gives may be read by any thread while
// the object lives.
#ifndef GEOSRPC_TESTS_TESTING_BATCHES_H_
#define GEOSRPC_TESTS_TESTING_BATCHES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "geosrpc/v1/geometry_service.pb.h"
#include "server/batch/decode.h"

namespace geosrpc::testing {

// Encoded rows and their n+1 offsets.
class OwnedBatch {
 public:
  OwnedBatch() = default;
  explicit OwnedBatch(const std::vector<std::string>& rows) {
    for (const std::string& r : rows) Add(r);
  }
  void Add(absl::string_view row) {
    data_.append(row.data(), row.size());
    offsets_.push_back(data_.size());
  }
  batch::BatchView view(batch::Encoding e = batch::Encoding::kWkt) const {
    return {e, data_, absl::MakeConstSpan(offsets_)};
  }

 private:
  std::string data_;
  std::vector<uint64_t> offsets_{0};
};

// A request's batch of `rows`, each as written.
inline v1::GeometryBatch ProtoBatch(v1::Encoding encoding,
                                    const std::vector<std::string>& rows) {
  v1::GeometryBatch batch;
  batch.set_encoding(encoding);
  batch.add_offsets(0);
  for (const std::string& r : rows) {
    batch.mutable_data()->append(r);
    batch.add_offsets(batch.data().size());
  }
  return batch;
}

// The same, of WKT rows.
inline v1::GeometryBatch WktBatch(const std::vector<std::string>& rows) {
  return ProtoBatch(v1::ENCODING_WKT, rows);
}

}  // namespace geosrpc::testing

#endif  // GEOSRPC_TESTS_TESTING_BATCHES_H_
