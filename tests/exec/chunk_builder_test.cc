#include "server/exec/chunk_builder.h"

#include <gtest/gtest.h>

#include <cmath>

namespace geosrpc::exec {
namespace {

const ops::OpSpec& Op(v1::OpCode code) { return **ops::FindOperation(code); }

TEST(ChunkBuilderTest, FailedRowsHoldPlaceholdersAndTheirErrors) {
  geos::Context context;
  ChunkBuilder builder(Op(v1::OP_CODE_BOUNDS), v1::ENCODING_WKB, &context);
  builder.Open(10);
  ops::Value ok;
  ok.number = 1;
  ok.more[0] = 2;
  ok.more[1] = 3;
  ok.more[2] = 4;
  EXPECT_EQ(builder.Add(10, absl::OkStatus(), ok), 0);
  ops::Value unused;
  EXPECT_EQ(builder.Add(11, absl::InvalidArgumentError("a: bad"), unused),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  std::unique_ptr<v1::ResultChunk> chunk = builder.Take();
  EXPECT_EQ(chunk->row_offset(), 10u);
  EXPECT_EQ(chunk->row_count(), 2u);
  EXPECT_EQ(chunk->mapping(), v1::RESULT_MAPPING_ONE_PER_ROW);
  ASSERT_EQ(chunk->doubles().values_size(), 8);
  EXPECT_EQ(chunk->doubles().width(), 4u);
  EXPECT_EQ(chunk->doubles().values(3), 4);
  EXPECT_TRUE(std::isnan(chunk->doubles().values(4)));
  ASSERT_EQ(chunk->errors_size(), 1);
  EXPECT_EQ(chunk->errors(0).row(), 11u);
  EXPECT_EQ(chunk->errors(0).message(), "a: bad");
  EXPECT_EQ(builder.values(), 2u);
  EXPECT_EQ(builder.Take(), nullptr);  // Nothing open.
}

TEST(ChunkBuilderTest, WritesGeometriesInTheRequestedEncoding) {
  geos::Context context;
  ChunkBuilder builder(Op(v1::OP_CODE_ENVELOPE), v1::ENCODING_WKT, &context);
  builder.Open(0);
  ops::Value value;
  value.geometry = *context.ReadWkt("POINT (1 2)");
  builder.Add(0, absl::OkStatus(), value);
  ops::Value failed;
  builder.Add(1, absl::FailedPreconditionError("GEOS: no"), failed);
  std::unique_ptr<v1::ResultChunk> chunk = builder.Take();
  EXPECT_EQ(chunk->geometries().encoding(), v1::ENCODING_WKT);
  EXPECT_EQ(chunk->geometries().data(), "POINT (1 2)");
  ASSERT_EQ(chunk->geometries().offsets_size(), 3);
  EXPECT_EQ(chunk->geometries().offsets(2), chunk->geometries().offsets(1));
}

TEST(ChunkBuilderTest, ExpandingRowsNameTheirSourceRowAndFailedOnesNone) {
  geos::Context context;
  ChunkBuilder builder(Op(v1::OP_CODE_GET_PARTS), v1::ENCODING_WKT, &context);
  builder.Open(5);
  ops::Value two;
  two.parts.push_back(*context.ReadWkt("POINT (0 0)"));
  two.parts.push_back(*context.ReadWkt("POINT (1 1)"));
  EXPECT_EQ(builder.Add(5, absl::OkStatus(), two), 0);
  ops::Value failed;
  failed.parts.push_back(*context.ReadWkt("POINT (9 9)"));
  builder.Add(6, absl::InvalidArgumentError("a: bad"), failed);
  std::unique_ptr<v1::ResultChunk> chunk = builder.Take();
  EXPECT_EQ(chunk->mapping(), v1::RESULT_MAPPING_PER_PART);
  EXPECT_EQ(chunk->row_count(), 2u);
  EXPECT_EQ(chunk->geometries().data(), "POINT (0 0)POINT (1 1)");
  EXPECT_EQ(std::vector<uint64_t>(chunk->source_rows().begin(),
                                  chunk->source_rows().end()),
            (std::vector<uint64_t>{5, 5}));
  EXPECT_EQ(chunk->errors_size(), 1);
  EXPECT_EQ(builder.values(), 2u);
}

TEST(ChunkBuilderTest, AReductionsChunksCarryRowErrorsThenItsOneValue) {
  geos::Context context;
  const ops::OpSpec& union_all = Op(v1::OP_CODE_UNION_ALL);
  ChunkBuilder errors(union_all, v1::ENCODING_WKT, &context,
                      ChunkBuilder::Mode::kRowErrors);
  errors.Open(0);
  errors.Skip();
  errors.Skip();
  errors.AddError(7, absl::InvalidArgumentError("a: bad"));
  std::unique_ptr<v1::ResultChunk> chunk = errors.Take();
  EXPECT_EQ(chunk->mapping(), v1::RESULT_MAPPING_ONE_PER_BATCH);
  EXPECT_EQ(chunk->row_count(), 2u);
  EXPECT_EQ(chunk->column_case(), v1::ResultChunk::COLUMN_NOT_SET);
  EXPECT_EQ(chunk->errors(0).row(), 7u);

  ChunkBuilder value(union_all, v1::ENCODING_WKT, &context,
                     ChunkBuilder::Mode::kReducedValue);
  value.Open(0);
  ops::Value reduced;
  reduced.geometry = *context.ReadWkt("POINT (3 4)");
  ASSERT_TRUE(value.AddReduced(reduced).ok());
  chunk = value.Take();
  EXPECT_EQ(chunk->row_count(), 1u);
  EXPECT_EQ(chunk->geometries().data(), "POINT (3 4)");
}

TEST(BatchCountersTest, FillsTheSummaryFromEveryChunk) {
  BatchCounters counters;
  RowErrorCounts a, b;
  a.Add(3);
  a.Add(3);
  b.Add(9);
  b.Add(99);  // Not a gRPC code: counted as UNKNOWN.
  counters.AddErrors(a);
  counters.AddErrors(b);
  counters.AddChunk();
  counters.AddChunk();
  counters.AddValues(10);
  counters.AddWorkerTime(absl::Milliseconds(1500));
  v1::ComputeSummary summary;
  counters.FillCounts(&summary);
  summary.set_result_rows(counters.values());
  EXPECT_EQ(summary.error_rows(), 4u);
  EXPECT_EQ(summary.row_errors_by_code().at(3), 2u);
  EXPECT_EQ(summary.row_errors_by_code().at(9), 1u);
  EXPECT_EQ(summary.row_errors_by_code().at(2), 1u);
  EXPECT_EQ(summary.chunks(), 2u);
  EXPECT_EQ(summary.result_rows(), 10u);
  EXPECT_DOUBLE_EQ(summary.worker_seconds(), 1.5);
}

}  // namespace
}  // namespace geosrpc::exec
