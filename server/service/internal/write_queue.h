// WriteQueue: serializes a server reactor's writes.
//
// gRPC allows one StartWrite in flight per stream. Producers (worker threads)
// Push messages from any thread; the queue starts the next write from
// OnWriteDone. Once the owner has Closed it, the last message goes out with
// the status in one StartWriteAndFinish (or Finish alone when nothing is
// left), exactly once, as the last thing the queue touches: after that, gRPC
// may delete the reactor (and this queue) at any moment.
//
// Thread-safety: all methods may be called concurrently.
#ifndef GEOSRPC_SERVER_SERVICE_INTERNAL_WRITE_QUEUE_H_
#define GEOSRPC_SERVER_SERVICE_INTERNAL_WRITE_QUEUE_H_

#include <grpcpp/impl/codegen/call_op_set.h>
#include <grpcpp/support/status.h>

#include <deque>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "base/sync.h"

namespace geosrpc::service::internal {

template <typename Reactor, typename Response>
class WriteQueue {
 public:
  explicit WriteQueue(Reactor* reactor) : reactor_(reactor) {}
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;

  // Queues `message`. `keep_alive` (e.g. the request the message answers) is
  // released once the message is written. Dropped if the stream is broken.
  void Push(std::unique_ptr<Response> message,
            std::shared_ptr<void> keep_alive = nullptr) {
    const Response* start = nullptr;
    {
      MutexLock lock(&mu_);
      if (broken_ || finish_called_) return;
      items_.push_back({std::move(message), std::move(keep_alive)});
      if (!writing_) {
        writing_ = true;
        start = items_.front().message.get();
      }
    }
    if (start != nullptr) reactor_->StartWrite(start);
  }

  // Call from the reactor's OnWriteDone. Returns false when the write failed
  // (the client is gone): the owner should cancel its work.
  bool OnWriteDone(bool ok) {
    Item written;
    std::deque<Item> dropped;
    const Response* next = nullptr;
    bool finish = false;
    grpc::Status status;
    {
      MutexLock lock(&mu_);
      written = std::move(items_.front());
      items_.pop_front();
      if (!ok) {
        broken_ = true;
        dropped.swap(items_);
      }
      if (!items_.empty()) {
        next = items_.front().message.get();
        // The last message of a closed stream carries the status with it.
        finish = items_.size() == 1 && TakeFinishLocked(&status);
      } else {
        writing_ = false;
        finish = TakeFinishLocked(&status);
      }
    }
    if (next != nullptr && finish) {
      reactor_->StartWriteAndFinish(next, grpc::WriteOptions(), status);
    } else if (next != nullptr) {
      reactor_->StartWrite(next);
    } else if (finish) {
      reactor_->Finish(status);  // Last touch.
    }
    return ok;
  }

  // No more Push calls will come; Finish with `status` once all is written.
  void Close(grpc::Status status) {
    bool finish;
    {
      MutexLock lock(&mu_);
      if (!closed_) {
        closed_ = true;
        status_ = std::move(status);
      }
      finish = !writing_ && TakeFinishLocked(&status);
    }
    if (finish) reactor_->Finish(status);  // Last touch.
  }

 private:
  struct Item {
    std::unique_ptr<Response> message;
    std::shared_ptr<void> keep_alive;
  };

  bool TakeFinishLocked(grpc::Status* status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!closed_ || finish_called_) return false;
    finish_called_ = true;
    *status = status_;
    return true;
  }

  Reactor* const reactor_;
  Mutex mu_;
  std::deque<Item> items_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool broken_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace geosrpc::service::internal

#endif  // GEOSRPC_SERVER_SERVICE_INTERNAL_WRITE_QUEUE_H_
