// Coordinate arrays: geometries of one kind as interleaved x, y[, z] doubles
// plus offsets from each level (geometry, part, ring) into the next, the
// layout of GeoArrow and Shapely's to_ragged_array (the v1 API's
// CoordinateArray says which offsets each kind uses).
//
// The rest of the service reads and writes WKB, so coordinates are a
// boundary encoding: CoordinatesToWkb writes a request's array as WKB rows,
// after checking the array's shape (each row is then validated like any
// other WKB row), and CoordinateColumnBuilder gathers result geometries,
// written as WKB, into an array.
//
// Thread-safety: CoordinatesToWkb is a pure function; a
// CoordinateColumnBuilder belongs to one thread.
#ifndef GEOSRPC_SERVER_BATCH_COORDINATES_H_
#define GEOSRPC_SERVER_BATCH_COORDINATES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/batch/decode.h"
#include "server/batch/wkb.h"

namespace geosrpc::batch {

// The kind of every geometry of an array; the numbering is the v1 API's.
enum class CoordinateKind {
  kPoint = 1,
  kLineString = 2,
  kPolygon = 3,
  kMultiPoint = 4,
  kMultiLineString = 5,
  kMultiPolygon = 6,
};

// A coordinate array as a request carries it. Does not own its memory.
struct CoordinateArrayView {
  CoordinateKind kind = CoordinateKind::kPoint;
  int dimensions = 2;        // 2 or 3.
  absl::string_view coords;  // Little-endian float64, interleaved.
  absl::Span<const uint64_t> geometry_offsets;
  absl::Span<const uint64_t> part_offsets;
  absl::Span<const uint64_t> ring_offsets;
  int32_t srid = 0;  // Written into every row's WKB when non-zero.
};

// Rows written as WKB, with the offsets a BatchView needs.
struct WkbRows {
  std::string data;
  std::vector<uint64_t> offsets;

  BatchView view() const { return {Encoding::kWkb, data, offsets}; }
};

// The rows `array` holds, when it is well formed (the checks of
// CoordinatesToWkb, below); INVALID_ARGUMENT naming the fault otherwise.
absl::StatusOr<size_t> CheckCoordinates(const CoordinateArrayView& array,
                                        absl::string_view name);

// Each geometry of `array` as one WKB row (little-endian extended WKB, Z
// when dimensions is 3, the SRID when set). INVALID_ARGUMENT, naming the
// array (`name`.coordinates.ring_offsets, ...) and the index, when the
// dimensions are not 2 or 3, coords is not a whole number of coordinates,
// an offsets array the kind needs is malformed (not starting at 0,
// decreasing, not ending at the size of the level below) or one it does not
// use is set. What the rows hold (a NaN inside a line, a ring not closed)
// is left to each row's validation.
absl::StatusOr<std::unique_ptr<const WkbRows>> CoordinatesToWkb(
    const CoordinateArrayView& array, absl::string_view name);

// The first coordinate of `row` (at most the array's rows, for the end of
// the last): down each level of offsets the kind uses; a point array's row
// i is coordinate i. `array` must have passed CoordinatesToWkb's checks.
uint64_t FirstCoordinate(const CoordinateArrayView& array, size_t row);

// Rows [begin, end) of an array, as an array of their own: the offsets
// rebased to 0 (copied), the coordinates viewed. `array` must have passed
// CoordinatesToWkb's checks and outlive the slice.
class CoordinateSlice {
 public:
  CoordinateSlice(const CoordinateArrayView& array, size_t begin, size_t end);
  CoordinateSlice(const CoordinateSlice&) = delete;
  CoordinateSlice& operator=(const CoordinateSlice&) = delete;

  const CoordinateArrayView& view() const { return view_; }
  size_t rows() const { return rows_; }
  // The first coordinate of row i, for i in [0, rows()]: the coordinates
  // of row i are [first_coordinate(i), first_coordinate(i + 1)).
  uint64_t first_coordinate(size_t i) const {
    return first_.empty() ? i : first_[i];
  }
  // The largest end in (begin, rows()] whose rows [begin, end) hold at
  // most `coordinates` coordinates; begin + 1 when row begin alone holds
  // more.
  size_t EndWithin(size_t begin, uint64_t coordinates) const;

 private:
  size_t rows_ = 0;
  std::vector<uint64_t> geometry_, part_, ring_;
  // Each row's first coordinate (rows_ + 1 entries); empty for points,
  // where it is the row's index.
  std::vector<uint64_t> first_;
  CoordinateArrayView view_;
};

// Whether every row of a slice is,
// written as WKB, one that ValidateWkb accepts within `limits` and PlainWkb
// calls plain, or an empty point (NaN, NaN): no ordinate non-finite or
// beyond limits.max_abs_coordinate, no part or ring without coordinates,
// lines of at least 2 coordinates, rings of at least 3 ending where they
// start, rows within limits.max_vertices. Such rows can be mapped
// coordinate by coordinate with the outcome the WKB path would give.
bool PlainRows(const CoordinateSlice& rows, const GeometryLimits& limits);

// A coordinate array under construction from result geometries, one value
// at a time. The kind is the simplest that holds every value so far: the
// first non-empty value sets the family (points, lines or polygons), a
// multi value promotes the values before it, a value with z widens them
// (their z is NaN). Empty values and placeholders fit any kind (an empty
// point is NaN, NaN).
class CoordinateColumnBuilder {
 public:
  // The column so far. Offsets arrays the kind does not use are empty.
  struct Column {
    CoordinateKind kind = CoordinateKind::kPoint;
    int dimensions = 2;
    std::string coords;  // Little-endian float64, interleaved.
    std::vector<uint64_t> geometry_offsets;
    std::vector<uint64_t> part_offsets;
    std::vector<uint64_t> ring_offsets;
  };

  CoordinateColumnBuilder() = default;
  CoordinateColumnBuilder(const CoordinateColumnBuilder&) = delete;
  CoordinateColumnBuilder& operator=(const CoordinateColumnBuilder&) = delete;

  // Appends the geometries `wkb` holds (each well-formed WKB, as GEOS's
  // writer gives), in order, or none of them: INVALID_ARGUMENT when one is
  // of another family than the column's, or a non-empty collection, which
  // no coordinate array can hold.
  absl::Status Append(absl::Span<const absl::string_view> wkb);
  absl::Status Append(absl::string_view wkb) {
    return Append(absl::MakeConstSpan(&wkb, 1));
  }
  // An empty value: the slot of a row without a result.
  void AppendEmpty();

  size_t size() const { return values_; }
  // About how many bytes the column holds.
  size_t byte_size() const;

  // The column; the builder is then empty again.
  Column Take();

 private:
  // What a value's headers say, read before anything is appended.
  struct Shape {
    uint32_t type = 0;  // WKB type, 1-7.
    int family = 0;     // 0: empty (fits any); 1 points, 2 lines, 3 polygons.
    int hint = 0;       // The family of the type, even when empty.
    bool multi = false;
    bool z = false;
  };
  absl::StatusOr<Shape> ShapeOf(absl::string_view wkb) const;
  // Sets the column's kind from its first non-empty value, materializing
  // the empties before it.
  void Decide(int family);
  void Promote();
  void Widen();
  // Appends one value of `shape` (which fits).
  absl::Status Write(absl::string_view wkb, const Shape& shape);

  // 0 until the first non-empty value.
  int family_ = 0;
  bool multi_ = false;
  // The first empty value's type, for a column of empties only.
  int hint_ = 0;
  bool hint_multi_ = false;
  Column column_;
  size_t values_ = 0;
};

}  // namespace geosrpc::batch

#endif  // GEOSRPC_SERVER_BATCH_COORDINATES_H_
