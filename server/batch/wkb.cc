#include "server/batch/wkb.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/ordinates.h"
#include "server/batch/internal/geojson_positions.h"
#include "server/batch/internal/wkb_bytes.h"

namespace geosrpc::batch {
namespace {

using internal::AsDouble;
using internal::Bits;
using internal::kBigEndianHost;
using internal::kEwkbM;
using internal::kEwkbSrid;
using internal::kEwkbZ;
using internal::kGeometryCollection;
using internal::kLineString;
using internal::kMultiLineString;
using internal::kMultiPoint;
using internal::kMultiPolygon;
using internal::kPoint;
using internal::kPolygon;
using internal::Load;
using internal::StoreLittle;

// A cursor over untrusted bytes; every read is bounds-checked.
class Reader {
 public:
  Reader(absl::string_view bytes, const GeometryLimits& limits,
         absl::string_view source)
      : bytes_(bytes), limits_(limits), source_(source) {}

  absl::Status Geometry(int depth, uint32_t required_type);
  size_t pos() const { return pos_; }
  uint64_t vertices() const { return vertices_; }
  double min_x() const { return min_x_; }
  double max_x() const { return max_x_; }

 private:
  absl::Status Error(absl::string_view what) const {
    if (source_ != "WKB") {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid ", source_, ": ", what));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("invalid WKB at byte ", pos_, ": ", what));
  }
  size_t remaining() const { return bytes_.size() - pos_; }

  absl::Status U32(bool big_endian, uint32_t* v) {
    if (remaining() < 4) return Error("truncated (expected 4 more bytes)");
    *v = Load<uint32_t>(bytes_.data() + pos_, big_endian);
    pos_ += 4;
    return absl::OkStatus();
  }

  double F64(bool big_endian) {
    const double d = F64At(big_endian, pos_);
    pos_ += 8;
    return d;
  }
  double F64At(bool big_endian, size_t at) const {
    return AsDouble(Load<uint64_t>(bytes_.data() + at, big_endian));
  }

  // A line string's points: GEOS 3.11.1 refuses a single point
  // (IllegalArgumentException).
  // Errors name the offset of the point count.
  absl::Status Line(bool big_endian, int dims) {
    const size_t at = pos_;
    uint32_t count = 0;
    if (absl::Status s = U32(big_endian, &count); !s.ok()) return s;
    if (absl::Status s = Points(big_endian, count, dims, false); !s.ok()) {
      return s;
    }
    if (count == 1) {
      pos_ = at;
      return Error("a line string needs 0 or at least 2 points, got 1");
    }
    return absl::OkStatus();
  }

  // A polygon's ring: GEOS 3.11.1 refuses one of 1 or 2 points, or one
  // whose last point is not its first (in x and y). Three points, closed,
  // make an invalid but readable ring (is_valid answers false).
  absl::Status Ring(bool big_endian, int dims) {
    const size_t at = pos_;
    uint32_t count = 0;
    if (absl::Status s = U32(big_endian, &count); !s.ok()) return s;
    const size_t start = pos_;
    if (absl::Status s = Points(big_endian, count, dims, false); !s.ok()) {
      return s;
    }
    if (count == 0) return absl::OkStatus();
    if (count < 3) {
      pos_ = at;
      return Error(
          absl::StrCat("a ring needs 0 or at least 3 points, got ", count));
    }
    const size_t last = pos_ - dims * 8;
    if (F64At(big_endian, start) != F64At(big_endian, last) ||
        F64At(big_endian, start + 8) != F64At(big_endian, last + 8)) {
      pos_ = at;
      return Error("a ring's last point must be its first");
    }
    return absl::OkStatus();
  }

  // Checks that `count` points of `dims` ordinates fit, then that each is
  // finite. An empty point (all NaN) is allowed only where `allow_empty`.
  absl::Status Points(bool big_endian, uint64_t count, int dims,
                      bool allow_empty) {
    const uint64_t need = count * dims * 8;
    if (count > remaining() || need > remaining()) {
      return Error(absl::StrCat("claims ", count, " points but only ",
                                remaining(), " bytes remain"));
    }
    vertices_ += count;
    if (vertices_ > limits_.max_vertices) {
      return absl::ResourceExhaustedError(
          absl::StrCat("geometry has more than ", limits_.max_vertices,
                       " vertices (limit max_vertices_per_geometry)"));
    }
    // Every ordinate finite and within the limit, the common case, takes
    // one vectorized pass (ordinates in the host's order only); otherwise
    // each point is looked at, to allow an empty one or to name the fault.
    if (big_endian == kBigEndianHost &&
        AllWithin(bytes_.data() + pos_, count * dims,
                  std::min(limits_.max_abs_coordinate,
                           std::numeric_limits<double>::max()))) {
      for (uint64_t i = 0; i < count; ++i) {
        const double x = F64At(big_endian, pos_ + i * dims * 8);
        min_x_ = std::min(min_x_, x);
        max_x_ = std::max(max_x_, x);
      }
      pos_ += need;
      return absl::OkStatus();
    }
    for (uint64_t i = 0; i < count; ++i) {
      const size_t start = pos_;
      int nans = 0, non_finite = 0;
      double largest = 0, x = 0;
      for (int d = 0; d < dims; ++d) {
        const double v = F64(big_endian);
        if (d == 0) x = v;
        nans += std::isnan(v);
        non_finite += !std::isfinite(v);
        if (std::isfinite(v)) largest = std::max(largest, std::abs(v));
      }
      if (non_finite > 0 && !(allow_empty && nans == dims)) {
        pos_ = start;
        // An empty point inside a multipoint is well-formed WKB, but GEOS
        // 3.11.1 crashes on it in most operations (union, intersection,
        // buffer, convex hull, node, ...).
        return Error(nans == dims ? "empty point inside a MULTIPOINT"
                                  : "non-finite coordinate");
      }
      if (largest > limits_.max_abs_coordinate) {
        pos_ = start;
        return Error(absl::StrCat("coordinate ", largest, " is beyond +-",
                                  limits_.max_abs_coordinate));
      }
      if (non_finite == 0) {  // Not an empty point.
        min_x_ = std::min(min_x_, x);
        max_x_ = std::max(max_x_, x);
      }
    }
    return absl::OkStatus();
  }

  absl::string_view bytes_;
  const GeometryLimits& limits_;
  const absl::string_view source_;
  size_t pos_ = 0;
  uint64_t vertices_ = 0;
  double min_x_ = std::numeric_limits<double>::infinity();
  double max_x_ = -std::numeric_limits<double>::infinity();
};

absl::Status Reader::Geometry(int depth, uint32_t required_type) {
  if (remaining() < 1) return Error("truncated (expected byte order)");
  const unsigned char order = static_cast<unsigned char>(bytes_[pos_]);
  if (order > 1) {
    return Error(absl::StrCat("byte order must be 0 or 1, got ", order));
  }
  ++pos_;
  const bool big_endian = order == 0;
  uint32_t raw_type = 0;
  if (absl::Status s = U32(big_endian, &raw_type); !s.ok()) return s;

  bool has_z = raw_type & kEwkbZ;
  bool has_m = raw_type & kEwkbM;
  const bool has_srid = raw_type & kEwkbSrid;
  uint32_t type = raw_type & 0x0fffffffu;
  if (type >= 1000 && type < 4000) {  // ISO: 1000s Z, 2000s M, 3000s ZM.
    const uint32_t iso = type / 1000;
    has_z = has_z || iso == 1 || iso == 3;
    has_m = has_m || iso == 2 || iso == 3;
    type %= 1000;
  }
  if (type < kPoint || type > kGeometryCollection) {
    pos_ -= 4;
    return Error(absl::StrCat("unsupported geometry type ", raw_type));
  }
  if (required_type != 0 && type != required_type) {
    pos_ -= 4;
    return Error(absl::StrCat("collection member has type ", type,
                              ", expected ", required_type));
  }
  if (has_srid) {
    uint32_t srid = 0;
    if (absl::Status s = U32(big_endian, &srid); !s.ok()) return s;
  }
  const int dims = 2 + has_z + has_m;

  uint32_t count = 0;
  switch (type) {
    case kPoint:
      return Points(big_endian, 1, dims,
                    /*allow_empty=*/required_type != kPoint);
    case kLineString:
      return Line(big_endian, dims);
    case kPolygon: {
      if (absl::Status s = U32(big_endian, &count); !s.ok()) return s;
      if (count > remaining() / 4) {
        return Error(absl::StrCat("claims ", count, " rings but only ",
                                  remaining(), " bytes remain"));
      }
      bool empty_shell = false;
      for (uint32_t i = 0; i < count; ++i) {
        const uint64_t before = vertices_;
        const size_t at = pos_;
        if (absl::Status s = Ring(big_endian, dims); !s.ok()) return s;
        const bool empty = vertices_ == before;
        if (i == 0) {
          empty_shell = empty;
        } else if (empty_shell && !empty) {
          // GEOS 3.11.1: "shell is empty but holes are not".
          pos_ = at;
          return Error("a polygon with an empty shell has a non-empty hole");
        }
      }
      return absl::OkStatus();
    }
    default: {  // Collections.
      if (depth + 1 > limits_.max_depth) {
        return Error(
            absl::StrCat("collections nested deeper than ", limits_.max_depth));
      }
      if (absl::Status s = U32(big_endian, &count); !s.ok()) return s;
      // The smallest member (an empty line string) takes 9 bytes.
      if (count > remaining() / 9) {
        return Error(absl::StrCat("claims ", count, " members but only ",
                                  remaining(), " bytes remain"));
      }
      const uint32_t member_type =
          type == kGeometryCollection ? 0 : type - 3;  // Multi* -> single.
      for (uint32_t i = 0; i < count; ++i) {
        if (absl::Status s = Geometry(depth + 1, member_type); !s.ok()) {
          return s;
        }
      }
      return absl::OkStatus();
    }
  }
}

// Text nesting `opens` / `closes` characters no deeper than `max_depth`,
// balanced, and without NUL bytes. Messages name the `format`, the `unit`
// of nesting, and what an unclosed text lacks. With `json_strings`, the
// contents of JSON strings ("...", with backslash escapes) are not counted:
// a GeoJSON Feature's properties may hold any text.
absl::Status CheckNesting(absl::string_view text, absl::string_view format,
                          absl::string_view opens, absl::string_view closes,
                          int max_depth, absl::string_view unit,
                          absl::string_view unclosed, bool json_strings) {
  // GEOS is handed the text as a C string: a NUL anywhere, even escaped
  // inside a JSON string, would end it before what was checked.
  if (const size_t nul = text.find('\0'); nul != absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", format, ": NUL byte at offset ", nul));
  }
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // The escaped character, whatever it is.
      } else if (c == '"') {
        in_string = false;
      }
    } else if (json_strings && c == '"') {
      in_string = true;
    } else if (absl::StrContains(opens, c)) {
      if (++depth > max_depth) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid ", format, ": nested deeper than ", max_depth, " ", unit));
      }
    } else if (absl::StrContains(closes, c)) {
      if (--depth < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid ", format, ": unbalanced '",
                         std::string(1, c), "' at offset ", i));
      }
    }
  }
  if (in_string) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", format, ": unterminated string"));
  }
  if (depth != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid ", format, ": unclosed ", unclosed));
  }
  return absl::OkStatus();
}

// Whether `json` (balanced, as CheckNesting found it) is null, or a Feature
// whose geometry is null. GEOS 3.11.1's reader fails on both with "Error
// parsing JSON: '[json.exception.type_error.304] cannot use at() with
// null'", which tells the user nothing.
bool IsNullGeometry(absl::string_view json) {
  json = absl::StripAsciiWhitespace(json);
  if (json == "null") return true;
  // The top-level object's members: a key is a string at depth 1 followed
  // by ':', and its value follows that.
  bool feature = false;
  bool null_geometry = false;
  int depth = 0;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '"') {
      const size_t begin = ++i;
      for (; i < json.size() && json[i] != '"'; ++i) {
        if (json[i] == '\\') ++i;
      }
      if (depth != 1 || i >= json.size()) continue;
      const absl::string_view key = json.substr(begin, i - begin);
      absl::string_view value =
          absl::StripLeadingAsciiWhitespace(json.substr(i + 1));
      if (!absl::ConsumePrefix(&value, ":")) continue;  // Not a key.
      value = absl::StripLeadingAsciiWhitespace(value);
      if (key == "type") {
        feature = absl::StartsWith(value, "\"Feature\"");
      } else if (key == "geometry") {
        null_geometry = absl::StartsWith(value, "null");
      }
    }
  }
  return feature && null_geometry;
}

// Walks a validated WKB geometry that should be plain: with `out`, writes
// it as GEOS would (RewriteWkb); without, only checks (PlainWkb). Every read
// is bounds-checked all the same.
class PlainWalker {
 public:
  PlainWalker(absl::string_view wkb, CoordinateMap* map, std::string* out)
      : wkb_(wkb), map_(map), out_(out) {}

  // OK when the geometry is plain (and, with `out`, written); kNotPlain's
  // status when not; `map`'s error otherwise.
  absl::Status Geometry(int32_t srid, int depth) {
    if (depth > 64) return NotPlain();
    unsigned char order;
    uint32_t raw_type;
    if (!Take(&order) || order > 1 || !Take32(order == 0, &raw_type)) {
      return NotPlain();
    }
    const bool big_endian = order == 0;
    const uint32_t type = (raw_type & 0x0fffffffu) % 1000;
    const uint32_t iso = (raw_type & 0x0fffffffu) / 1000;
    const bool has_z = (raw_type & kEwkbZ) || iso == 1 || iso == 3;
    if ((raw_type & kEwkbM) || iso == 2 || iso >= 3) return NotPlain();
    if (depth == 0) has_z_ = has_z;
    if (has_z != has_z_) return NotPlain();
    if (raw_type & kEwkbSrid) {
      uint32_t ignored;
      if (!Take32(big_endian, &ignored)) return NotPlain();
    }
    if (out_ != nullptr) {
      out_->push_back(1);  // Little-endian.
      Put32(type | (has_z ? kEwkbZ : 0) | (srid != 0 ? kEwkbSrid : 0));
      if (srid != 0) Put32(static_cast<uint32_t>(srid));
    }
    const int dims = has_z ? 3 : 2;
    uint32_t count = 1;
    if (type != kPoint && (!Take32(big_endian, &count) || count == 0)) {
      return NotPlain();  // Empty, or cut short.
    }
    if (out_ != nullptr && type != kPoint) Put32(count);
    switch (type) {
      case kPoint:
        if (IsNanAt(big_endian)) return NotPlain();  // POINT EMPTY.
        return Sequence(big_endian, 1, dims);
      case kLineString:
        return Sequence(big_endian, count, dims);
      case kPolygon:
        for (uint32_t i = 0; i < count; ++i) {
          uint32_t points;
          if (!Take32(big_endian, &points) || points == 0) return NotPlain();
          if (out_ != nullptr) Put32(points);
          if (absl::Status s = Sequence(big_endian, points, dims); !s.ok()) {
            return s;
          }
        }
        return absl::OkStatus();
      case kMultiPoint:
      case kMultiLineString:
      case kMultiPolygon:
      case kGeometryCollection:
        for (uint32_t i = 0; i < count; ++i) {
          if (absl::Status s = Geometry(0, depth + 1); !s.ok()) return s;
        }
        return absl::OkStatus();
      default:
        return NotPlain();
    }
  }

  bool at_end() const { return pos_ == wkb_.size(); }

  static absl::Status NotPlain() {
    return absl::InternalError("WKB is not plain (M, mixed Z or empty parts)");
  }

 private:
  bool Take(unsigned char* v) {
    if (pos_ >= wkb_.size()) return false;
    *v = static_cast<unsigned char>(wkb_[pos_++]);
    return true;
  }
  bool Take32(bool big_endian, uint32_t* v) {
    if (wkb_.size() - pos_ < 4) return false;
    *v = Load<uint32_t>(wkb_.data() + pos_, big_endian);
    pos_ += 4;
    return true;
  }
  void Put32(uint32_t v) {
    char b[4];
    StoreLittle(b, v);
    out_->append(b, 4);
  }

  // Whether the next ordinate is NaN (the x of an empty point).
  bool IsNanAt(bool big_endian) const {
    return wkb_.size() - pos_ >= 8 &&
           std::isnan(AsDouble(Load<uint64_t>(wkb_.data() + pos_, big_endian)));
  }

  // `n` coordinates: skipped when checking, else read, mapped and written.
  absl::Status Sequence(bool big_endian, uint64_t n, int dims) {
    const size_t bytes = n * dims * 8;
    if (n > wkb_.size() || wkb_.size() - pos_ < bytes) return NotPlain();
    const char* at = wkb_.data() + pos_;
    pos_ += bytes;
    if (out_ == nullptr) return absl::OkStatus();
    // This thread's buffers, reused row after row.
    thread_local std::vector<double> in, mapped;
    in.resize(n * dims);
    mapped.resize(n * dims);
    if (big_endian == kBigEndianHost) {
      std::memcpy(in.data(), at, bytes);
    } else {
      for (size_t i = 0; i < n * dims; ++i) {
        in[i] = AsDouble(Load<uint64_t>(at + 8 * i, big_endian));
      }
    }
    if (absl::Status s = (*map_)(in.data(), mapped.data(), n, dims); !s.ok()) {
      return s;
    }
    if (!kBigEndianHost) {
      out_->append(reinterpret_cast<const char*>(mapped.data()), bytes);
      return absl::OkStatus();
    }
    const size_t start = out_->size();
    out_->resize(start + bytes);
    char* p = out_->data() + start;
    for (double v : mapped) p = StoreLittle(p, Bits(v));
    return absl::OkStatus();
  }

  absl::string_view wkb_;
  CoordinateMap* map_;
  std::string* out_;
  size_t pos_ = 0;
  bool has_z_ = false;
};

}  // namespace

int32_t WkbSrid(absl::string_view wkb) {
  if (wkb.size() < 9 || static_cast<unsigned char>(wkb[0]) > 1) return 0;
  const bool big_endian = wkb[0] == 0;
  if (!(Load<uint32_t>(wkb.data() + 1, big_endian) & kEwkbSrid)) return 0;
  return static_cast<int32_t>(Load<uint32_t>(wkb.data() + 5, big_endian));
}

bool PlainWkb(absl::string_view wkb) {
  PlainWalker walker(wkb, nullptr, nullptr);
  return walker.Geometry(0, 0).ok() && walker.at_end();
}

absl::Status RewriteWkb(absl::string_view wkb, int32_t srid, CoordinateMap map,
                        std::string* out) {
  PlainWalker walker(wkb, &map, out);
  if (absl::Status s = walker.Geometry(srid, 0); !s.ok()) return s;
  if (!walker.at_end()) return PlainWalker::NotPlain();
  return absl::OkStatus();
}

absl::Status ValidateWkb(absl::string_view wkb, const GeometryLimits& limits,
                         WkbInfo* info, absl::string_view source) {
  if (wkb.empty()) return absl::InvalidArgumentError("empty WKB");
  Reader reader(wkb, limits, source);
  if (absl::Status s = reader.Geometry(0, 0); !s.ok()) return s;
  if (reader.pos() != wkb.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid WKB: ", wkb.size() - reader.pos(),
                     " trailing bytes after the geometry"));
  }
  if (info != nullptr) {
    info->vertices = reader.vertices();
    info->min_x = reader.min_x();
    info->max_x = reader.max_x();
  }
  return absl::OkStatus();
}

bool ReadPlainXyPoint(absl::string_view wkb, const GeometryLimits& limits,
                      double* x, double* y) {
  constexpr size_t kSize = 1 + 4 + 2 * 8;
  if (wkb.size() != kSize || limits.max_vertices < 1) return false;
  const char* p = wkb.data();
  if (p[0] != 0 && p[0] != 1) return false;
  const bool big_endian = p[0] == 0;
  if (Load<uint32_t>(p + 1, big_endian) != kPoint) {
    return false;
  }
  *x = AsDouble(Load<uint64_t>(p + 5, big_endian));
  *y = AsDouble(Load<uint64_t>(p + 13, big_endian));
  // NaN (an empty point, or an error) and infinities fail both tests.
  return std::abs(*x) <= limits.max_abs_coordinate &&
         std::abs(*y) <= limits.max_abs_coordinate;
}

absl::Status DecodeHex(absl::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError("hex WKB has an odd number of digits");
  }
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out->resize(hex.size() / 2);
  for (size_t i = 0; i < out->size(); ++i) {
    const int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("hex WKB has a non-hex character at offset ",
                       hi < 0 ? 2 * i : 2 * i + 1));
    }
    (*out)[i] = static_cast<char>(hi << 4 | lo);
  }
  return absl::OkStatus();
}

absl::Status PrecheckWkt(absl::string_view wkt, const GeometryLimits& limits) {
  // A polygon inside a multipolygon inside a collection adds three levels of
  // parentheses beyond the collection depth.
  return CheckNesting(wkt, "WKT", "(", ")", limits.max_depth + 3, "parentheses",
                      "'('", /*json_strings=*/false);
}

absl::Status PrecheckGeoJson(absl::string_view json,
                             const GeometryLimits& limits) {
  // Each collection level opens an object and its "geometries" array; a
  // multipolygon's coordinates add four arrays, a Feature wrapper one
  // object.
  if (absl::Status s =
          CheckNesting(json, "GeoJSON", "[{", "]}", 2 * limits.max_depth + 6,
                       "brackets", "bracket", /*json_strings=*/true);
      !s.ok()) {
    return s;
  }
  if (IsNullGeometry(json)) {
    return absl::InvalidArgumentError("GeoJSON: null geometry");
  }
  return internal::CheckGeoJsonPositions(json);
}

}  // namespace geosrpc::batch
