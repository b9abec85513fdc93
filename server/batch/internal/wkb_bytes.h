// The WKB vocabulary the batch component's readers and writers share: type
// codes, extended-WKB flags, and loads and stores in either byte order.
//
// Thread-safety: constants and pure functions.
#ifndef GEOSRPC_SERVER_BATCH_INTERNAL_WKB_BYTES_H_
#define GEOSRPC_SERVER_BATCH_INTERNAL_WKB_BYTES_H_

#include <cstdint>
#include <cstring>

namespace geosrpc::batch::internal {

inline constexpr uint32_t kEwkbZ = 0x80000000u;
inline constexpr uint32_t kEwkbM = 0x40000000u;
inline constexpr uint32_t kEwkbSrid = 0x20000000u;

enum GeometryType : uint32_t {
  kPoint = 1,
  kLineString = 2,
  kPolygon = 3,
  kMultiPoint = 4,
  kMultiLineString = 5,
  kMultiPolygon = 6,
  kGeometryCollection = 7,
};

inline constexpr bool kBigEndianHost = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;

inline uint32_t ByteSwap(uint32_t v) { return __builtin_bswap32(v); }
inline uint64_t ByteSwap(uint64_t v) { return __builtin_bswap64(v); }

// The unsigned integer at `p` in the given byte order.
template <typename T>
T Load(const char* p, bool big_endian) {
  T v;
  std::memcpy(&v, p, sizeof(v));
  return big_endian == kBigEndianHost ? v : ByteSwap(v);
}

// Stores `v` at `p`, little-endian; returns the next position.
template <typename T>
char* StoreLittle(char* p, T v) {
  if (kBigEndianHost) v = ByteSwap(v);
  std::memcpy(p, &v, sizeof(v));
  return p + sizeof(v);
}

inline double AsDouble(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

inline uint64_t Bits(double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof(bits));
  return bits;
}

}  // namespace geosrpc::batch::internal

#endif  // GEOSRPC_SERVER_BATCH_INTERNAL_WKB_BYTES_H_
