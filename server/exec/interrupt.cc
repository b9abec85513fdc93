#include "server/exec/interrupt.h"

#include <geos_c.h>

#include <mutex>
#include <stdexcept>

#include "absl/time/clock.h"

namespace geosrpc::exec {
namespace {

thread_local InterruptScope* current_scope = nullptr;

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error(kInterruptedMessage) {}
};

// Checkpoints can be frequent; the clock is read on every 16th.
constexpr uint32_t kClockEvery = 16;

}  // namespace

bool InterruptScope::Due() {
  const bool cancelled =
      cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed);
  if (!cancelled && ++calls_ % kClockEvery != 0) return false;
  const bool late = absl::Now() > deadline_;
  if (!cancelled && !late) return false;
  if (!interrupted_) due_since_ = absl::Now();
  interrupted_ = true;
  deadline_passed_ = late;
  return true;
}

void OnGeosCheckpoint() {
  InterruptScope* s = current_scope;
  if (s == nullptr || !s->Due()) return;
  // Within the grace the call goes on (see interrupt.h).
  if (s->grace_ > absl::ZeroDuration() &&
      absl::Now() - s->due_since_ < s->grace_) {
    return;
  }
  // Unwinds through GEOS's C++ frames to its C API, which catches it.
  throw Interrupted();
}

InterruptScope::InterruptScope(absl::Time deadline,
                               const std::atomic<bool>* cancelled,
                               absl::Duration grace)
    : deadline_(deadline),
      cancelled_(cancelled),
      grace_(grace),
      outer_(current_scope) {
  static std::once_flag installed;
  std::call_once(installed,
                 [] { GEOS_interruptRegisterCallback(&OnGeosCheckpoint); });
  current_scope = this;
}

InterruptScope::~InterruptScope() { current_scope = outer_; }

}  // namespace geosrpc::exec
