#include "server/batch/coordinates.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/ordinates.h"
#include "base/partition_point.h"
#include "base/status_macros.h"
#include "server/batch/internal/wkb_bytes.h"

namespace geosrpc::batch {
namespace {

using internal::AsDouble;
using internal::kEwkbM;
using internal::kEwkbSrid;
using internal::kEwkbZ;
using internal::Load;
using internal::StoreLittle;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const char* KindName(CoordinateKind kind) {
  switch (kind) {
    case CoordinateKind::kPoint:
      return "POINT";
    case CoordinateKind::kLineString:
      return "LINESTRING";
    case CoordinateKind::kPolygon:
      return "POLYGON";
    case CoordinateKind::kMultiPoint:
      return "MULTIPOINT";
    case CoordinateKind::kMultiLineString:
      return "MULTILINESTRING";
    case CoordinateKind::kMultiPolygon:
      return "MULTIPOLYGON";
  }
  return "?";
}

// --- Arrays to WKB -------------------------------------------------------

// OK when `offsets` (the array `field`) indexes a level of `below` entries:
// empty (no entries, when `below` is 0 too) or starting at 0, never
// decreasing, ending at `below`. Returns the entries it indexes.
absl::StatusOr<size_t> CheckLevel(absl::Span<const uint64_t> offsets,
                                  const std::string& field, uint64_t below,
                                  absl::string_view below_what) {
  if (offsets.empty()) {
    if (below == 0) return 0;
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is empty but ", below_what, " holds ", below,
                     " entries (it needs n+1 offsets)"));
  }
  if (offsets[0] != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, "[0] must be 0, got ", offsets[0]));
  }
  for (size_t i = 1; i < offsets.size(); ++i) {
    if (offsets[i] < offsets[i - 1]) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " decreases at index ", i, " (", offsets[i - 1],
                       " then ", offsets[i], ")"));
    }
  }
  if (offsets.back() != below) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " ends at ", offsets.back(), " (index ", offsets.size() - 1,
        ") but ", below_what, " holds ", below, " entries"));
  }
  return offsets.size() - 1;
}

// Appends little-endian extended WKB to a string.
class WkbWriter {
 public:
  WkbWriter(const CoordinateArrayView& array, std::string* out)
      : coords_(array.coords.data()),
        dims_(array.dimensions),
        z_flag_(array.dimensions == 3 ? kEwkbZ : 0),
        srid_(array.srid),
        out_(out) {}

  // A header; the SRID goes on the outermost geometry only.
  void Header(uint32_t type, bool outer) {
    const bool srid = outer && srid_ != 0;
    char buf[9];
    buf[0] = 1;
    char* p =
        StoreLittle<uint32_t>(buf + 1, type | z_flag_ | (srid ? kEwkbSrid : 0));
    if (srid) p = StoreLittle<uint32_t>(p, static_cast<uint32_t>(srid_));
    out_->append(buf, p - buf);
  }
  void Count(uint64_t n) {
    char buf[4];
    StoreLittle<uint32_t>(buf, static_cast<uint32_t>(n));
    out_->append(buf, 4);
  }
  // Coordinates [begin, end), as stored (little-endian already).
  void Coordinates(uint64_t begin, uint64_t end) {
    const size_t width = 8 * dims_;
    out_->append(coords_ + begin * width, (end - begin) * width);
  }
  void Line(uint64_t begin, uint64_t end) {
    Count(end - begin);
    Coordinates(begin, end);
  }
  // A polygon of rings [begin, end) of `rings`.
  void Polygon(absl::Span<const uint64_t> rings, uint64_t begin, uint64_t end,
               bool outer) {
    Header(internal::kPolygon, outer);
    Count(end - begin);
    for (uint64_t r = begin; r < end; ++r) Line(rings[r], rings[r + 1]);
  }

 private:
  const char* coords_;
  const int dims_;
  const uint32_t z_flag_;
  const int32_t srid_;
  std::string* out_;
};

// The points of an array of points, with exact sizes and no per-row checks:
// the common case, and the one where per-row overhead shows.
void WritePoints(const CoordinateArrayView& array, size_t n, WkbRows* rows) {
  const size_t width = 8 * array.dimensions;
  const size_t header = array.srid != 0 ? 9 : 5;
  const uint32_t type = internal::kPoint |
                        (array.dimensions == 3 ? kEwkbZ : 0) |
                        (array.srid != 0 ? kEwkbSrid : 0);
  rows->data.resize(n * (header + width));
  rows->offsets.resize(n + 1);
  char* p = rows->data.data();
  const char* in = array.coords.data();
  for (size_t i = 0; i < n; ++i) {
    rows->offsets[i] = p - rows->data.data();
    *p++ = 1;
    p = StoreLittle<uint32_t>(p, type);
    if (array.srid != 0) {
      p = StoreLittle<uint32_t>(p, static_cast<uint32_t>(array.srid));
    }
    std::memcpy(p, in, width);
    p += width;
    in += width;
  }
  rows->offsets[n] = rows->data.size();
}

}  // namespace

absl::StatusOr<size_t> CheckCoordinates(const CoordinateArrayView& array,
                                        absl::string_view name) {
  const std::string prefix = absl::StrCat(name, ".coordinates");
  if (array.dimensions != 2 && array.dimensions != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, ".dimensions must be 2 or 3, got ", array.dimensions));
  }
  const size_t width = 8 * array.dimensions;
  if (array.coords.size() % width != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, ".coords holds ", array.coords.size(),
                     " bytes, not a whole number of ", array.dimensions,
                     "-dimensional coordinates (", width, " bytes each)"));
  }
  const uint64_t n_coords = array.coords.size() / width;
  const auto geometry = absl::StrCat(prefix, ".geometry_offsets");
  const auto part = absl::StrCat(prefix, ".part_offsets");
  const auto ring = absl::StrCat(prefix, ".ring_offsets");

  // Which levels the kind uses, from the coordinates up.
  const CoordinateKind kind = array.kind;
  const bool uses_geometry = kind != CoordinateKind::kPoint;
  const bool uses_part = kind == CoordinateKind::kMultiLineString ||
                         kind == CoordinateKind::kMultiPolygon;
  const bool uses_ring =
      kind == CoordinateKind::kPolygon || kind == CoordinateKind::kMultiPolygon;
  for (const auto& [used, offsets, field] :
       {std::tuple(uses_geometry, array.geometry_offsets, &geometry),
        std::tuple(uses_part, array.part_offsets, &part),
        std::tuple(uses_ring, array.ring_offsets, &ring)}) {
    if (!used && !offsets.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          *field, ": ", KindName(kind), " does not use it; it must be empty"));
    }
  }
  uint64_t below = n_coords;
  absl::string_view below_what = "coords";
  size_t rings = 0, parts = 0;
  if (uses_ring) {
    ASSIGN_OR_RETURN(rings,
                     CheckLevel(array.ring_offsets, ring, below, below_what));
    below = rings;
    below_what = "ring_offsets";
  }
  if (uses_part) {
    ASSIGN_OR_RETURN(parts,
                     CheckLevel(array.part_offsets, part, below, below_what));
    below = parts;
    below_what = "part_offsets";
  }
  size_t n = n_coords;
  if (uses_geometry) {
    ASSIGN_OR_RETURN(
        n, CheckLevel(array.geometry_offsets, geometry, below, below_what));
  }
  return n;
}

absl::StatusOr<std::unique_ptr<const WkbRows>> CoordinatesToWkb(
    const CoordinateArrayView& array, absl::string_view name) {
  ASSIGN_OR_RETURN(const size_t n, CheckCoordinates(array, name));
  const CoordinateKind kind = array.kind;
  const size_t parts = array.part_offsets.size();
  const size_t rings = array.ring_offsets.size();
  auto rows = std::make_unique<WkbRows>();
  if (kind == CoordinateKind::kPoint) {
    WritePoints(array, n, rows.get());
    return rows;
  }
  rows->data.reserve(array.coords.size() + 13 * n + 9 * parts + 4 * rings);
  rows->offsets.reserve(n + 1);
  rows->offsets.push_back(0);
  WkbWriter out(array, &rows->data);
  const auto& g = array.geometry_offsets;
  for (size_t i = 0; i < n; ++i) {
    switch (kind) {
      case CoordinateKind::kPoint:
        break;
      case CoordinateKind::kLineString:
        out.Header(internal::kLineString, true);
        out.Line(g[i], g[i + 1]);
        break;
      case CoordinateKind::kPolygon:
        out.Polygon(array.ring_offsets, g[i], g[i + 1], true);
        break;
      case CoordinateKind::kMultiPoint:
        out.Header(internal::kMultiPoint, true);
        out.Count(g[i + 1] - g[i]);
        for (uint64_t c = g[i]; c < g[i + 1]; ++c) {
          out.Header(internal::kPoint, false);
          out.Coordinates(c, c + 1);
        }
        break;
      case CoordinateKind::kMultiLineString:
        out.Header(internal::kMultiLineString, true);
        out.Count(g[i + 1] - g[i]);
        for (uint64_t p = g[i]; p < g[i + 1]; ++p) {
          out.Header(internal::kLineString, false);
          out.Line(array.part_offsets[p], array.part_offsets[p + 1]);
        }
        break;
      case CoordinateKind::kMultiPolygon:
        out.Header(internal::kMultiPolygon, true);
        out.Count(g[i + 1] - g[i]);
        for (uint64_t p = g[i]; p < g[i + 1]; ++p) {
          out.Polygon(array.ring_offsets, array.part_offsets[p],
                      array.part_offsets[p + 1], false);
        }
        break;
    }
    rows->offsets.push_back(rows->data.size());
  }
  return rows;
}

// --- Slices and plain rows ----------------------------------------------

uint64_t FirstCoordinate(const CoordinateArrayView& array, size_t row) {
  uint64_t at = row;
  for (absl::Span<const uint64_t> level :
       {array.geometry_offsets, array.part_offsets, array.ring_offsets}) {
    if (!level.empty()) at = level[at];
  }
  return at;
}

CoordinateSlice::CoordinateSlice(const CoordinateArrayView& array, size_t begin,
                                 size_t end)
    : view_(array) {
  const int width = 8 * array.dimensions;
  // Each level's range, top down, rebased.
  uint64_t lo = begin, hi = end;
  const auto level = [&](absl::Span<const uint64_t> offsets,
                         std::vector<uint64_t>* out) {
    out->reserve(hi - lo + 1);
    for (uint64_t i = lo; i <= hi; ++i)
      out->push_back(offsets[i] - offsets[lo]);
    const uint64_t next_lo = offsets[lo], next_hi = offsets[hi];
    lo = next_lo;
    hi = next_hi;
  };
  std::vector<uint64_t>* levels[] = {&geometry_, &part_, &ring_};
  const absl::Span<const uint64_t> in[] = {
      array.geometry_offsets, array.part_offsets, array.ring_offsets};
  for (int l = 0; l < 3; ++l) {
    if (in[l].empty()) continue;
    level(in[l], levels[l]);
  }
  view_.coords = array.coords.substr(lo * width, (hi - lo) * width);
  view_.geometry_offsets = geometry_;
  view_.part_offsets = part_;
  view_.ring_offsets = ring_;

  // Each row's first coordinate; a point array needs no table.
  rows_ = end - begin;
  if (geometry_.empty()) return;
  first_.resize(rows_ + 1);
  for (size_t i = 0; i <= rows_; ++i) first_[i] = FirstCoordinate(view_, i);
}

size_t CoordinateSlice::EndWithin(size_t begin, uint64_t coordinates) const {
  const uint64_t limit = first_coordinate(begin) + coordinates;
  // first_coordinate never decreases: the ends within the limit come first.
  return LastEndWithin(
      begin, rows_, [&](size_t end) { return first_coordinate(end) <= limit; });
}

bool PlainRows(const CoordinateSlice& slice, const GeometryLimits& limits) {
  const CoordinateArrayView& array = slice.view();
  const int dims = array.dimensions;
  const size_t n = array.coords.size() / (8 * dims);
  const char* c = array.coords.data();
  const auto at = [&](uint64_t i, int d) {
    double v;
    std::memcpy(&v, c + 8 * (i * dims + d), 8);
    return v;
  };
  const bool points = array.kind == CoordinateKind::kPoint;
  // Every ordinate within limits (the common case) is one pass; otherwise
  // each coordinate is looked at, as an empty point (NaN, NaN) is plain.
  const bool within = AllWithin(c, n * dims, limits.max_abs_coordinate);
  for (size_t i = 0; !within && i < n; ++i) {
    bool nan = true, finite = true;
    for (int d = 0; d < dims; ++d) {
      const double v = at(i, d);
      nan = nan && std::isnan(v);
      finite = finite && std::abs(v) <= limits.max_abs_coordinate;
    }
    if (!finite && !(points && nan)) return false;
  }
  if (points) return limits.max_vertices >= 1;
  // Lines (a line string, or each part of a multi line string) and rings.
  const bool rings = !array.ring_offsets.empty() ||
                     array.kind == CoordinateKind::kPolygon ||
                     array.kind == CoordinateKind::kMultiPolygon;
  absl::Span<const uint64_t> lines =
      rings                                            ? array.ring_offsets
      : array.kind == CoordinateKind::kMultiLineString ? array.part_offsets
                                                       : array.geometry_offsets;
  const bool multipoint = array.kind == CoordinateKind::kMultiPoint;
  const bool line_rows = array.kind == CoordinateKind::kLineString;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const uint64_t b = lines[i], e = lines[i + 1];
    if (multipoint) continue;
    // A line string row may be empty (the row is then empty, not a part).
    if (e - b == 0 && line_rows) continue;
    if (e - b < (rings ? 3 : 2)) return false;
    if (rings && (at(b, 0) != at(e - 1, 0) || at(b, 1) != at(e - 1, 1))) {
      return false;
    }
  }
  // No empty polygon inside a multipolygon, no empty part of a multi line
  // string (covered above) and rows within the vertex limit.
  if (array.kind == CoordinateKind::kMultiPolygon) {
    for (size_t i = 0; i + 1 < array.part_offsets.size(); ++i) {
      if (array.part_offsets[i + 1] == array.part_offsets[i]) return false;
    }
  }
  for (size_t i = 0; i < slice.rows(); ++i) {
    if (slice.first_coordinate(i + 1) - slice.first_coordinate(i) >
        limits.max_vertices) {
      return false;
    }
  }
  return true;
}

// --- WKB to a column -----------------------------------------------------

namespace {

constexpr int kPoints = 1;
constexpr int kLines = 2;
constexpr int kPolygons = 3;

const char* FamilyName(int family) {
  return family == kPoints ? "points" : family == kLines ? "lines" : "polygons";
}

// A geometry's header.
struct Header {
  bool big_endian = false;
  uint32_t type = 0;  // 1-7.
  bool z = false;
  bool m = false;
};

// A bounds-checked cursor over WKB the service wrote (GEOS's writer or
// RewriteWkb); malformed bytes are INTERNAL.
class Cursor {
 public:
  explicit Cursor(absl::string_view wkb) : wkb_(wkb) {}

  absl::Status Read(Header* h) {
    if (!Need(5)) return Malformed();
    const unsigned char order = wkb_[pos_];
    if (order > 1) return Malformed();
    h->big_endian = order == 0;
    uint32_t type = Load<uint32_t>(wkb_.data() + pos_ + 1, h->big_endian);
    pos_ += 5;
    const bool srid = (type & kEwkbSrid) != 0;
    h->z = (type & kEwkbZ) != 0;
    h->m = (type & kEwkbM) != 0;
    type &= 0x0fffffffu;
    if (type >= 1000) {  // ISO: 1000s for Z, 2000s for M, 3000s for both.
      const uint32_t dims = type / 1000;
      h->z = h->z || dims == 1 || dims == 3;
      h->m = h->m || dims == 2 || dims == 3;
      type %= 1000;
    }
    if (type < 1 || type > 7) return Malformed();
    h->type = type;
    if (srid) {
      if (!Need(4)) return Malformed();
      pos_ += 4;
    }
    return absl::OkStatus();
  }
  absl::Status Count(const Header& h, uint32_t* n) {
    if (!Need(4)) return Malformed();
    *n = Load<uint32_t>(wkb_.data() + pos_, h.big_endian);
    pos_ += 4;
    return absl::OkStatus();
  }
  // `n` coordinates of `h`'s dimensions appended to `out` with `dims`
  // ordinates each (z NaN where `h` has none; m dropped).
  absl::Status Coordinates(const Header& h, uint64_t n, int dims,
                           std::string* out) {
    const int in_dims = 2 + h.z + h.m;
    if (n > (wkb_.size() - pos_) / (8 * in_dims)) return Malformed();
    const char* in = wkb_.data() + pos_;
    pos_ += n * 8 * in_dims;
    if (!h.big_endian && in_dims == dims && !internal::kBigEndianHost) {
      out->append(in, n * 8 * dims);
      return absl::OkStatus();
    }
    const size_t start = out->size();
    out->resize(start + n * 8 * dims);
    char* p = out->data() + start;
    for (uint64_t i = 0; i < n; ++i, in += 8 * in_dims) {
      for (int d = 0; d < dims; ++d) {
        const double v =
            d < 2 || h.z ? AsDouble(Load<uint64_t>(in + 8 * d, h.big_endian))
                         : kNaN;
        p = StoreLittle<uint64_t>(p, internal::Bits(v));
      }
    }
    return absl::OkStatus();
  }
  // Whether the point coordinates ahead are NaN, NaN (an empty point).
  bool EmptyPointAhead(const Header& h) const {
    if (!Need(16)) return false;
    const double x = AsDouble(Load<uint64_t>(wkb_.data() + pos_, h.big_endian));
    const double y =
        AsDouble(Load<uint64_t>(wkb_.data() + pos_ + 8, h.big_endian));
    return std::isnan(x) && std::isnan(y);
  }
  bool done() const { return pos_ == wkb_.size(); }

 private:
  bool Need(size_t n) const { return wkb_.size() - pos_ >= n; }
  static absl::Status Malformed() {
    return absl::InternalError("coordinate column: malformed result WKB");
  }

  absl::string_view wkb_;
  size_t pos_ = 0;
};

int FamilyOf(uint32_t type) {
  switch (type) {
    case internal::kPoint:
    case internal::kMultiPoint:
      return kPoints;
    case internal::kLineString:
    case internal::kMultiLineString:
      return kLines;
    case internal::kPolygon:
    case internal::kMultiPolygon:
      return kPolygons;
    default:
      return 0;
  }
}

const char* TypeName(uint32_t type) {
  static constexpr const char* kNames[] = {
      "?",          "Point",           "LineString",   "Polygon",
      "MultiPoint", "MultiLineString", "MultiPolygon", "GeometryCollection"};
  return type <= 7 ? kNames[type] : "?";
}

CoordinateKind KindOf(int family, bool multi) {
  switch (family) {
    case kLines:
      return multi ? CoordinateKind::kMultiLineString
                   : CoordinateKind::kLineString;
    case kPolygons:
      return multi ? CoordinateKind::kMultiPolygon : CoordinateKind::kPolygon;
    default:
      return multi ? CoordinateKind::kMultiPoint : CoordinateKind::kPoint;
  }
}

double DoubleAt(const std::string& coords, size_t i) {
  double v;
  std::memcpy(&v, coords.data() + 8 * i, 8);
  return v;
}

}  // namespace

absl::StatusOr<CoordinateColumnBuilder::Shape> CoordinateColumnBuilder::ShapeOf(
    absl::string_view wkb) const {
  Cursor cursor(wkb);
  Header h;
  RETURN_IF_ERROR(cursor.Read(&h));
  Shape shape;
  shape.z = h.z;
  shape.multi = h.type >= internal::kMultiPoint;
  bool empty;
  if (h.type == internal::kPoint) {
    empty = cursor.EmptyPointAhead(h);
  } else {
    uint32_t n = 0;
    RETURN_IF_ERROR(cursor.Count(h, &n));
    empty = n == 0;
    if (h.type == internal::kGeometryCollection && !empty) {
      return absl::InvalidArgumentError(
          "a non-empty GeometryCollection has no coordinate array form; ask "
          "for WKB (result_encoding) to carry collections");
    }
  }
  shape.type = h.type;
  shape.hint = FamilyOf(h.type);
  if (!empty) shape.family = shape.hint;
  return shape;
}

absl::Status CoordinateColumnBuilder::Append(
    absl::Span<const absl::string_view> wkb) {
  // Every value's shape first: the values go in together or not at all.
  std::vector<Shape> shapes;
  shapes.reserve(wkb.size());
  int family = family_;
  bool multi = false, z = false;
  for (absl::string_view value : wkb) {
    ASSIGN_OR_RETURN(Shape shape, ShapeOf(value));
    if (shape.family != 0) {
      if (family != 0 && shape.family != family) {
        return absl::InvalidArgumentError(absl::StrCat(
            "a ", TypeName(shape.type), " among ", FamilyName(family),
            ": a coordinate array holds one family of geometry; ask for WKB "
            "(result_encoding) to carry mixed results"));
      }
      family = shape.family;
      multi = multi || shape.multi;
      z = z || shape.z;
    } else if (hint_ == 0) {
      hint_ = shape.hint;
      hint_multi_ = shape.multi;
    }
    shapes.push_back(shape);
  }
  if (family != 0 && family_ == 0) Decide(family);
  if (multi && !multi_) Promote();
  if (z && column_.dimensions == 2) Widen();

  const size_t coords = column_.coords.size();
  const size_t geometries = column_.geometry_offsets.size();
  const size_t parts = column_.part_offsets.size();
  const size_t rings = column_.ring_offsets.size();
  for (size_t i = 0; i < wkb.size(); ++i) {
    if (absl::Status s = Write(wkb[i], shapes[i]); !s.ok()) {
      column_.coords.resize(coords);
      column_.geometry_offsets.resize(geometries);
      column_.part_offsets.resize(parts);
      column_.ring_offsets.resize(rings);
      values_ -= i;
      return s;
    }
    ++values_;
  }
  return absl::OkStatus();
}

void CoordinateColumnBuilder::AppendEmpty() {
  ++values_;
  if (family_ == 0) return;  // Materialized by Decide.
  if (column_.kind == CoordinateKind::kPoint) {
    for (int d = 0; d < column_.dimensions; ++d) {
      char buf[8];
      StoreLittle<uint64_t>(buf, internal::Bits(kNaN));
      column_.coords.append(buf, 8);
    }
  } else {
    column_.geometry_offsets.push_back(column_.geometry_offsets.back());
  }
}

void CoordinateColumnBuilder::Decide(int family) {
  const size_t empties = values_;
  values_ = 0;
  family_ = family;
  column_.kind = KindOf(family, false);
  if (column_.kind != CoordinateKind::kPoint) {
    column_.geometry_offsets.assign(1, 0);
    if (column_.kind == CoordinateKind::kPolygon) {
      column_.ring_offsets.assign(1, 0);
    }
  }
  for (size_t i = 0; i < empties; ++i) AppendEmpty();
}

void CoordinateColumnBuilder::Promote() {
  multi_ = true;
  Column& c = column_;
  switch (c.kind) {
    case CoordinateKind::kPoint: {
      // Empty points (NaN) have no coordinate in a multipoint.
      const int dims = c.dimensions;
      std::string coords;
      coords.reserve(c.coords.size());
      c.geometry_offsets.assign(1, 0);
      for (size_t i = 0; i < values_; ++i) {
        const bool empty = std::isnan(DoubleAt(c.coords, i * dims));
        if (!empty) coords.append(c.coords, i * dims * 8, dims * 8);
        c.geometry_offsets.push_back(c.geometry_offsets.back() + !empty);
      }
      c.coords = std::move(coords);
      break;
    }
    case CoordinateKind::kLineString:
    case CoordinateKind::kPolygon: {
      // Each non-empty line (polygon) becomes its row's one part; the old
      // geometry offsets, without the empties, index the level below.
      std::vector<uint64_t> geometries(1, 0);
      std::vector<uint64_t> parts(1, 0);
      for (size_t i = 0; i < values_; ++i) {
        const uint64_t end = c.geometry_offsets[i + 1];
        const bool empty = end == c.geometry_offsets[i];
        if (!empty) parts.push_back(end);
        geometries.push_back(geometries.back() + !empty);
      }
      c.geometry_offsets = std::move(geometries);
      c.part_offsets = std::move(parts);
      break;
    }
    default:
      break;
  }
  c.kind = KindOf(family_ == 0 ? kPoints : family_, true);
}

void CoordinateColumnBuilder::Widen() {
  Column& c = column_;
  const size_t n = c.coords.size() / 16;
  std::string coords(n * 24, '\0');
  char* p = coords.data();
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(p, c.coords.data() + 16 * i, 16);
    p = StoreLittle<uint64_t>(p + 16, internal::Bits(kNaN));
  }
  c.coords = std::move(coords);
  c.dimensions = 3;
}

absl::Status CoordinateColumnBuilder::Write(absl::string_view wkb,
                                            const Shape& shape) {
  Column& c = column_;
  if (shape.family == 0) {
    // AppendEmpty, without counting.
    --values_;
    AppendEmpty();
    return absl::OkStatus();
  }
  const int dims = c.dimensions;
  Cursor cursor(wkb);
  Header h;
  RETURN_IF_ERROR(cursor.Read(&h));
  const auto coordinates = [&](const Header& part, uint64_t n) {
    return cursor.Coordinates(part, n, dims, &c.coords);
  };
  const auto count = [&](const Header& part) -> absl::StatusOr<uint32_t> {
    uint32_t n = 0;
    RETURN_IF_ERROR(cursor.Count(part, &n));
    return n;
  };
  // A line's coordinates; whether it had any.
  const auto line = [&](const Header& part) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(const uint32_t n, count(part));
    RETURN_IF_ERROR(coordinates(part, n));
    return n > 0;
  };
  // A polygon's rings; whether it had any.
  const auto polygon = [&](const Header& part) -> absl::StatusOr<bool> {
    ASSIGN_OR_RETURN(const uint32_t n, count(part));
    for (uint32_t r = 0; r < n; ++r) {
      RETURN_IF_ERROR(line(part).status());
      c.ring_offsets.push_back(c.coords.size() / (8 * dims));
    }
    return n > 0;
  };
  // Each member of a multi geometry (or the single geometry itself),
  // through `one`.
  const auto members = [&](auto one) -> absl::Status {
    if (h.type < internal::kMultiPoint) return one(h).status();
    ASSIGN_OR_RETURN(const uint32_t n, count(h));
    for (uint32_t i = 0; i < n; ++i) {
      Header member;
      RETURN_IF_ERROR(cursor.Read(&member));
      RETURN_IF_ERROR(one(member).status());
    }
    return absl::OkStatus();
  };
  const auto n_coords = [&] { return c.coords.size() / (8 * dims); };

  switch (c.kind) {
    case CoordinateKind::kPoint:
      RETURN_IF_ERROR(coordinates(h, 1));
      break;
    case CoordinateKind::kMultiPoint:
      RETURN_IF_ERROR(members([&](const Header& p) -> absl::StatusOr<bool> {
        if (cursor.EmptyPointAhead(p)) {  // No place for it: skipped.
          std::string skipped;
          RETURN_IF_ERROR(cursor.Coordinates(p, 1, dims, &skipped));
          return false;
        }
        RETURN_IF_ERROR(coordinates(p, 1));
        return true;
      }));
      c.geometry_offsets.push_back(n_coords());
      break;
    case CoordinateKind::kLineString:
      RETURN_IF_ERROR(line(h).status());
      c.geometry_offsets.push_back(n_coords());
      break;
    case CoordinateKind::kMultiLineString:
      RETURN_IF_ERROR(members([&](const Header& p) -> absl::StatusOr<bool> {
        ASSIGN_OR_RETURN(const bool any, line(p));
        if (any) c.part_offsets.push_back(n_coords());
        return any;
      }));
      c.geometry_offsets.push_back(c.part_offsets.size() - 1);
      break;
    case CoordinateKind::kPolygon:
      RETURN_IF_ERROR(polygon(h).status());
      c.geometry_offsets.push_back(c.ring_offsets.size() - 1);
      break;
    case CoordinateKind::kMultiPolygon:
      RETURN_IF_ERROR(members([&](const Header& p) -> absl::StatusOr<bool> {
        ASSIGN_OR_RETURN(const bool any, polygon(p));
        if (any) c.part_offsets.push_back(c.ring_offsets.size() - 1);
        return any;
      }));
      c.geometry_offsets.push_back(c.part_offsets.size() - 1);
      break;
  }
  if (!cursor.done()) {
    return absl::InternalError("coordinate column: trailing result WKB");
  }
  return absl::OkStatus();
}

size_t CoordinateColumnBuilder::byte_size() const {
  return column_.coords.size() +
         8 * (column_.geometry_offsets.size() + column_.part_offsets.size() +
              column_.ring_offsets.size());
}

CoordinateColumnBuilder::Column CoordinateColumnBuilder::Take() {
  if (family_ == 0) {
    // Every value empty: the kind their types suggest.
    Decide(hint_ == 0 ? kPoints : hint_);
    if (hint_multi_) Promote();
  }
  Column column = std::move(column_);
  column_ = Column();
  family_ = 0;
  multi_ = false;
  hint_ = 0;
  hint_multi_ = false;
  values_ = 0;
  return column;
}

}  // namespace geosrpc::batch
