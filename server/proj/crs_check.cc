#include "server/proj/crs_check.h"

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "base/sync.h"
#include "server/proj/context.h"

namespace geosrpc::proj {
namespace {

// Answers kept; past it the memo starts again.
constexpr size_t kMemoSize = 256;

class Checker {
 public:
  absl::Status Check(const std::string& text) {
    MutexLock lock(&mu_);
    if (auto it = memo_.find(text); it != memo_.end()) return it->second;
    if (memo_.size() >= kMemoSize) memo_.clear();
    absl::Status status = context_.CreateCrs(text).status();
    memo_.emplace(text, status);
    return status;
  }

 private:
  Mutex mu_;
  Context context_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Status> memo_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::Status CheckCrs(const std::string& text) {
  static Checker* const checker = new Checker();
  return checker->Check(text);
}

}  // namespace geosrpc::proj
