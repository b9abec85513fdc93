// proj::Context: one PROJ context (PJ_CONTEXT) that cannot reach the network,
// with PROJ's messages captured as data, and the objects made through it kept
// for reuse: coordinate transformations (LRU, by their pair of CRSs) and what
// each SRID names.
//
// Thread-safety: a Context is used by one thread at a time; PROJ objects and
// contexts must never be shared between threads. Each worker owns one
// (exec::Worker), as it owns its geos::Context. PROJ reports errors through a
// log callback that runs inside C frames, so the callback never throws: it
// records the message, and the caller turns the failed call into an
// absl::Status with Error().
//
// Why cache: creating a transformation looks up the CRSs and the operations
// between them in PROJ's database, 0.1 to 30 ms (bench/RESULTS.md), while
// applying one costs ~0.1-1 us a coordinate. Entries, failures included
// (a row's unknown SRID is looked up once, not once per row), are kept
// until `max_transformations` newer pairs push them out.
#ifndef GEOSRPC_SERVER_PROJ_CONTEXT_H_
#define GEOSRPC_SERVER_PROJ_CONTEXT_H_

#include <proj.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/proj/handles.h"

namespace geosrpc::proj {

// The longest CRS text accepted (a WKT2 projected CRS with its usage and
// remarks is 2-6 KB).
inline constexpr size_t kMaxCrsLength = 16384;

// A coordinate transformation between two CRSs, ready to apply.
struct Transformation {
  // With always_xy, normalized for visualization (x = longitude or easting).
  PjPtr op;
  // The EPSG code of the target CRS, or 0 when it has none.
  int target_srid = 0;
  // "EPSG:4326 -> EPSG:3857", each CRS text shortened, for messages.
  std::string label;
};

class Context {
 public:
  struct Options {
    // Transformations kept, least recently used evicted first.
    size_t max_transformations = 64;
  };

  Context();
  explicit Context(const Options& options);
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  PJ_CONTEXT* handle() const { return handle_.get(); }

  // Takes ownership of an object PROJ made through this context.
  PjPtr Own(PJ* p) const { return PjPtr(p, {handle()}); }

  // The status for a PROJ call that just failed: `code` with "what: <the
  // message PROJ logged, or its error number's text>". Clears the message.
  absl::Status Error(absl::StatusCode code, absl::string_view what);

  // The CRS `text` names: an AUTH:CODE ("EPSG:3857"), a PROJ string
  // ("+proj=utm +zone=33 +datum=WGS84"; +type=crs is implied), WKT,
  // PROJJSON or an OGC URN. Names ("WGS 84") are refused: resolving one
  // scans the whole database (~0.4 s) and matches loosely ("foo" finds
  // Amersfoort, EPSG:4289). INVALID_ARGUMENT with PROJ's reason otherwise.
  absl::StatusOr<PjPtr> CreateCrs(absl::string_view text);

  // The transformation from CRS `from` to CRS `to` (texts as CreateCrs
  // reads them), from the cache or created and cached. The pointer is valid
  // until the next call. INVALID_ARGUMENT when either CRS is unusable or
  // PROJ finds no operation between them.
  absl::StatusOr<const Transformation*> FindTransformation(
      const std::string& from, const std::string& to, bool always_xy);

  // Transforms `n` coordinates from `in` into `out` (which may be `in`):
  // x, y (and z when `dims` is 3) interleaved. INVALID_ARGUMENT naming the
  // first coordinate PROJ could not transform or answered with a
  // non-finite value (its input, unless transformed in place); `out` is
  // then partly transformed.
  absl::Status Transform(const Transformation& t, const double* in, double* out,
                         size_t n, int dims);

  // Whether EPSG:`srid` is a geographic (longitude/latitude) CRS, cached.
  // INVALID_ARGUMENT when PROJ does not know the code.
  absl::StatusOr<bool> IsGeographic(int srid);

  // Transformations created (cache misses), for tests and benchmarks.
  uint64_t transformations_created() const { return created_; }

 private:
  static void OnLog(void* self, int level, const char* message);
  absl::StatusOr<std::unique_ptr<Transformation>> CreateTransformation(
      const std::string& from, const std::string& to, bool always_xy);

  const Options options_;
  // Declared first, so destroyed last: every object below is destroyed
  // before proj_context_destroy.
  ContextHandle handle_;
  std::string last_error_;

  struct Entry {
    std::string key;  // Key(from, to, always_xy), as in `index_`.
    std::string from, to;
    bool always_xy = true;
    absl::StatusOr<std::unique_ptr<Transformation>> transformation;
  };
  // Most recently used first; `index_` maps each entry's key to it.
  std::list<Entry> lru_;
  absl::flat_hash_map<std::string, std::list<Entry>::iterator> index_;
  uint64_t created_ = 0;
  // IsGeographic's answers: OK and whether geographic, or why not known.
  absl::flat_hash_map<int, std::pair<absl::Status, bool>> geographic_;
};

// `text`, cut to about 60 characters for a message.
std::string ShortCrs(absl::string_view text);

}  // namespace geosrpc::proj

#endif  // GEOSRPC_SERVER_PROJ_CONTEXT_H_
