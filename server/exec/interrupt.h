// InterruptScope: ends a long GEOS call when its own request's deadline
// passes or the request is cancelled, without touching anyone else's call.
//
// GEOS 3.11 offers one process-wide interrupt callback, called at checkpoints
// inside long algorithms (noding, buffer, overlay, polygonize, hulls), and a
// process-wide "interrupt requested" flag that any thread's next checkpoint
// consumes. geosrpc never sets that flag (GEOS_interruptRequest would end
// whichever thread checked first). Instead its callback, which GEOS runs on
// the thread doing the work, looks only at that thread's InterruptScope and,
// when it is due, throws from inside GEOS; GEOS's C API catches the exception
// like any GEOS error and reports it through that thread's context. So one
// request's interrupt can only ever end its own GEOS call.
//
// Thread-safety: a scope belongs to the thread that created it; the callback
// reads only the calling thread's scope.
#ifndef GEOSRPC_SERVER_EXEC_INTERRUPT_H_
#define GEOSRPC_SERVER_EXEC_INTERRUPT_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"

namespace geosrpc::exec {

class InterruptScope {
 public:
  // GEOS calls made by this thread while the scope lives are interrupted
  // once `deadline` passes or `*cancelled` becomes true (null: never).
  InterruptScope(absl::Time deadline, const std::atomic<bool>* cancelled);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  // For loops of our own between GEOS calls (a join's candidates, say):
  // whether the request is due to stop, as a GEOS checkpoint would find
  // (cheap: the clock is read on every 16th call). Once true, interrupted()
  // is too.
  bool Due();

  // Whether a GEOS call (or a Due() check) was interrupted in this scope,
  // and why.
  bool interrupted() const { return interrupted_; }
  bool deadline_passed() const { return deadline_passed_; }

 private:
  friend void OnGeosCheckpoint();

  const absl::Time deadline_;
  const std::atomic<bool>* const cancelled_;
  InterruptScope* const outer_;
  uint32_t calls_ = 0;
  bool interrupted_ = false;
  bool deadline_passed_ = false;
};

// The message GEOS reports for an interrupted call.
inline constexpr char kInterruptedMessage[] =
    "geosrpc: interrupted (deadline passed or call cancelled)";

}  // namespace geosrpc::exec

#endif  // GEOSRPC_SERVER_EXEC_INTERRUPT_H_
