// Join, Nearest and ListLayers end to end: a real server on loopback with a
// layer loaded at start-up, called through the generated stub.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "geosrpc/v1/geometry_service.grpc.pb.h"
#include "server/service/server.h"
#include "tests/testing/batches.h"

namespace geosrpc {
namespace {

// A temporary file holding `text`, removed with the object.
class TempFile {
 public:
  TempFile(const std::string& suffix, const std::string& text) {
    char name[] = "/tmp/geosrpc_join_XXXXXX";
    const int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = std::string(name) + suffix;
    std::rename(name, path_.c_str());
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Four unit squares at (0,0), (1,0), (0,1), (1,1), one per line.
constexpr char kSquares[] =
    "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))\n"
    "POLYGON ((1 0, 2 0, 2 1, 1 1, 1 0))\n"
    "\n"
    "POLYGON ((0 1, 1 1, 1 2, 0 2, 0 1))\n"
    "POLYGON ((1 1, 2 1, 2 2, 1 2, 1 1))\n";

struct Pairs {
  std::set<std::pair<uint64_t, uint64_t>> pairs;
  std::map<uint64_t, double> distance_of_a;  // Last distance seen per a row.
  std::map<uint64_t, std::string> errors;
  v1::JoinSummary summary;
  grpc::Status status;
};

template <typename Response>
Pairs Drain(grpc::ClientReader<Response>* reader) {
  Pairs out;
  Response response;
  while (reader->Read(&response)) {
    if (response.has_summary()) {
      out.summary = response.summary();
      continue;
    }
    const v1::PairChunk& c = response.chunk();
    for (int i = 0; i < c.a_rows_size(); ++i) {
      out.pairs.emplace(c.a_rows(i), c.set_rows(i));
      if (c.distances_size() > 0)
        out.distance_of_a[c.a_rows(i)] = c.distances(i);
    }
    for (const auto& e : c.errors()) out.errors[e.row()] = e.message();
  }
  out.status = reader->Finish();
  return out;
}

class JoinServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layer_ = std::make_unique<TempFile>(".wkt", kSquares);
    service::Server::Options options;
    options.listen_address = "127.0.0.1:0";
    options.metrics_listen_address = "";
    options.num_workers = 2;
    options.layers = {absl::StrCat("squares=", layer_->path())};
    auto server = service::Server::Create(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    stub_ = v1::GeometryService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  Pairs Join(const v1::JoinRequest& request) {
    grpc::ClientContext context;
    auto reader = stub_->Join(&context, request);
    return Drain(reader.get());
  }
  Pairs Nearest(const v1::NearestRequest& request) {
    grpc::ClientContext context;
    auto reader = stub_->Nearest(&context, request);
    return Drain(reader.get());
  }

  std::unique_ptr<TempFile> layer_;
  std::unique_ptr<service::Server> server_;
  std::unique_ptr<v1::GeometryService::Stub> stub_;
};

TEST_F(JoinServiceTest, ListLayersDescribesTheLayerLoadedAtStart) {
  grpc::ClientContext context;
  v1::ListLayersResponse layers;
  ASSERT_TRUE(stub_->ListLayers(&context, {}, &layers).ok());
  ASSERT_EQ(layers.layers_size(), 1);
  const v1::IndexedSetInfo& info = layers.layers(0);
  EXPECT_EQ(info.layer(), "squares");
  EXPECT_EQ(info.rows(), 4u);  // The blank line is no row.
  EXPECT_EQ(info.indexed(), 4u);
  EXPECT_EQ(info.vertices(), 20u);
  EXPECT_GT(info.bytes(), 0u);
  EXPECT_EQ(info.digest().substr(0, 7), "sha256:");
  ASSERT_EQ(info.bounds_size(), 4);
  EXPECT_EQ(info.bounds(2), 2);
}

TEST_F(JoinServiceTest, JoinsRowsAgainstTheLayer) {
  v1::JoinRequest request;
  *request.mutable_a() =
      testing::WktBatch({"POINT (0.5 0.5)", "POINT (1 1)", "POINT (5 5)",
                         "POINT (1", "LINESTRING (0.5 0.5, 1.5 1.5)"});
  request.mutable_set()->set_layer("squares");
  request.set_predicate(v1::JOIN_PREDICATE_INTERSECTS);
  Pairs out = Join(request);
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  EXPECT_EQ(out.pairs, (std::set<std::pair<uint64_t, uint64_t>>{{0, 0},
                                                                {1, 0},
                                                                {1, 1},
                                                                {1, 2},
                                                                {1, 3},
                                                                {4, 0},
                                                                {4, 3},
                                                                {4, 1},
                                                                {4, 2}}));
  ASSERT_EQ(out.errors.count(3), 1u);
  EXPECT_EQ(out.errors[3], "a: invalid WKT: unclosed '('");
  EXPECT_EQ(out.summary.pairs(), 9u);
  EXPECT_EQ(out.summary.rows(), 5u);
  EXPECT_EQ(out.summary.set().layer(), "squares");
  EXPECT_EQ(out.summary.index_seconds(), 0);

  request.set_predicate(v1::JOIN_PREDICATE_WITHIN);
  EXPECT_EQ(Join(request).pairs,
            (std::set<std::pair<uint64_t, uint64_t>>{{0, 0}}));
}

TEST_F(JoinServiceTest, ASetIsSentOnceThenNamedByDigest) {
  v1::JoinRequest request;
  *request.mutable_a() = testing::WktBatch({"POINT (0.5 0.5)", "POINT (3 3)"});
  *request.mutable_set()->mutable_geometries() =
      testing::WktBatch({"POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0))", "POINT (3 3)"});
  request.set_predicate(v1::JOIN_PREDICATE_INTERSECTS);

  v1::JoinRequest by_digest = request;
  by_digest.mutable_set()->set_digest(
      "sha256:"
      "0000000000000000000000000000000000000000000000000000000000000000");
  Pairs unknown = Join(by_digest);
  EXPECT_EQ(unknown.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(unknown.status.error_message(),
            "this server does not hold the set "
            "sha256:"
            "0000000000000000000000000000000000000000000000000000000000000000"
            "; send set.geometries");

  Pairs first = Join(request);
  ASSERT_TRUE(first.status.ok()) << first.status.error_message();
  EXPECT_EQ(first.pairs,
            (std::set<std::pair<uint64_t, uint64_t>>{{0, 0}, {1, 0}, {1, 1}}));
  by_digest.mutable_set()->set_digest(first.summary.set().digest());
  Pairs second = Join(by_digest);
  ASSERT_TRUE(second.status.ok()) << second.status.error_message();
  EXPECT_EQ(second.pairs, first.pairs);

  v1::JoinRequest no_layer = request;
  no_layer.mutable_set()->set_layer("rivers");
  EXPECT_EQ(Join(no_layer).status.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(JoinServiceTest, NearestFindsTheNearestSquaresWithTies) {
  v1::NearestRequest request;
  *request.mutable_a() =
      testing::WktBatch({"POINT (3 0.5)", "POINT (1 3)", "POINT EMPTY"});
  request.mutable_set()->set_layer("squares");
  request.set_return_distance(true);
  Pairs out = Nearest(request);
  ASSERT_TRUE(out.status.ok()) << out.status.error_message();
  // (3, 0.5) is nearest square 1, at 1; (1, 3) is as near to 2 and 3 (1).
  EXPECT_EQ(out.pairs,
            (std::set<std::pair<uint64_t, uint64_t>>{{0, 1}, {1, 2}, {1, 3}}));
  EXPECT_EQ(out.distance_of_a[0], 1);
  EXPECT_EQ(out.distance_of_a[1], 1);

  request.set_all_matches(false);
  EXPECT_EQ(Nearest(request).pairs,
            (std::set<std::pair<uint64_t, uint64_t>>{{0, 1}, {1, 2}}));
  request.set_max_distance(0.5);
  EXPECT_TRUE(Nearest(request).pairs.empty());
}

TEST_F(JoinServiceTest, MalformedRequestsAreInvalidArgument) {
  v1::JoinRequest request;
  *request.mutable_a() = testing::WktBatch({"POINT (0 0)"});
  request.mutable_set()->set_layer("squares");
  Pairs out = Join(request);
  EXPECT_EQ(out.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(out.status.error_message(), "predicate is not set");
}

TEST(ServerLayersTest, ALayerThatFailsToLoadStopsTheServerNamingFileAndRow) {
  TempFile bad(".wkt", "POINT (0 0)\nPOINT (1 1)\nPOLYGON ((0 0, 1\n");
  service::Server::Options options;
  options.listen_address = "127.0.0.1:0";
  options.metrics_listen_address = "";
  options.layers = {absl::StrCat("towns=", bad.path())};
  auto server = service::Server::Create(options);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(server.status().message(),
            absl::StrCat("layer 'towns' (", bad.path(),
                         "): row 2: invalid WKT: unclosed '(' (1 rows "
                         "failed; a layer must load whole)"));

  options.layers = {"towns"};
  EXPECT_EQ(service::Server::Create(options).status().message(),
            "layer 'towns' is not NAME=PATH (e.g. countries=/data/c.json)");
  options.layers = {"towns=/nonexistent/towns.wkt"};
  EXPECT_EQ(service::Server::Create(options).status().message(),
            "layer 'towns' (/nonexistent/towns.wkt): cannot read "
            "/nonexistent/towns.wkt");
  TempFile good(".wkt", "POINT (0 0)\n");
  options.layers = {absl::StrCat("towns=", good.path()),
                    absl::StrCat("towns=", good.path())};
  EXPECT_EQ(service::Server::Create(options).status().message(),
            "two layers are named 'towns'");
}

TEST(ServerLayersTest, LoadsAGeoJsonFeatureCollection) {
  TempFile fc(".geojson", R"({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"name": "a"},
     "geometry": {"type": "Point", "coordinates": [1, 2]}},
    {"type": "Feature", "properties": {"name": "b ]"},
     "geometry": {"type": "LineString", "coordinates": [[0, 0], [3, 4]]}}
  ]})");
  service::Server::Options options;
  options.listen_address = "127.0.0.1:0";
  options.metrics_listen_address = "";
  options.layers = {absl::StrCat("places=", fc.path())};
  auto server = service::Server::Create(options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto stub = v1::GeometryService::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::ListLayersResponse layers;
  ASSERT_TRUE(stub->ListLayers(&context, {}, &layers).ok());
  ASSERT_EQ(layers.layers_size(), 1);
  EXPECT_EQ(layers.layers(0).rows(), 2u);
  EXPECT_EQ(layers.layers(0).vertices(), 3u);
}

}  // namespace
}  // namespace geosrpc
