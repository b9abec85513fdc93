// A check over runs of float64 ordinates, for the paths that take
// coordinate arrays and PROJ's output whole rather than row by row.
// Header-only and stateless: safe from any thread.
#ifndef GEOSRPC_BASE_ORDINATES_H_
#define GEOSRPC_BASE_ORDINATES_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace geosrpc {

// Whether each of the `count` float64 values at `data` (native order, any
// alignment) lies within [-max_abs, max_abs]; NaN does not, nor does an
// infinity unless max_abs is one. The common case, every value fine, is a
// branch-free pass the compiler vectorizes; callers that must say which
// value failed look again, value by value, when this returns false.
inline bool AllWithin(const void* data, size_t count, double max_abs) {
  if (!(max_abs >= 0)) return count == 0;
  constexpr uint64_t kSignBit = uint64_t{1} << 63;
  // Non-negative doubles, NaN and infinity included, order as their bits
  // do, so |v| <= max_abs compares bits with the sign cleared: integer
  // work, which vectorizes where mixing a double compare with a flag does
  // not.
  uint64_t limit;
  std::memcpy(&limit, &max_abs, sizeof limit);
  limit &= ~kSignBit;
  const char* bytes = static_cast<const char*>(data);
  // Blocks, so that a bad value early on ends the pass early.
  constexpr size_t kBlock = 1024;
  for (size_t begin = 0; begin < count; begin += kBlock) {
    const size_t end = std::min(count, begin + kBlock);
    uint64_t beyond = 0;
    for (size_t i = begin; i < end; ++i) {
      uint64_t bits;
      std::memcpy(&bits, bytes + 8 * i, sizeof bits);
      // Both sides are below 2^63: the difference has its top bit set
      // exactly when |v| > max_abs.
      beyond |= (limit - (bits & ~kSignBit)) >> 63;
    }
    if (beyond != 0) return false;
  }
  return true;
}

}  // namespace geosrpc

#endif  // GEOSRPC_BASE_ORDINATES_H_
