// RAII ownership of PROJ handles.
//
// A PJ_CONTEXT is destroyed by ContextHandle; every PJ (a CRS, a coordinate
// operation, an ellipsoid) by PjPtr, whose deleter carries the context that
// owns the object. PROJ's destroy functions take no context (each object
// remembers the one it was made with), so the deleter attaches the object to
// its owner again before destroying it: whatever PROJ logs while tearing the
// object down reaches that context's handler, and ownership and the
// destroying context travel together as with GEOS (server/geos/handles.h).
//
// Thread-safety: PROJ objects are not thread-safe; a handle is used and
// destroyed by the thread that owns its context, and the context outlives
// every object made through it (declare the ContextHandle first).
#ifndef GEOSRPC_SERVER_PROJ_HANDLES_H_
#define GEOSRPC_SERVER_PROJ_HANDLES_H_

#include <proj.h>

#include <memory>

namespace geosrpc::proj {

struct ContextDestroyer {
  void operator()(PJ_CONTEXT* context) const {
    if (context != nullptr) proj_context_destroy(context);
  }
};
using ContextHandle = std::unique_ptr<PJ_CONTEXT, ContextDestroyer>;

struct PjDeleter {
  PJ_CONTEXT* context = nullptr;
  void operator()(PJ* p) const {
    if (p == nullptr) return;
    proj_assign_context(p, context);
    proj_destroy(p);
  }
};
using PjPtr = std::unique_ptr<PJ, PjDeleter>;

}  // namespace geosrpc::proj

#endif  // GEOSRPC_SERVER_PROJ_HANDLES_H_
