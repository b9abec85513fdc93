#include "server/exec/compute_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "tests/testing/batches.h"

namespace geosrpc::exec {
namespace {

v1::ComputeRequest Points(v1::OpCode op, int rows) {
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(op);
  *request.mutable_a() = testing::ProtoBatch(
      v1::ENCODING_WKT, std::vector<std::string>(rows, "POINT (1 2)"));
  return request;
}

absl::Status Check(const v1::ComputeRequest& request,
                   ComputeLimits limits = {}) {
  return ComputePlan::Create(request, limits, 2).status();
}

TEST(ComputePlanTest, RejectsMalformedRequests) {
  const v1::ComputeRequest request = Points(v1::OP_CODE_AREA, 3);
  EXPECT_TRUE(Check(request).ok());

  v1::ComputeRequest unary_with_b = request;
  unary_with_b.mutable_b_broadcast()->set_data("x");
  EXPECT_EQ(Check(unary_with_b).message(),
            "operation 'area' is unary: leave b unset");

  v1::ComputeRequest binary_without_b = request;
  binary_without_b.mutable_operation()->set_op(v1::OP_CODE_CONTAINS);
  EXPECT_EQ(Check(binary_without_b).message(),
            "operation 'contains' is binary: set b_broadcast or b_rows");

  v1::ComputeRequest mismatched = binary_without_b;
  *mismatched.mutable_b_rows() =
      testing::ProtoBatch(v1::ENCODING_WKT, {"POINT (0 0)"});
  EXPECT_EQ(Check(mismatched).message(), "b_rows has 1 rows but a has 3");

  v1::ComputeRequest empty_operand = binary_without_b;
  empty_operand.mutable_b_broadcast();
  EXPECT_EQ(Check(empty_operand).message(), "b_broadcast: empty geometry");

  v1::ComputeRequest bad_offsets = request;
  bad_offsets.mutable_a()->set_offsets(1, 1000);
  EXPECT_EQ(Check(bad_offsets).code(), absl::StatusCode::kInvalidArgument);

  v1::ComputeRequest bad_encoding = request;
  bad_encoding.set_result_encoding(static_cast<v1::Encoding>(42));
  EXPECT_EQ(Check(bad_encoding).message(),
            "result_encoding: unknown encoding 42");

  v1::ComputeRequest bad_a_encoding = request;
  bad_a_encoding.mutable_a()->set_encoding(static_cast<v1::Encoding>(9));
  EXPECT_EQ(Check(bad_a_encoding).message(), "a: unknown encoding 9");

  v1::ComputeRequest no_op = request;
  no_op.mutable_operation()->set_op(v1::OP_CODE_UNSPECIFIED);
  EXPECT_EQ(Check(no_op).message(), "operation.op is not set");

  absl::Status too_many = Check(request, {.max_rows = 2});
  EXPECT_EQ(too_many.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(too_many.message(),
            "batch has 3 rows; the limit is 2 (max_rows_per_batch)");
}

v1::GeometryBatch PointCoordinates(const std::vector<double>& xy) {
  v1::GeometryBatch batch;
  batch.set_encoding(v1::ENCODING_COORDINATES);
  batch.mutable_coordinates()->set_kind(v1::COORDINATE_KIND_POINT);
  batch.mutable_coordinates()->set_coords(
      std::string(reinterpret_cast<const char*>(xy.data()), 8 * xy.size()));
  return batch;
}

TEST(ComputePlanTest, WritesCoordinateBatchesAsWkbRows) {
  v1::ComputeRequest request = Points(v1::OP_CODE_DISTANCE, 3);
  *request.mutable_a() = PointCoordinates({1, 2, 3, 4, 5, 6});
  *request.mutable_b_rows() = PointCoordinates({0, 0, 0, 0, 0, 0});
  request.mutable_b_rows()->mutable_coordinates()->set_srid(4326);
  auto plan = ComputePlan::Create(request, {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->rows(), 3u);
  EXPECT_EQ(plan->a().encoding, batch::Encoding::kWkb);
  EXPECT_EQ(plan->a().row(1).size(), 21u);  // One 2D point.
  EXPECT_EQ(plan->b().row(2).size(), 25u);  // With its SRID.
  // The views outlive a move of the plan.
  ComputePlan moved = *std::move(plan);
  EXPECT_EQ(moved.a().row(2).substr(5), std::string("\0\0\0\0\0\0\x14@"
                                                    "\0\0\0\0\0\0\x18@",
                                                    16));
}

TEST(ComputePlanTest, RejectsMalformedCoordinateBatches) {
  v1::ComputeRequest request = Points(v1::OP_CODE_AREA, 3);
  *request.mutable_a() = PointCoordinates({1, 2, 3, 4});
  EXPECT_TRUE(Check(request).ok());

  v1::ComputeRequest no_kind = request;
  no_kind.mutable_a()->mutable_coordinates()->clear_kind();
  EXPECT_EQ(Check(no_kind).message(), "a.coordinates.kind: not set");

  v1::ComputeRequest lines = request;
  lines.mutable_a()->mutable_coordinates()->set_kind(
      v1::COORDINATE_KIND_LINESTRING);
  for (uint64_t o : {0, 2, 1}) {
    lines.mutable_a()->mutable_coordinates()->add_geometry_offsets(o);
  }
  EXPECT_EQ(Check(lines).message(),
            "a.coordinates.geometry_offsets decreases at index 2 (2 then 1)");

  v1::ComputeRequest wrong_encoding = request;
  wrong_encoding.mutable_a()->set_encoding(v1::ENCODING_WKB);
  EXPECT_EQ(Check(wrong_encoding).message(),
            "a: coordinates is set but encoding is ENCODING_WKB (use "
            "ENCODING_COORDINATES)");

  v1::ComputeRequest both = request;
  both.mutable_a()->add_offsets(0);
  EXPECT_EQ(Check(both).code(), absl::StatusCode::kInvalidArgument);

  v1::ComputeRequest broadcast = request;
  broadcast.mutable_operation()->set_op(v1::OP_CODE_DISTANCE);
  broadcast.mutable_b_broadcast()->set_encoding(v1::ENCODING_COORDINATES);
  broadcast.mutable_b_broadcast()->set_data("x");
  EXPECT_EQ(Check(broadcast).message(),
            "b_broadcast: ENCODING_COORDINATES is for batches (a, b_rows); "
            "send one geometry as WKB, WKT or GeoJSON");

  v1::ComputeRequest reduction = request;
  reduction.mutable_operation()->set_op(v1::OP_CODE_UNION_ALL);
  reduction.set_result_encoding(v1::ENCODING_COORDINATES);
  EXPECT_EQ(Check(reduction).message(),
            "result_encoding: operation 'union_all' is a reduction; "
            "ENCODING_COORDINATES carries one geometry per row or part: ask "
            "for WKB");
  // Numbers have no geometry encoding: the field is not read.
  v1::ComputeRequest area = request;
  area.set_result_encoding(v1::ENCODING_COORDINATES);
  EXPECT_TRUE(Check(area).ok());
}

TEST(ComputePlanTest, CutsRowsIntoChunksCoveringEachRowOnce) {
  for (int rows : {0, 1, 15, 16, 17, 1000, 100000}) {
    for (int workers : {1, 2, 8}) {
      auto plan =
          ComputePlan::Create(Points(v1::OP_CODE_AREA, rows), {}, workers);
      ASSERT_TRUE(plan.ok()) << plan.status();
      size_t covered = 0;
      for (size_t c = 0; c < plan->num_chunks(); ++c) {
        EXPECT_EQ(plan->chunk_begin(c), covered);
        EXPECT_GT(plan->chunk_end(c), plan->chunk_begin(c));
        covered = plan->chunk_end(c);
      }
      EXPECT_EQ(covered, static_cast<size_t>(rows));
      EXPECT_FALSE(plan->strips());
      // Several chunks per worker, none tiny, none huge.
      if (rows >= 16 * 8 * workers) {
        EXPECT_GE(plan->num_chunks(), 8u * workers);
      }
      EXPECT_LE(plan->chunk_rows(), std::max<size_t>(1024, rows / 4096 + 1));
    }
  }
}

// An operation that only maps coordinates (transform without densify)
// takes chunks of up to about 1 MB of input when rows are small; any other
// keeps chunks of at most 1,024 rows, and so do large transform rows.
TEST(ComputePlanTest, GivesCheapCoordinateMapsLargerChunks) {
  const auto transform = [](int rows, const std::string& row) {
    v1::ComputeRequest request;
    request.mutable_operation()->set_op(v1::OP_CODE_TRANSFORM);
    request.mutable_operation()->mutable_transform()->set_from_crs("EPSG:4326");
    request.mutable_operation()->mutable_transform()->set_to_crs("EPSG:3857");
    *request.mutable_a() = testing::ProtoBatch(
        v1::ENCODING_WKT, std::vector<std::string>(rows, row));
    return request;
  };
  const std::string point = "POINT (1 2)";  // 11 bytes and an offset.
  auto plan = ComputePlan::Create(transform(400000, point), {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->chunk_rows(), 25000u);  // 8 chunks per worker.
  EXPECT_EQ(plan->num_chunks(), 16u);

  plan = ComputePlan::Create(transform(2000000, point), {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->chunk_rows(), (1u << 20) / 19);  // ~1 MB of input.

  std::string line = "LINESTRING (0 0";
  for (int i = 1; i < 200; ++i) line += ", " + std::to_string(i) + " 0";
  line += ")";
  plan = ComputePlan::Create(transform(100000, line), {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->chunk_rows(), 1024u);

  plan = ComputePlan::Create(Points(v1::OP_CODE_AREA, 400000), {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->chunk_rows(), 1024u);
}

// The bytes of a's rows [begin, end).
uint64_t Bytes(const v1::ComputeRequest& r, size_t begin, size_t end) {
  return r.a().offsets(end) - r.a().offsets(begin);
}

// Rows of very uneven size (a few lines of 5,000 vertices among points, as
// the world's countries range from islets to Canada) are cut into chunks of
// about equal bytes, a heavy row alone, each within chunk_rows() rows.
TEST(ComputePlanTest, BalancesChunksOfUnevenRowsByBytes) {
  std::string line = "LINESTRING (0 0";
  for (int i = 1; i < 5000; ++i) line += ", " + std::to_string(i) + " 0";
  line += ")";
  std::vector<std::string> rows(400, "POINT (1 2)");
  for (int i : {40, 41, 42, 43, 300}) rows[i] = line;
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_LENGTH);
  *request.mutable_a() = testing::ProtoBatch(v1::ENCODING_WKT, rows);
  auto plan = ComputePlan::Create(request, {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const uint64_t total = Bytes(request, 0, rows.size());
  size_t covered = 0;
  uint64_t heaviest = 0;
  for (size_t c = 0; c < plan->num_chunks(); ++c) {
    EXPECT_EQ(plan->chunk_begin(c), covered);
    const size_t end = plan->chunk_end(c);
    EXPECT_GT(end, covered);
    EXPECT_LE(end - covered, plan->chunk_rows());
    heaviest = std::max(heaviest, Bytes(request, covered, end));
    covered = end;
  }
  EXPECT_EQ(covered, rows.size());
  // Each long line is a chunk of its own: no chunk holds two of them.
  EXPECT_LT(heaviest, 2 * line.size());
  // Cut by rows alone (a size the caller chose), one chunk holds four.
  request.set_chunk_rows(plan->chunk_rows());
  auto by_rows = ComputePlan::Create(request, {}, 2);
  ASSERT_TRUE(by_rows.ok());
  uint64_t heaviest_by_rows = 0;
  for (size_t c = 0; c < by_rows->num_chunks(); ++c) {
    heaviest_by_rows = std::max(
        heaviest_by_rows,
        Bytes(request, by_rows->chunk_begin(c), by_rows->chunk_end(c)));
  }
  EXPECT_GT(heaviest_by_rows, 4 * line.size());
  EXPECT_LT(heaviest_by_rows, total);
}

// Rows sent as coordinates are weighed by their coordinates, down every
// level of offsets; points as coordinates are all alike and keep even
// chunks.
TEST(ComputePlanTest, BalancesCoordinateRowsByTheirCoordinates) {
  // 300 triangles, and one polygon of 20,000 vertices at row 100.
  v1::ComputeRequest request;
  request.mutable_operation()->set_op(v1::OP_CODE_TRANSFORM);
  request.mutable_operation()->mutable_transform()->set_from_crs("EPSG:4326");
  request.mutable_operation()->mutable_transform()->set_to_crs("EPSG:3857");
  request.set_result_encoding(v1::ENCODING_COORDINATES);
  v1::CoordinateArray* c = request.mutable_a()->mutable_coordinates();
  request.mutable_a()->set_encoding(v1::ENCODING_COORDINATES);
  c->set_kind(v1::COORDINATE_KIND_POLYGON);
  std::vector<double> xy;
  c->add_geometry_offsets(0);
  c->add_ring_offsets(0);
  for (int row = 0; row < 300; ++row) {
    const int n = row == 100 ? 20000 : 4;
    for (int i = 0; i + 1 < n; ++i) {
      xy.push_back(std::cos(i * 6.283 / (n - 1)));
      xy.push_back(std::sin(i * 6.283 / (n - 1)));
    }
    xy.push_back(xy[xy.size() - 2 * (n - 1)]);
    xy.push_back(xy[xy.size() - 2 * (n - 1)]);
    c->add_ring_offsets(xy.size() / 2);
    c->add_geometry_offsets(c->ring_offsets_size() - 1);
  }
  c->set_coords(
      std::string(reinterpret_cast<const char*>(xy.data()), 8 * xy.size()));
  auto plan = ComputePlan::Create(request, {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_NE(plan->coordinates(), nullptr);
  bool alone = false;
  for (size_t k = 0; k < plan->num_chunks(); ++k) {
    alone = alone || (plan->chunk_begin(k) == 100 && plan->chunk_end(k) == 101);
  }
  EXPECT_TRUE(alone);

  v1::ComputeRequest points = request;
  v1::CoordinateArray* p = points.mutable_a()->mutable_coordinates();
  p->set_kind(v1::COORDINATE_KIND_POINT);
  p->clear_geometry_offsets();
  p->clear_ring_offsets();
  plan = ComputePlan::Create(points, {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  for (size_t k = 0; k + 1 < plan->num_chunks(); ++k) {
    EXPECT_EQ(plan->chunk_end(k) - plan->chunk_begin(k), plan->chunk_rows());
  }
}

TEST(ComputePlanTest, HonoursAChunkSizeTheCallerChose) {
  v1::ComputeRequest request = Points(v1::OP_CODE_AREA, 1000);
  request.set_chunk_rows(7);
  auto plan = ComputePlan::Create(request, {}, 2);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->chunk_rows(), 7u);
  EXPECT_EQ(plan->num_chunks(), 143u);
  EXPECT_EQ(plan->chunk_end(142), 1000u);
}

TEST(ComputePlanTest, AReductionReadsOneStripPerWorker) {
  auto plan = ComputePlan::Create(Points(v1::OP_CODE_UNION_ALL, 1000), {}, 2);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->reduces());
  EXPECT_EQ(plan->num_chunks(), 2u);
  EXPECT_TRUE(plan->strips());
  EXPECT_EQ(plan->num_key_tasks() * plan->key_rows() >= 1000, true);
  EXPECT_GT(plan->num_key_tasks(), 2u);  // Keys are read in parallel too.

  // One worker, or a caller-chosen chunk size: no strips.
  EXPECT_FALSE(ComputePlan::Create(Points(v1::OP_CODE_UNION_ALL, 1000), {}, 1)
                   ->strips());
  v1::ComputeRequest chosen = Points(v1::OP_CODE_UNION_ALL, 1000);
  chosen.set_chunk_rows(100);
  auto fixed = ComputePlan::Create(chosen, {}, 2);
  EXPECT_FALSE(fixed->strips());
  EXPECT_EQ(fixed->num_chunks(), 10u);

  // The collects keep row order: chunks of rows in request order, and,
  // grouped, rows ordered by key alone.
  auto collect =
      ComputePlan::Create(Points(v1::OP_CODE_MULTIPOINTS, 1000), {}, 2);
  EXPECT_EQ(collect->num_chunks(), 2u);
  EXPECT_FALSE(collect->strips());
  v1::ComputeRequest grouped = Points(v1::OP_CODE_MULTIPOINTS, 1000);
  for (int i = 0; i < 1000; ++i) grouped.add_group_keys(i % 3);
  auto by_key = ComputePlan::Create(grouped, {}, 2);
  EXPECT_TRUE(by_key->ordered());
  EXPECT_FALSE(by_key->strips());
}

TEST(ComputePlanTest, AGroupedReductionTakesOneKeyPerRow) {
  v1::ComputeRequest request = Points(v1::OP_CODE_UNION_ALL, 1000);
  for (int i = 0; i < 1000; ++i) request.add_group_keys(i % 10);
  auto plan = ComputePlan::Create(request, {}, 2);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->grouped());
  EXPECT_TRUE(plan->ordered());
  EXPECT_EQ(plan->group_keys().size(), 1000u);
  EXPECT_GE(plan->num_chunks(), 4u);  // Groups spread over the workers.

  request.add_group_keys(3);
  EXPECT_EQ(ComputePlan::Create(request, {}, 2).status().message(),
            "group_keys has 1001 keys but a has 1000 rows");
  v1::ComputeRequest rows = Points(v1::OP_CODE_AREA, 2);
  rows.add_group_keys(1);
  rows.add_group_keys(2);
  EXPECT_EQ(ComputePlan::Create(rows, {}, 2).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ComputePlanTest, ViewsTheOperandInTheFormGiven) {
  v1::ComputeRequest request = Points(v1::OP_CODE_DISTANCE, 2);
  request.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKT);
  request.mutable_b_broadcast()->set_data("POINT (5 5)");
  auto plan = ComputePlan::Create(request, {}, 2);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->operand(), ComputePlan::Operand::kBroadcast);
  ASSERT_EQ(plan->b().size(), 1u);
  EXPECT_EQ(plan->b().row(0), "POINT (5 5)");
  EXPECT_EQ(plan->b().encoding, batch::Encoding::kWkt);

  *request.mutable_b_rows() =
      testing::ProtoBatch(v1::ENCODING_WKT, {"POINT (0 0)", "POINT (9 9)"});
  plan = ComputePlan::Create(request, {}, 2);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->operand(), ComputePlan::Operand::kRows);
  EXPECT_EQ(plan->b().row(1), "POINT (9 9)");
  EXPECT_EQ(plan->result_encoding(), v1::ENCODING_WKB);  // Unspecified.
}

}  // namespace
}  // namespace geosrpc::exec
