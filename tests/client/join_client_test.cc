// The C++ client's Join, Nearest and ListLayers against a real server on
// loopback: pairs in order, row errors, the digest-first rule (a server
// that lacks the set gets it once), layers, and failures of the whole call.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/input/geometry_file.h"
#include "client/cpp/batch.h"
#include "client/cpp/client.h"
#include "client/cpp/digest.h"
#include "server/service/server.h"

namespace geosrpc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::unique_ptr<service::Server> StartServer(
    service::Server::Options options = {}) {
  options.listen_address = "127.0.0.1:0";
  options.metrics_listen_address = "";
  options.num_workers = 2;
  auto server = service::Server::Create(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return *std::move(server);
}

std::unique_ptr<client::Client> Connect(const service::Server& server,
                                        bool digest_first = true) {
  return *client::Client::Create(
      {.target = absl::StrCat("127.0.0.1:", server.port()),
       .digest_first = digest_first});
}

// Unit squares [i, i+1] x [0, 1], i = 0 .. n-1, as WKT.
v1::GeometryBatch Squares(int n) {
  client::BatchBuilder b(v1::ENCODING_WKT);
  for (int i = 0; i < n; ++i) {
    b.Add(absl::StrCat("POLYGON ((", i, " 0, ", i + 1, " 0, ", i + 1, " 1, ", i,
                       " 1, ", i, " 0))"));
  }
  return b.Build();
}

v1::GeometryBatch Wkt(const std::vector<std::string>& rows) {
  return client::MakeBatch(v1::ENCODING_WKT, rows);
}

v1::JoinRequest Intersects(v1::GeometryBatch a, v1::GeometryBatch set) {
  v1::JoinRequest r;
  *r.mutable_a() = std::move(a);
  *r.mutable_set()->mutable_geometries() = std::move(set);
  r.set_predicate(v1::JOIN_PREDICATE_INTERSECTS);
  return r;
}

// Probe points: inside square 3, on the edge of squares 6 and 7, a bad
// row, outside everything, inside square 0; in small chunks so that they
// arrive out of order.
v1::JoinRequest Probe(v1::GeometryBatch set) {
  v1::JoinRequest r =
      Intersects(Wkt({"POINT (3.5 0.5)", "POINT (7 0.5)", "POINT (1",
                      "POINT (-5 -5)", "POINT (0.5 0.5)"}),
                 std::move(set));
  r.set_chunk_rows(1);
  return r;
}

TEST(JoinClientTest, PairsSortedWithRowErrors) {
  auto server = StartServer();
  auto c = Connect(*server);
  auto r = c->Join(Probe(Squares(10)));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->a_rows, ElementsAre(0, 1, 1, 4));
  EXPECT_THAT(r->set_rows, ElementsAre(3, 6, 7, 0));
  EXPECT_TRUE(r->distances.empty());
  ASSERT_EQ(r->errors.size(), 1u);
  EXPECT_EQ(r->errors[0].row(), 2u);
  EXPECT_EQ(r->errors[0].code(), 3);
  EXPECT_EQ(r->summary.pairs(), 4u);
  EXPECT_EQ(r->summary.set().rows(), 10u);
  EXPECT_FALSE(r->digest_missed);  // Too small to go by digest first.
}

TEST(JoinClientTest, DistancesWhenAsked) {
  auto server = StartServer();
  auto c = Connect(*server);
  v1::JoinRequest request =
      Intersects(Wkt({"POINT (0.5 2)", "POINT (2.5 0.5)"}), Squares(4));
  request.set_predicate(v1::JOIN_PREDICATE_DWITHIN);
  request.set_distance(1.0);
  request.set_return_distance(true);
  auto r = c->Join(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->a_rows, ElementsAre(0, 1, 1, 1));
  EXPECT_THAT(r->set_rows, ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(r->distances, ElementsAre(1, 0.5, 0, 0.5));
}

TEST(JoinClientTest, LargeSetGoesByDigestFirstAndIsSentOncePerServer) {
  auto server = StartServer();
  auto c = Connect(*server);
  const v1::JoinRequest request = Probe(Squares(4000));
  ASSERT_GE(request.set().ByteSizeLong(), 64u << 10);

  auto first = c->Join(request);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->digest_missed);
  EXPECT_GT(first->summary.index_seconds(), 0);
  EXPECT_EQ(first->summary.set().digest(),
            client::SetDigest(request.set().geometries()));

  auto second = c->Join(request);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->digest_missed);
  EXPECT_EQ(second->summary.index_seconds(), 0);
  EXPECT_EQ(second->a_rows, first->a_rows);
  EXPECT_EQ(second->set_rows, first->set_rows);

  // A given digest is used as is; Nearest follows the same rule.
  v1::NearestRequest nearest;
  *nearest.mutable_a() = request.a();
  *nearest.mutable_set() = request.set();
  auto third = c->Nearest(nearest, first->summary.set().digest());
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_FALSE(third->digest_missed);

  // Another server lacks it: NOT_FOUND, then the whole set, once.
  auto other = StartServer();
  auto c2 = Connect(*other);
  auto there = c2->Nearest(nearest);
  ASSERT_TRUE(there.ok()) << there.status();
  EXPECT_TRUE(there->digest_missed);
  EXPECT_EQ(there->a_rows, third->a_rows);
  EXPECT_EQ(there->set_rows, third->set_rows);
}

// Two replicas behind round_robin, the set held by one: a miss's resend
// reaches the replica that holds it, so the set then goes whole until the
// replica that missed has it; after that every call goes by digest alone.
TEST(JoinClientTest, DigestFirstBehindRoundRobinReachesEveryReplica) {
  auto holder = StartServer();
  auto lacking = StartServer();
  const v1::JoinRequest request = Probe(Squares(4000));
  ASSERT_TRUE(Connect(*holder)->Join(request).ok());
  v1::JoinRequest by_digest = request;
  by_digest.mutable_set()->set_digest(
      client::SetDigest(request.set().geometries()));
  auto c = *client::Client::Create(
      {.target = absl::StrCat("ipv4:127.0.0.1:", holder->port(),
                              ",127.0.0.1:", lacking->port()),
       .load_balancing_policy = "round_robin"});
  const auto call = [&] {
    auto r = c->Join(request);
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return std::string("failed");
    EXPECT_THAT(r->set_rows, ElementsAre(3, 6, 7, 0));
    return std::string(r->digest_missed ? "missed"
                       : r->sent_whole  ? "whole"
                                        : "digest");
  };
  // round_robin sends calls to a replica once it is connected and its
  // health check has answered, so the first calls may all reach the holder:
  // call until the other replica has the set too.
  std::vector<std::string> calls;
  auto lacking_client = Connect(*lacking);
  while (calls.size() < 200 && !lacking_client->Join(by_digest).ok()) {
    calls.push_back(call());
  }
  ASSERT_TRUE(lacking_client->Join(by_digest).ok())
      << "after " << calls.size() << " calls";
  EXPECT_LE(std::count(calls.begin(), calls.end(), "missed"), 2);
  // Each replica now answers by digest.
  std::vector<std::string> after;
  for (int i = 0; i < 4; ++i) after.push_back(call());
  EXPECT_THAT(after, ElementsAre("digest", "digest", "digest", "digest"));
}

TEST(JoinClientTest, DigestFirstOffSendsTheSetEveryTime) {
  auto server = StartServer();
  auto c = Connect(*server, /*digest_first=*/false);
  const v1::JoinRequest request = Probe(Squares(4000));
  auto first = c->Join(request);
  auto second = c->Join(request);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_FALSE(first->digest_missed || second->digest_missed);
  EXPECT_GT(first->summary.index_seconds(), 0);
  EXPECT_EQ(second->summary.index_seconds(), 0);  // Held by digest.
}

TEST(JoinClientTest, NearestNearestFirstTiesBySetRow) {
  auto server = StartServer();
  auto c = Connect(*server);
  v1::NearestRequest request;
  // Row 0 is 2 from squares 4 and 5, sqrt(5) from 3 and 6 (the third
  // nearest, and a tie: both stay), sqrt(8) from 2 and 7; row 1 is inside
  // square 0, 0.5 from 1 and 1.5 from 2.
  *request.mutable_a() = Wkt({"POINT (5 3)", "POINT (0.5 0.5)"});
  *request.mutable_set()->mutable_geometries() = Squares(10);
  request.set_k(3);
  request.set_return_distance(true);
  request.set_chunk_rows(1);
  auto r = c->Nearest(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->a_rows, ElementsAre(0, 0, 0, 0, 1, 1, 1));
  EXPECT_THAT(r->set_rows, ElementsAre(4, 5, 3, 6, 0, 1, 2));
  EXPECT_THAT(r->distances,
              ElementsAre(2, 2, std::sqrt(5.0), std::sqrt(5.0), 0, 0.5, 1.5));

  // Without distances the server's order within a row is kept.
  request.set_return_distance(false);
  request.set_k(1);
  request.set_all_matches(false);
  auto one = c->Nearest(request);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_THAT(one->a_rows, ElementsAre(0, 1));
  EXPECT_THAT(one->set_rows, ElementsAre(4, 0));
  EXPECT_TRUE(one->distances.empty());
}

TEST(JoinClientTest, WholeCallFailures) {
  auto server = StartServer();
  auto c = Connect(*server);
  v1::JoinRequest request = Probe(Squares(10));
  request.set_max_pairs(2);
  EXPECT_EQ(c->Join(request).status().code(),
            absl::StatusCode::kResourceExhausted);

  v1::JoinRequest layer = Probe(v1::GeometryBatch());
  layer.mutable_set()->set_layer("nowhere");
  const absl::Status missing = c->Join(layer).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("nowhere"));

  request.set_max_pairs(0);
  request.set_predicate(v1::JOIN_PREDICATE_UNSPECIFIED);
  EXPECT_EQ(c->Join(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JoinClientTest, LayersAreListedAndJoinedByNameOrDigest) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/join_client_squares.wkt");
  {
    std::ofstream out(path);
    const v1::GeometryBatch squares = Squares(10);
    for (int i = 0; i + 1 < squares.offsets_size(); ++i) {
      out << squares.data().substr(squares.offsets(i),
                                   squares.offsets(i + 1) - squares.offsets(i))
          << "\n";
    }
  }
  service::Server::Options options;
  options.layers = {absl::StrCat("squares=", path)};
  auto server = StartServer(options);
  auto c = Connect(*server);
  auto layers = c->ListLayers();
  ASSERT_TRUE(layers.ok()) << layers.status();
  ASSERT_EQ(layers->layers_size(), 1);
  const v1::IndexedSetInfo& info = layers->layers(0);
  EXPECT_EQ(info.layer(), "squares");
  EXPECT_EQ(info.rows(), 10u);
  EXPECT_EQ(info.indexed(), 10u);
  EXPECT_THAT(info.bounds(), ElementsAre(0, 0, 10, 1));
  // The file as the client reads it has the layer's digest.
  auto file = input::ReadGeometryFile(path, input::InputFormat::kAuto);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(client::SetDigest(*file), info.digest());

  v1::JoinRequest by_name = Probe(v1::GeometryBatch());
  by_name.mutable_set()->set_layer("squares");
  auto r = c->Join(by_name);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->set_rows, ElementsAre(3, 6, 7, 0));
  EXPECT_EQ(r->summary.set().layer(), "squares");

  v1::JoinRequest by_digest = by_name;
  by_digest.mutable_set()->set_digest(info.digest());
  auto d = c->Join(by_digest);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->set_rows, r->set_rows);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace geosrpc
