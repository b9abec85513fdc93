#include "server/metrics/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace geosrpc::metrics {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Metrics> Make() {
  auto m = Metrics::Create({.listen_address = ""});
  EXPECT_TRUE(m.ok()) << m.status();
  return *std::move(m);
}

TEST(MetricsTest, CountsRpcsByMethodAndCode) {
  auto m = Make();
  m->RpcStarted("Compute");
  m->RpcStarted("Compute");
  m->RpcHandled("Compute", 0, absl::Milliseconds(3));
  m->RpcHandled("Compute", 3, absl::Milliseconds(1));
  const std::string text = m->Scrape();
  EXPECT_THAT(text,
              HasSubstr("geosrpc_rpcs_started_total{method=\"Compute\"} 2"));
  EXPECT_THAT(
      text,
      HasSubstr(
          "geosrpc_rpcs_handled_total{code=\"OK\",method=\"Compute\"} 1"));
  EXPECT_THAT(text,
              HasSubstr("geosrpc_rpcs_handled_total{code=\"INVALID_ARGUMENT\","
                        "method=\"Compute\"} 1"));
  EXPECT_THAT(
      text,
      HasSubstr("geosrpc_rpc_duration_seconds_count{method=\"Compute\"} 2"));
  EXPECT_THAT(text, HasSubstr("geosrpc_inflight_requests 0"));
}

TEST(MetricsTest, CountsRowsComputeTimeAndRowErrorsByOperation) {
  auto m = Make();
  v1::ComputeSummary summary;
  summary.set_rows(1000);
  summary.set_worker_seconds(0.25);
  (*summary.mutable_row_errors_by_code())[3] = 7;
  (*summary.mutable_row_errors_by_code())[9] = 2;
  m->BatchDone(v1::OP_CODE_DISTANCE, summary);
  const std::string text = m->Scrape();
  EXPECT_THAT(text,
              HasSubstr("geosrpc_rows_processed_total{op=\"distance\"} 1000"));
  EXPECT_THAT(text,
              HasSubstr("geosrpc_compute_seconds_total{op=\"distance\"} 0.25"));
  EXPECT_THAT(text,
              HasSubstr("geosrpc_row_errors_total{code=\"INVALID_ARGUMENT\","
                        "op=\"distance\"} 7"));
  EXPECT_THAT(text,
              HasSubstr("geosrpc_row_errors_total{code=\"FAILED_PRECONDITION\","
                        "op=\"distance\"} 2"));
  EXPECT_THAT(text, HasSubstr("geosrpc_batch_rows_count 1"));
}

TEST(MetricsTest, TracksTheQueueAndWorkers) {
  auto m = Make();
  m->SetWorkers(2);
  m->OnQueueDepth(5);
  m->OnTaskStart(absl::Milliseconds(2));
  std::string text = m->Scrape();
  EXPECT_THAT(text, HasSubstr("geosrpc_queue_tasks 5"));
  EXPECT_THAT(text, HasSubstr("geosrpc_workers 2"));
  EXPECT_THAT(text, HasSubstr("geosrpc_workers_busy 1"));
  EXPECT_THAT(text, HasSubstr("geosrpc_queue_wait_seconds_count 1"));
  m->OnTaskEnd(absl::Milliseconds(500));
  text = m->Scrape();
  EXPECT_THAT(text, HasSubstr("geosrpc_workers_busy 0"));
  EXPECT_THAT(text, HasSubstr("geosrpc_worker_busy_seconds_total 0.5"));
  EXPECT_THAT(text, HasSubstr("geosrpc_build_info{geos=\""));
}

TEST(MetricsTest, ServesHttpOnAPickedPortAndReportsBindFailures) {
  auto m = Metrics::Create({.listen_address = "127.0.0.1:0"});
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_GT((*m)->port(), 0);
  auto clash = Metrics::Create(
      {.listen_address = "127.0.0.1:" + std::to_string((*m)->port())});
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace geosrpc::metrics
