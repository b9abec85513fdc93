// std::partition_point over a range of indices rather than an iterator
// range: the bisection that cuts runs of rows by a running total. (The
// ranges form, over std::views::iota, does not build with Clang 14 and
// libstdc++ 12, which the sanitizer and fuzzing builds use.)
// Header-only and stateless: safe from any thread.
#ifndef GEOSRPC_BASE_PARTITION_POINT_H_
#define GEOSRPC_BASE_PARTITION_POINT_H_

#include <cstddef>

namespace geosrpc {

// The first index in [first, last) for which `pred` is false, or `last`,
// where `pred` holds for a prefix of the indices and fails for the rest.
// Calls `pred` O(log(last - first)) times.
template <typename Pred>
size_t IndexPartitionPoint(size_t first, size_t last, Pred pred) {
  while (first < last) {
    const size_t mid = first + (last - first) / 2;
    if (pred(mid)) {
      first = mid + 1;
    } else {
      last = mid;
    }
  }
  return first;
}

}  // namespace geosrpc

#endif  // GEOSRPC_BASE_PARTITION_POINT_H_
