// The C++ client's ComputeStream against a real server on loopback: the
// slices' answers put back together are what one Compute call gives, for
// every shape of result; reductions and malformed batches are refused
// before anything is sent, and a slice the server rejects fails the call.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cpp/batch.h"
#include "client/cpp/client.h"
#include "server/service/server.h"

namespace geosrpc {
namespace {

using ::testing::HasSubstr;

class ComputeStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service::Server::Options options;
    options.listen_address = "127.0.0.1:0";
    options.metrics_listen_address = "";
    options.num_workers = 2;
    options.service.log_requests = false;
    auto server = service::Server::Create(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = server->release();
    client_ = client::Client::Create(
                  {.target = absl::StrCat("127.0.0.1:", server_->port())})
                  ->release();
  }
  static void TearDownTestSuite() {
    delete client_;
    delete server_;
  }

  // `request` through Compute and through ComputeStream in slices of
  // `batch_rows`; the two results must agree in every field.
  static client::ComputeResult ExpectSame(const v1::ComputeRequest& request,
                                          size_t batch_rows) {
    absl::StatusOr<client::ComputeResult> whole = client_->Compute(request);
    absl::StatusOr<client::ComputeResult> sliced =
        client_->ComputeStream(request, batch_rows);
    EXPECT_TRUE(whole.ok()) << whole.status();
    EXPECT_TRUE(sliced.ok()) << sliced.status();
    if (!whole.ok() || !sliced.ok()) return {};
    EXPECT_EQ(sliced->column, whole->column);
    EXPECT_EQ(sliced->mapping, whole->mapping);
    EXPECT_EQ(sliced->width, whole->width);
    EXPECT_THAT(sliced->doubles,
                ::testing::Pointwise(::testing::NanSensitiveDoubleEq(),
                                     whole->doubles));
    EXPECT_EQ(sliced->bools, whole->bools);
    EXPECT_EQ(sliced->ints, whole->ints);
    EXPECT_EQ(sliced->binary, whole->binary);
    EXPECT_EQ(sliced->binary_encoding, whole->binary_encoding);
    EXPECT_EQ(sliced->strings, whole->strings);
    EXPECT_EQ(sliced->source_rows, whole->source_rows);
    EXPECT_EQ(Coordinates(*sliced), Coordinates(*whole));
    EXPECT_EQ(sliced->errors.size(), whole->errors.size());
    for (size_t i = 0;
         i < std::min(sliced->errors.size(), whole->errors.size()); ++i) {
      EXPECT_EQ(sliced->errors[i].row(), whole->errors[i].row());
      EXPECT_EQ(sliced->errors[i].code(), whole->errors[i].code());
      EXPECT_EQ(sliced->errors[i].message(), whole->errors[i].message());
    }
    EXPECT_EQ(sliced->summary.rows(), whole->summary.rows());
    EXPECT_EQ(sliced->summary.error_rows(), whole->summary.error_rows());
    EXPECT_EQ(sliced->summary.result_rows(), whole->summary.result_rows());
    EXPECT_EQ(ByCode(sliced->summary), ByCode(whole->summary));
    return *std::move(sliced);
  }

  static std::map<int, uint64_t> ByCode(const v1::ComputeSummary& s) {
    return {s.row_errors_by_code().begin(), s.row_errors_by_code().end()};
  }

  // Every coordinate result's coordinates in row order, and its rows.
  static std::pair<std::string, uint64_t> Coordinates(
      const client::ComputeResult& r) {
    std::pair<std::string, uint64_t> out;
    for (const v1::ResultChunk& chunk : r.coordinate_chunks) {
      out.first += chunk.coordinates().coords();
      out.second += chunk.row_count();
    }
    return out;
  }

  static service::Server* server_;
  static client::Client* client_;
};
service::Server* ComputeStreamTest::server_ = nullptr;
client::Client* ComputeStreamTest::client_ = nullptr;

// Squares [i, i+1] x [0, s] (area s) for i = 0 .. n-1, as WKT, with rows
// `bad` unreadable.
v1::GeometryBatch Squares(int n, const std::vector<int>& bad = {}) {
  client::BatchBuilder b(v1::ENCODING_WKT);
  for (int i = 0; i < n; ++i) {
    if (std::find(bad.begin(), bad.end(), i) != bad.end()) {
      b.Add("POLYGON ((0 0, 1");
      continue;
    }
    const int s = 1 + i % 3;
    b.Add(absl::StrCat("POLYGON ((", i, " 0, ", i + 1, " 0, ", i + 1, " ", s,
                       ", ", i, " ", s, ", ", i, " 0))"));
  }
  return b.Build();
}

v1::ComputeRequest Request(v1::OpCode op, v1::GeometryBatch a) {
  v1::ComputeRequest r;
  r.mutable_operation()->set_op(op);
  *r.mutable_a() = std::move(a);
  r.set_chunk_rows(3);  // Several chunks a slice, out of order.
  return r;
}

TEST_F(ComputeStreamTest, DoublesWithRowErrorsMatchOneCall) {
  const client::ComputeResult r =
      ExpectSame(Request(v1::OP_CODE_AREA, Squares(40, {5, 17, 39})), 7);
  ASSERT_EQ(r.doubles.size(), 40);
  EXPECT_EQ(r.doubles[0], 1);
  EXPECT_EQ(r.doubles[22], 2);  // Counted from the whole batch.
  ASSERT_EQ(r.errors.size(), 3);
  EXPECT_EQ(r.errors[1].row(), 17);
  EXPECT_EQ(r.summary.rows(), 40);
  EXPECT_EQ(r.summary.error_rows(), 3);
}

TEST_F(ComputeStreamTest, GeometriesBoolsAndStringsMatchOneCall) {
  v1::ComputeRequest buffer = Request(v1::OP_CODE_BUFFER, Squares(25, {12}));
  buffer.mutable_operation()->mutable_buffer()->set_radius(0.25);
  ExpectSame(buffer, 4);
  v1::ComputeRequest wkt = Request(v1::OP_CODE_TO_WKT, Squares(25));
  ExpectSame(wkt, 6);

  // Row-wise b, sliced with a, and a broadcast b, sent with every slice.
  v1::ComputeRequest rows = Request(v1::OP_CODE_INTERSECTS, Squares(30));
  client::BatchBuilder b(v1::ENCODING_WKT);
  for (int i = 0; i < 30; ++i) {
    b.Add(absl::StrCat("POINT (", i % 2 == 0 ? i + 0.5 : i + 7.5, " 0.5)"));
  }
  *rows.mutable_b_rows() = b.Build();
  const client::ComputeResult r = ExpectSame(rows, 8);
  ASSERT_EQ(r.bools.size(), 30);
  EXPECT_TRUE(r.bools[28]);
  EXPECT_FALSE(r.bools[29]);
  v1::ComputeRequest broadcast = Request(v1::OP_CODE_DISTANCE, Squares(30));
  broadcast.mutable_b_broadcast()->set_encoding(v1::ENCODING_WKT);
  broadcast.mutable_b_broadcast()->set_data("POINT (-1 0)");
  EXPECT_EQ(ExpectSame(broadcast, 8).doubles[29], 30);
}

TEST_F(ComputeStreamTest, PartsKeepTheirRowsInTheWholeBatch) {
  client::BatchBuilder a(v1::ENCODING_WKT);
  for (int i = 0; i < 20; ++i) {
    a.Add(i % 4 == 0 ? "MULTIPOINT ((0 0), (1 1), (2 2))"
                     : absl::StrCat("POINT (", i, " 0)"));
  }
  const client::ComputeResult r =
      ExpectSame(Request(v1::OP_CODE_GET_PARTS, a.Build()), 6);
  // Rows 0, 4, ..., 16 give three parts; the others one.
  ASSERT_EQ(r.source_rows.size(), 5 * 3 + 15);
  EXPECT_EQ(r.source_rows.back(), 19);
  EXPECT_EQ(r.source_rows[r.source_rows.size() - 4], 16);
}

TEST_F(ComputeStreamTest, CoordinateArraysAreSlicedAtEveryLevel) {
  // Polygons with a hole every third row, sent and answered as coordinates.
  v1::GeometryBatch a;
  a.set_encoding(v1::ENCODING_COORDINATES);
  v1::CoordinateArray* array = a.mutable_coordinates();
  array->set_kind(v1::COORDINATE_KIND_POLYGON);
  array->set_dimensions(2);
  std::vector<double> xy;
  const auto ring = [&](double x0, double y0, double size) {
    for (const auto& [dx, dy] : std::vector<std::pair<double, double>>{
             {0, 0}, {size, 0}, {size, size}, {0, size}, {0, 0}}) {
      xy.push_back(x0 + dx);
      xy.push_back(y0 + dy);
    }
    array->add_ring_offsets(xy.size() / 2);
  };
  array->add_geometry_offsets(0);
  array->add_ring_offsets(0);
  for (int i = 0; i < 23; ++i) {
    ring(10 * i, 0, 4);
    if (i % 3 == 0) ring(10 * i + 1, 1, 1);
    array->add_geometry_offsets(array->ring_offsets_size() - 1);
  }
  array->set_coords(
      std::string(reinterpret_cast<const char*>(xy.data()), 8 * xy.size()));
  v1::ComputeRequest area = Request(v1::OP_CODE_AREA, a);
  const client::ComputeResult r = ExpectSame(area, 5);
  EXPECT_EQ(r.doubles[21], 15);
  EXPECT_EQ(r.doubles[22], 16);

  v1::ComputeRequest moved = Request(v1::OP_CODE_TRANSLATE, a);
  moved.mutable_operation()->mutable_translate()->set_xoff(1);
  moved.set_result_encoding(v1::ENCODING_COORDINATES);
  const client::ComputeResult m = ExpectSame(moved, 5);
  EXPECT_EQ(Coordinates(m).second, 23);
  EXPECT_EQ(Coordinates(m).first.size(), 8 * xy.size());
}

TEST_F(ComputeStreamTest, ReductionsAreRefusedBeforeAnythingIsSent) {
  absl::StatusOr<client::ComputeResult> r =
      client_->ComputeStream(Request(v1::OP_CODE_UNION_ALL, Squares(10)), 3);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("'union_all' reduces"));
  v1::ComputeRequest grouped = Request(v1::OP_CODE_AREA, Squares(4));
  for (int k : {0, 0, 1, 1}) grouped.add_group_keys(k);
  r = client_->ComputeStream(grouped, 3);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client_->ComputeStream(grouped, 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ComputeStreamTest, AMalformedBatchIsNamedNotSliced) {
  v1::ComputeRequest r = Request(v1::OP_CODE_AREA, Squares(10));
  r.mutable_a()->mutable_offsets()->Set(10, r.a().data().size() + 5);
  const absl::Status s = client_->ComputeStream(r, 3).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("a.offsets"));
}

TEST_F(ComputeStreamTest, ASliceTheServerRejectsFailsTheCallNamingItsRows) {
  // Decreasing offsets inside the second slice: the server rejects that
  // batch whole.
  v1::ComputeRequest r = Request(v1::OP_CODE_AREA, Squares(20));
  r.mutable_a()->mutable_offsets()->Set(13, r.a().offsets(12) - 1);
  const absl::Status s = client_->ComputeStream(r, 10).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("rows 10 to 20"));
}

TEST_F(ComputeStreamTest, AnEmptyBatchIsOneEmptySlice) {
  const client::ComputeResult r =
      ExpectSame(Request(v1::OP_CODE_AREA, Squares(0)), 5);
  EXPECT_TRUE(r.doubles.empty());
  EXPECT_EQ(r.summary.rows(), 0);
}

}  // namespace
}  // namespace geosrpc
