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
// A GEOS call is interrupted only once it has run on for a grace period
// after its request became due to stop: GEOS 3.11.1 leaks what some of its
// algorithms hold in raw pointers when an exception unwinds them (buffer's
// noded edges, ~0.1-0.2 MB each time; the old overlay's split edges;
// OverlayNG's snapping noder; see lsan.supp). A call that ends within the
// grace returns normally, and the caller's loop stops before its next row
// (interrupted() is already true), so only calls that would otherwise run
// on for long are cut, and the leak stays as rare as they are.
//
// Thread-safety: a scope belongs to the thread that created it; the callback
// reads only the calling thread's scope.
#ifndef GEOSRPC_SERVER_EXEC_INTERRUPT_H_
#define GEOSRPC_SERVER_EXEC_INTERRUPT_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"

namespace geosrpc::exec {

// How long a GEOS call may run on after its request is due to stop. Rows
// are bounded by the geometry limits, and nearly all take far less.
inline constexpr absl::Duration kInterruptGrace = absl::Milliseconds(100);

class InterruptScope {
 public:
  // GEOS calls made by this thread while the scope lives are interrupted
  // once `deadline` passes or `*cancelled` becomes true (null: never), and
  // `grace` has passed since a checkpoint (or Due()) first found it so.
  InterruptScope(absl::Time deadline, const std::atomic<bool>* cancelled,
                 absl::Duration grace = kInterruptGrace);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

  // For loops of our own between GEOS calls (a join's candidates, a
  // batch's rows): whether the request is due to stop (cheap: the clock is
  // read on every 16th call). No grace: our loops are safe to leave at any
  // point. Once true, interrupted() is too.
  bool Due();

  // Whether the scope found its request due to stop (at a GEOS checkpoint,
  // whether or not the call was then cut short, or in Due()), and why. A
  // caller stops once this is true, even when the call returned a result.
  bool interrupted() const { return interrupted_; }
  bool deadline_passed() const { return deadline_passed_; }

 private:
  friend void OnGeosCheckpoint();

  const absl::Time deadline_;
  const std::atomic<bool>* const cancelled_;
  const absl::Duration grace_;
  // When the request was first found due to stop.
  absl::Time due_since_ = absl::InfiniteFuture();
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
