#include "server/service/internal/write_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace geosrpc::service::internal {
namespace {

// Records what a reactor would be asked to do.
struct FakeReactor {
  std::vector<std::string> started;
  int finishes = 0;
  grpc::Status finished_with;
  void StartWrite(const std::string* s) { started.push_back(*s); }
  void StartWriteAndFinish(const std::string* s, grpc::WriteOptions,
                           grpc::Status status) {
    started.push_back(*s + "+finish");
    Finish(status);
  }
  void Finish(grpc::Status s) {
    ++finishes;
    finished_with = s;
  }
};

std::unique_ptr<std::string> Msg(const char* s) {
  return std::make_unique<std::string>(s);
}

TEST(WriteQueueTest, KeepsOneWriteInFlightAndFinishesAfterTheLast) {
  FakeReactor reactor;
  WriteQueue<FakeReactor, std::string> queue(&reactor);
  queue.Push(Msg("a"));
  queue.Push(Msg("b"));
  queue.Close(grpc::Status::OK);
  EXPECT_EQ(reactor.started, std::vector<std::string>{"a"});
  EXPECT_EQ(reactor.finishes, 0);
  // The last message and the status leave together.
  EXPECT_TRUE(queue.OnWriteDone(true));
  EXPECT_EQ(reactor.started, (std::vector<std::string>{"a", "b+finish"}));
  EXPECT_EQ(reactor.finishes, 1);
  EXPECT_TRUE(reactor.finished_with.ok());
}

TEST(WriteQueueTest, WritesEachMessageWhileOpen) {
  FakeReactor reactor;
  WriteQueue<FakeReactor, std::string> queue(&reactor);
  queue.Push(Msg("a"));
  queue.Push(Msg("b"));
  EXPECT_TRUE(queue.OnWriteDone(true));
  EXPECT_EQ(reactor.started, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(queue.OnWriteDone(true));
  EXPECT_EQ(reactor.finishes, 0);
  queue.Close(grpc::Status::OK);  // Nothing left: Finish alone.
  EXPECT_EQ(reactor.finishes, 1);
}

TEST(WriteQueueTest, FinishesAtOnceWhenNothingIsPending) {
  FakeReactor reactor;
  WriteQueue<FakeReactor, std::string> queue(&reactor);
  queue.Close(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad"));
  EXPECT_EQ(reactor.finishes, 1);
  EXPECT_EQ(reactor.finished_with.error_message(), "bad");
  queue.Close(grpc::Status::OK);  // Idempotent.
  queue.Push(Msg("late"));        // Dropped after Finish.
  EXPECT_EQ(reactor.finishes, 1);
  EXPECT_TRUE(reactor.started.empty());
}

TEST(WriteQueueTest, AFailedWriteDropsTheRestAndReleasesKeepAlives) {
  FakeReactor reactor;
  WriteQueue<FakeReactor, std::string> queue(&reactor);
  auto request = std::make_shared<int>(7);
  std::weak_ptr<int> weak = request;
  queue.Push(Msg("a"));
  queue.Push(Msg("b"), std::move(request));
  EXPECT_FALSE(queue.OnWriteDone(false));
  EXPECT_TRUE(weak.expired());
  queue.Push(Msg("c"));
  EXPECT_EQ(reactor.started, std::vector<std::string>{"a"});
  queue.Close(grpc::Status::CANCELLED);
  EXPECT_EQ(reactor.finishes, 1);
}

}  // namespace
}  // namespace geosrpc::service::internal
