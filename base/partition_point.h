// std::partition_point over a range of indices rather than an iterator
// range, and the bisection built on it that cuts runs of rows by a running
// total. (The
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

// Where a run that starts at row `begin` ends: the last end in
// (begin, last_end] for which `within(end)` holds (it holds for a prefix
// of the ends: a running total against a limit), but at least begin + 1,
// so that a row heavier than the limit is a run of its own.
template <typename Pred>
size_t LastEndWithin(size_t begin, size_t last_end, Pred within) {
  const size_t past = IndexPartitionPoint(begin + 1, last_end + 1, within);
  return past - 1 > begin ? past - 1 : begin + 1;
}

}  // namespace geosrpc

#endif  // GEOSRPC_BASE_PARTITION_POINT_H_
