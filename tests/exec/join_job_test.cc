#include "server/exec/join_job.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "base/sync.h"
#include "server/batch/wkb.h"
#include "server/geos/context.h"
#include "tests/testing/batches.h"
#include "tests/testing/random_geometries.h"

namespace geosrpc::exec {
namespace {

// (a row, set row) -> distance (NaN when not asked for).
using Pairs = std::map<std::pair<uint64_t, uint64_t>, double>;

struct Outcome {
  absl::Status start;
  Pairs pairs;
  std::map<uint64_t, v1::RowError> errors;
  v1::JoinSummary summary;
  // Per a row, its set rows in the order the chunk listed them.
  std::map<uint64_t, std::vector<uint64_t>> order;
};

Outcome RunJoin(WorkerPool* pool, const absl::StatusOr<JoinPlan>& plan,
                layers::SetCatalog* catalog, ComputeLimits limits = {}) {
  Outcome out;
  if (!plan.ok()) {
    out.start = plan.status();
    return out;
  }
  Mutex mu;
  Notification done;
  auto job = JoinJob::Start(
      pool, *plan, limits, absl::InfiniteFuture(),
      {.on_chunk =
           [&](std::unique_ptr<v1::PairChunk> chunk, std::shared_ptr<void>) {
             MutexLock lock(&mu);
             EXPECT_EQ(chunk->a_rows_size(), chunk->set_rows_size());
             for (int i = 0; i < chunk->a_rows_size(); ++i) {
               const double d = chunk->distances_size() > 0
                                    ? chunk->distances(i)
                                    : std::nan("");
               const auto key =
                   std::make_pair(chunk->a_rows(i), chunk->set_rows(i));
               EXPECT_TRUE(out.pairs.emplace(key, d).second)
                   << "pair listed twice";
               out.order[key.first].push_back(key.second);
             }
             for (const auto& e : chunk->errors()) out.errors[e.row()] = e;
           },
       .on_done =
           [&](const v1::JoinSummary& summary) {
             out.summary = summary;
             done.Notify();
           }},
      catalog);
  out.start = job.status();
  if (job.ok()) done.WaitForNotification();
  return out;
}

std::set<std::pair<uint64_t, uint64_t>> Keys(const Pairs& pairs) {
  std::set<std::pair<uint64_t, uint64_t>> keys;
  for (const auto& [key, d] : pairs) keys.insert(key);
  return keys;
}

class JoinJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = *WorkerPool::Create({.num_workers = 2});
    testing::RandomGeometries random(17);
    // Every type, empties and invalid polygons, plus duplicates and a bad
    // row on each side.
    a_ = random.Wkts(300);
    set_ = random.Wkts(120);
    a_.push_back(a_[3]);
    set_.push_back(set_[5]);
    set_.push_back(a_[7]);
    a_.push_back("POLYGON ((0 0, 1");
    set_.push_back("POINT (nan 1)");
  }

  v1::JoinRequest Join(v1::JoinPredicate predicate) {
    v1::JoinRequest r;
    *r.mutable_a() = a_as_wkb_ ? AAsWkb() : testing::WktBatch(a_);
    *r.mutable_set()->mutable_geometries() = testing::WktBatch(set_);
    r.set_predicate(predicate);
    r.set_chunk_rows(16);
    return r;
  }

  // a_ as WKB written by GEOS, big-endian on every other row (the reader
  // takes both; points have their own, see batch::ReadPlainXyPoint); a row
  // GEOS cannot parse goes as a truncated point.
  v1::GeometryBatch AAsWkb() {
    geos::Context c;
    std::vector<std::string> rows;
    for (size_t i = 0; i < a_.size(); ++i) {
      std::string wkb;
      absl::StatusOr<geos::GeometryPtr> g = c.ReadWkt(a_[i]);
      if (!g.ok() ||
          !c.WriteWkb(g->get(), {.big_endian = i % 2 == 1}, &wkb).ok()) {
        wkb = std::string("\x01\x01\0\0\0\0\0", 7);
      }
      rows.push_back(std::move(wkb));
    }
    return testing::ProtoBatch(v1::ENCODING_WKB, rows);
  }

  // Direct GEOS calls over every pair: the predicate's plain form, and its
  // prepared form on the set geometry where GEOS has one (what the service
  // uses); they must agree wherever both succeed. A row whose plain or
  // prepared call fails with any candidate expects a row error instead.
  struct Expected {
    Pairs pairs;
    std::set<uint64_t> error_rows;
  };
  Expected BruteForce(v1::JoinPredicate predicate, double distance = 0) {
    geos::Context c;
    const GEOSContextHandle_t h = c.handle();
    Expected expected;
    for (size_t i = 0; i < a_.size(); ++i) {
      auto a = c.ReadWkt(a_[i]);
      if (!a.ok() || GEOSisEmpty_r(h, a->get())) continue;
      for (size_t j = 0; j < set_.size(); ++j) {
        auto t = c.ReadWkt(set_[j]);
        if (!t.ok() || GEOSisEmpty_r(h, t->get())) continue;
        std::optional<char> plain =
            Plain(h, predicate, a->get(), t->get(), distance);
        std::optional<char> prepared =
            Prepared(h, predicate, a->get(), t->get(), distance);
        if (plain && prepared && *plain != 2 && *prepared != 2) {
          EXPECT_EQ(*plain, *prepared) << "row " << i << " set row " << j;
        }
        const char answer = prepared ? *prepared : *plain;
        if (answer == 2) {
          expected.error_rows.insert(i);
        } else if (answer == 1) {
          double d = 0;
          GEOSDistance_r(h, a->get(), t->get(), &d);
          expected.pairs[{i, j}] = d;
        }
      }
    }
    for (uint64_t row : expected.error_rows) {
      for (auto it = expected.pairs.begin(); it != expected.pairs.end();) {
        it = it->first.first == row ? expected.pairs.erase(it) : std::next(it);
      }
    }
    return expected;
  }

  static std::optional<char> Plain(GEOSContextHandle_t h, v1::JoinPredicate p,
                                   const GEOSGeometry* a, const GEOSGeometry* t,
                                   double d) {
    switch (p) {
      case v1::JOIN_PREDICATE_INTERSECTS:
        return GEOSIntersects_r(h, a, t);
      case v1::JOIN_PREDICATE_WITHIN:
        return GEOSWithin_r(h, a, t);
      case v1::JOIN_PREDICATE_CONTAINS:
        return GEOSContains_r(h, a, t);
      case v1::JOIN_PREDICATE_OVERLAPS:
        return GEOSOverlaps_r(h, a, t);
      case v1::JOIN_PREDICATE_CROSSES:
        return GEOSCrosses_r(h, a, t);
      case v1::JOIN_PREDICATE_TOUCHES:
        return GEOSTouches_r(h, a, t);
      case v1::JOIN_PREDICATE_COVERS:
        return GEOSCovers_r(h, a, t);
      case v1::JOIN_PREDICATE_COVERED_BY:
        return GEOSCoveredBy_r(h, a, t);
      case v1::JOIN_PREDICATE_DWITHIN:
        return GEOSDistanceWithin_r(h, a, t, d);
      case v1::JOIN_PREDICATE_ENVELOPE: {
        double ax0, ay0, ax1, ay1, tx0, ty0, tx1, ty1;
        GEOSGeom_getExtent_r(h, a, &ax0, &ay0, &ax1, &ay1);
        GEOSGeom_getExtent_r(h, t, &tx0, &ty0, &tx1, &ty1);
        return ax0 <= tx1 && tx0 <= ax1 && ay0 <= ty1 && ty0 <= ay1;
      }
      default:
        return std::nullopt;
    }
  }

  // The prepared form: the converse on the prepared set geometry, or (for
  // contains_properly, which GEOS has in prepared form only) on the
  // prepared row. None where a collection has empty members (the service
  // then takes the plain form, see ops::Preparable).
  static std::optional<char> Prepared(GEOSContextHandle_t h,
                                      v1::JoinPredicate p,
                                      const GEOSGeometry* a,
                                      const GEOSGeometry* t, double d) {
    const bool contains_properly = p == v1::JOIN_PREDICATE_CONTAINS_PROPERLY;
    if (!contains_properly && (p == v1::JOIN_PREDICATE_ENVELOPE ||
                               HasEmptyMember(h, a) || HasEmptyMember(h, t))) {
      return std::nullopt;
    }
    const geos::PreparedPtr prepared(
        GEOSPrepare_r(h, contains_properly ? a : t), {h});
    const GEOSPreparedGeometry* pt = prepared.get();
    switch (p) {
      case v1::JOIN_PREDICATE_INTERSECTS:
        return GEOSPreparedIntersects_r(h, pt, a);
      case v1::JOIN_PREDICATE_WITHIN:
        return GEOSPreparedContains_r(h, pt, a);
      case v1::JOIN_PREDICATE_CONTAINS:
        return GEOSPreparedWithin_r(h, pt, a);
      case v1::JOIN_PREDICATE_OVERLAPS:
        return GEOSPreparedOverlaps_r(h, pt, a);
      case v1::JOIN_PREDICATE_CROSSES:
        return GEOSPreparedCrosses_r(h, pt, a);
      case v1::JOIN_PREDICATE_TOUCHES:
        return GEOSPreparedTouches_r(h, pt, a);
      case v1::JOIN_PREDICATE_COVERS:
        return GEOSPreparedCoveredBy_r(h, pt, a);
      case v1::JOIN_PREDICATE_COVERED_BY:
        return GEOSPreparedCovers_r(h, pt, a);
      case v1::JOIN_PREDICATE_CONTAINS_PROPERLY:
        return GEOSPreparedContainsProperly_r(h, pt, t);
      case v1::JOIN_PREDICATE_DWITHIN:
        return GEOSPreparedDistanceWithin_r(h, pt, a, d);
      default:
        return std::nullopt;
    }
  }

  static bool HasEmptyMember(GEOSContextHandle_t h, const GEOSGeometry* g) {
    if (GEOSGeomTypeId_r(h, g) < GEOS_MULTIPOINT) return false;
    for (int i = 0; i < GEOSGetNumGeometries_r(h, g); ++i) {
      const GEOSGeometry* part = GEOSGetGeometryN_r(h, g, i);
      if (GEOSisEmpty_r(h, part) || HasEmptyMember(h, part)) return true;
    }
    return false;
  }

  // Joins a_ with set_ by each of `predicates`, a_ as WKT and as WKB, and
  // expects BruteForce's pairs and row errors (a_'s last row is bad).
  void ExpectBruteForcesAnswers(
      const std::vector<v1::JoinPredicate>& predicates) {
    for (const v1::JoinPredicate predicate : predicates) {
      const double distance = 2.5;
      const Expected expected = BruteForce(predicate, distance);
      for (const bool wkb : {false, true}) {
        a_as_wkb_ = wkb;
        SCOPED_TRACE(absl::StrCat(v1::JoinPredicate_Name(predicate),
                                  wkb ? ", a as WKB" : ", a as WKT"));
        v1::JoinRequest request = Join(predicate);
        if (predicate == v1::JOIN_PREDICATE_DWITHIN) {
          request.set_distance(distance);
        }
        request.set_return_distance(true);
        layers::SetCatalog catalog;
        Outcome out =
            RunJoin(pool_.get(), JoinPlan::ForJoin(request, {}, 2), &catalog);
        ASSERT_TRUE(out.start.ok()) << out.start;
        ASSERT_EQ(out.summary.status().code(), 0)
            << out.summary.status().message();

        std::set<uint64_t> error_rows;
        for (const auto& [row, e] : out.errors) {
          if (row != a_.size() - 1) error_rows.insert(row);  // The bad row.
        }
        EXPECT_EQ(error_rows, expected.error_rows);
        ASSERT_EQ(out.pairs.size(), expected.pairs.size());
        for (const auto& [pair, d] : expected.pairs) {
          auto it = out.pairs.find(pair);
          ASSERT_NE(it, out.pairs.end())
              << "missing (" << pair.first << ", " << pair.second << ")";
          EXPECT_NEAR(it->second, d, 1e-9 * (1 + d));
        }
        EXPECT_EQ(out.summary.pairs(), expected.pairs.size());
        if (predicate == v1::JOIN_PREDICATE_INTERSECTS) {
          EXPECT_GT(expected.pairs.size(), 100u);  // A join worth testing.
        }
        // Within a row, set rows ascend.
        for (const auto& [row, set_rows] : out.order) {
          EXPECT_TRUE(std::is_sorted(set_rows.begin(), set_rows.end()));
        }
      }
    }
  }

  std::unique_ptr<WorkerPool> pool_;
  std::vector<std::string> a_, set_;
  bool a_as_wkb_ = false;  // How Join sends a_.
};

TEST_F(JoinJobTest, EveryPredicateMatchesBruteForceOverAllPairs) {
  std::vector<v1::JoinPredicate> all;
  for (int p = v1::JOIN_PREDICATE_INTERSECTS; p <= v1::JOIN_PREDICATE_ENVELOPE;
       ++p) {
    all.push_back(static_cast<v1::JoinPredicate>(p));
  }
  ExpectBruteForcesAnswers(all);
}

// Points on a half-unit grid, so that many fall on vertices, edges and
// holes' rings, against polygons (a rectangle, holes, invalid ones) and
// other types: the 2D points sent as WKB are located in the prepared
// polygons without GEOS points (geos::AreaLocator), and must answer as the
// prepared predicates do.
std::vector<std::string> GridPoints(double step) {
  std::vector<std::string> points;
  for (double x = -1; x <= 11; x += step) {
    for (double y = -1; y <= 11; y += step) {
      points.push_back(absl::StrCat("POINT (", x, " ", y, ")"));
    }
  }
  return points;
}

// The grid polygons and other types: what GEOS cannot locate a point in.
std::vector<std::string> GridSet() {
  std::vector<std::string> set = testing::GridPolygons();
  for (const char* other :
       {"MULTIPOLYGON (EMPTY, ((1 1, 9 1, 9 9, 1 1)))",
        "GEOMETRYCOLLECTION (POLYGON ((0 0, 5 0, 5 5, 0 0)), POINT (8 8))",
        "LINESTRING (0 0, 10 10)", "MULTIPOINT ((5 5), (2 3))",
        "POLYGON EMPTY"}) {
    set.push_back(other);
  }
  return set;
}

TEST_F(JoinJobTest, PointsOnVerticesAndEdgesMatchBruteForce) {
  a_ = GridPoints(0.5);
  a_.push_back("POINT (1");
  set_ = GridSet();
  std::vector<v1::JoinPredicate> all;
  for (int p = v1::JOIN_PREDICATE_INTERSECTS; p <= v1::JOIN_PREDICATE_ENVELOPE;
       ++p) {
    all.push_back(static_cast<v1::JoinPredicate>(p));
  }
  ExpectBruteForcesAnswers(all);
}

// Past 4,096 set rows the prober stops remembering preparations per set
// row and asks the worker's cache each time.
TEST_F(JoinJobTest, PointsInALargeSetMatchBruteForce) {
  a_ = GridPoints(2);
  a_.push_back("POINT (1");
  set_.clear();
  while (set_.size() <= 4100) {
    for (const std::string& g : GridSet()) set_.push_back(g);
  }
  ExpectBruteForcesAnswers(
      {v1::JOIN_PREDICATE_INTERSECTS, v1::JOIN_PREDICATE_WITHIN});
}

TEST_F(JoinJobTest, StopsPastTheBatchVertexLimitWithResourceExhausted) {
  a_as_wkb_ = true;
  // The vertices the server counts: those of the rows that pass validation.
  const v1::GeometryBatch a = AAsWkb();
  uint64_t vertices = 0;
  for (int i = 0; i + 1 < a.offsets_size(); ++i) {
    batch::WkbInfo info;
    if (batch::ValidateWkb(absl::string_view(a.data()).substr(
                               a.offsets(i), a.offsets(i + 1) - a.offsets(i)),
                           {}, &info)
            .ok()) {
      vertices += info.vertices;
    }
  }
  ASSERT_GT(vertices, 100u);
  layers::SetCatalog catalog;
  const v1::JoinRequest request = Join(v1::JOIN_PREDICATE_INTERSECTS);
  // Exactly the batch's vertices pass; one fewer does not.
  const ComputeLimits enough{.max_vertices = vertices};
  Outcome ok = RunJoin(pool_.get(), JoinPlan::ForJoin(request, enough, 2),
                       &catalog, enough);
  EXPECT_EQ(ok.summary.status().code(), 0) << ok.summary.status().message();
  const ComputeLimits short_one{.max_vertices = vertices - 1};
  Outcome over = RunJoin(pool_.get(), JoinPlan::ForJoin(request, short_one, 2),
                         &catalog, short_one);
  EXPECT_EQ(over.summary.status().code(),
            static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(over.summary.status().message(),
            absl::StrCat("batch has more than ", vertices - 1,
                         " vertices (max_vertices_per_batch)"));
}

TEST_F(JoinJobTest, BadRowsAreRowErrorsAndBadSetRowsAreReportedOnce) {
  layers::SetCatalog catalog;
  Outcome out = RunJoin(
      pool_.get(),
      JoinPlan::ForJoin(Join(v1::JOIN_PREDICATE_INTERSECTS), {}, 2), &catalog);
  ASSERT_EQ(out.summary.status().code(), 0);
  const uint64_t bad = a_.size() - 1;
  ASSERT_EQ(out.errors.count(bad), 1u);
  EXPECT_EQ(out.errors[bad].message(), "a: invalid WKT: unclosed '('");
  EXPECT_EQ(out.errors[bad].code(),
            static_cast<int>(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(out.summary.set_errors_size(), 1);
  EXPECT_EQ(out.summary.set_errors(0).row(), set_.size() - 1);
  EXPECT_EQ(out.summary.set().rows(), set_.size());
  EXPECT_LT(out.summary.set().indexed(), set_.size());
  EXPECT_EQ(out.summary.rows(), a_.size());
}

TEST_F(JoinJobTest, ASetSentOnceIsJoinedByDigestAfterwards) {
  layers::SetCatalog catalog;
  v1::JoinRequest request = Join(v1::JOIN_PREDICATE_INTERSECTS);
  Outcome first =
      RunJoin(pool_.get(), JoinPlan::ForJoin(request, {}, 2), &catalog);
  ASSERT_EQ(first.summary.status().code(), 0);
  const std::string digest = first.summary.set().digest();
  EXPECT_EQ(digest.rfind("sha256:", 0), 0u);
  EXPECT_GT(first.summary.index_seconds(), 0);

  v1::JoinRequest by_digest = request;
  by_digest.mutable_set()->set_digest(digest);
  Outcome second =
      RunJoin(pool_.get(), JoinPlan::ForJoin(by_digest, {}, 2), &catalog);
  ASSERT_EQ(second.summary.status().code(), 0);
  EXPECT_EQ(Keys(second.pairs), Keys(first.pairs));
  EXPECT_EQ(second.summary.index_seconds(), 0);

  // Sending the geometries again finds the set by its digest: no rebuild.
  Outcome third =
      RunJoin(pool_.get(), JoinPlan::ForJoin(request, {}, 2), &catalog);
  EXPECT_EQ(Keys(third.pairs), Keys(first.pairs));
  EXPECT_EQ(catalog.cached_sets(), 1u);

  layers::SetCatalog other;  // Another replica: it lacks the set.
  Outcome missing =
      RunJoin(pool_.get(), JoinPlan::ForJoin(by_digest, {}, 2), &other);
  EXPECT_EQ(missing.start.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.start.message(),
            absl::StrCat("this server does not hold the set ", digest,
                         "; send set.geometries"));

  v1::JoinRequest by_layer = request;
  by_layer.mutable_set()->set_layer("countries");
  EXPECT_EQ(RunJoin(pool_.get(), JoinPlan::ForJoin(by_layer, {}, 2), &other)
                .start.message(),
            "no layer named 'countries' (ListLayers lists them)");
}

TEST_F(JoinJobTest, StopsPastMaxPairsWithResourceExhausted) {
  layers::SetCatalog catalog;
  v1::JoinRequest request = Join(v1::JOIN_PREDICATE_ENVELOPE);
  request.set_max_pairs(50);
  Outcome out =
      RunJoin(pool_.get(), JoinPlan::ForJoin(request, {}, 2), &catalog);
  EXPECT_EQ(out.summary.status().code(),
            static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_LE(out.pairs.size(), 50u);
  // The server's own cap holds whatever the request asks.
  request.set_max_pairs(0);
  const ComputeLimits limits{.max_pairs = 20};
  Outcome capped = RunJoin(pool_.get(), JoinPlan::ForJoin(request, limits, 2),
                           &catalog, limits);
  EXPECT_EQ(capped.summary.status().code(),
            static_cast<int>(absl::StatusCode::kResourceExhausted));
  EXPECT_LE(capped.pairs.size(), 20u);
}

// Nearest: brute force over every non-empty set row with GEOSDistance_r.
class NearestTest : public JoinJobTest {
 protected:
  // Row i's expected (set row, distance) pairs.
  std::map<uint64_t, std::vector<std::pair<double, uint64_t>>> Expected(
      uint32_t k, double max_distance, bool exclusive, bool all_matches) {
    geos::Context c;
    const GEOSContextHandle_t h = c.handle();
    std::map<uint64_t, std::vector<std::pair<double, uint64_t>>> out;
    for (size_t i = 0; i < a_.size(); ++i) {
      auto a = c.ReadWkt(a_[i]);
      if (!a.ok() || GEOSisEmpty_r(h, a->get())) continue;
      std::vector<std::pair<double, uint64_t>> all;
      for (size_t j = 0; j < set_.size(); ++j) {
        auto t = c.ReadWkt(set_[j]);
        if (!t.ok() || GEOSisEmpty_r(h, t->get())) continue;
        if (exclusive && GEOSEquals_r(h, a->get(), t->get()) == 1) continue;
        double d;
        EXPECT_EQ(GEOSDistance_r(h, a->get(), t->get(), &d), 1);
        if (d <= max_distance) all.emplace_back(d, j);
      }
      std::sort(all.begin(), all.end());
      if (all.size() > k) {
        const double kth = all[k - 1].first;
        size_t keep = k;
        while (all_matches && keep < all.size() && all[keep].first == kth) {
          ++keep;
        }
        all.resize(keep);
      }
      if (!all.empty()) out[i] = all;
    }
    return out;
  }

  void Check(uint32_t k, std::optional<double> max_distance, bool exclusive,
             bool all_matches) {
    SCOPED_TRACE(absl::StrCat("k=", k, " max=", max_distance.value_or(-1),
                              " exclusive=", exclusive,
                              " all_matches=", all_matches));
    v1::NearestRequest request;
    *request.mutable_a() = testing::WktBatch(a_);
    *request.mutable_set()->mutable_geometries() = testing::WktBatch(set_);
    request.set_k(k);
    if (max_distance) request.set_max_distance(*max_distance);
    request.set_exclusive(exclusive);
    request.set_all_matches(all_matches);
    request.set_return_distance(true);
    request.set_chunk_rows(32);
    layers::SetCatalog catalog;
    Outcome out =
        RunJoin(pool_.get(), JoinPlan::ForNearest(request, {}, 2), &catalog);
    ASSERT_EQ(out.summary.status().code(), 0) << out.summary.status().message();
    const auto expected = Expected(
        k, max_distance.value_or(std::numeric_limits<double>::infinity()),
        exclusive, all_matches);
    size_t pairs = 0;
    for (const auto& [row, want] : expected) {
      ASSERT_EQ(out.order[row].size(), want.size()) << "row " << row;
      for (size_t n = 0; n < want.size(); ++n) {
        EXPECT_EQ(out.order[row][n], want[n].second) << "row " << row;
        const double d = out.pairs[std::make_pair(row, want[n].second)];
        EXPECT_NEAR(d, want[n].first, 1e-9 * (1 + want[n].first));
      }
      pairs += want.size();
    }
    EXPECT_EQ(out.pairs.size(), pairs);
  }
};

TEST_F(NearestTest, MatchesBruteForceWithTiesBoundsAndExclusion) {
  // Ties: duplicated set rows and a row of `a` repeated in the set.
  Check(1, std::nullopt, false, true);
  Check(1, std::nullopt, false, false);
  Check(3, std::nullopt, false, true);
  Check(3, std::nullopt, true, false);
  Check(1, 4.0, false, true);
  Check(5, 10.0, true, true);
}

TEST(JoinPlanTest, RejectsMalformedRequests) {
  auto check = [](const v1::JoinRequest& r) {
    return JoinPlan::ForJoin(r, {}, 2).status();
  };
  v1::JoinRequest request;
  *request.mutable_a() = testing::WktBatch({"POINT (0 0)"});
  request.mutable_set()->set_layer("towns");
  EXPECT_EQ(check(request).message(), "predicate is not set");
  request.set_predicate(static_cast<v1::JoinPredicate>(99));
  EXPECT_EQ(check(request).message(), "unknown predicate 99");
  request.set_predicate(v1::JOIN_PREDICATE_DWITHIN);
  request.set_distance(-1);
  EXPECT_EQ(check(request).message(),
            "distance must be finite and >= 0 for JOIN_PREDICATE_DWITHIN, "
            "got -1");
  request.set_predicate(v1::JOIN_PREDICATE_INTERSECTS);
  EXPECT_EQ(check(request).message(),
            "distance is for JOIN_PREDICATE_DWITHIN only");
  request.set_distance(0);
  EXPECT_TRUE(check(request).ok());
  request.clear_set();
  EXPECT_EQ(check(request).message(),
            "set is not given: send set.geometries, a set.digest or a "
            "set.layer");
  request.mutable_set()->set_digest("");
  EXPECT_EQ(check(request).message(), "set.digest is empty");
  *request.mutable_set()->mutable_geometries() =
      testing::WktBatch({"POINT (0 0)"});
  request.mutable_set()->mutable_geometries()->set_offsets(1, 99);
  EXPECT_EQ(check(request).code(), absl::StatusCode::kInvalidArgument);

  v1::NearestRequest nearest;
  *nearest.mutable_a() = testing::WktBatch({"POINT (0 0)"});
  nearest.mutable_set()->set_layer("towns");
  nearest.set_max_distance(0);
  EXPECT_EQ(JoinPlan::ForNearest(nearest, {}, 2).status().message(),
            "max_distance must be > 0, got 0");
  nearest.clear_max_distance();
  auto plan = JoinPlan::ForNearest(nearest, {}, 2);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->k(), 1u);  // 0 means 1.
  EXPECT_TRUE(plan->all_matches());
  EXPECT_TRUE(std::isinf(plan->max_distance()));
}

}  // namespace
}  // namespace geosrpc::exec
