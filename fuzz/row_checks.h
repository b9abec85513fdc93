// Row checks: the invariants the input path keeps for one untrusted row,
// asserted by the row harnesses (wkb_fuzzer, hex_wkb_fuzzer, wkt_fuzzer,
// geojson_fuzzer) on whatever libFuzzer hands them.
//
//   - validation and decoding agree: a row that validation (ValidateWkb,
//     after DecodeHex for hex; PrecheckWkt or PrecheckGeoJson for text)
//     refuses fails DecodeRows with exactly that error and without GEOS
//     parsing a byte of it; a WKB row it accepts decodes;
//   - InspectRow answers as DecodeRows does (status, vertices, x extent);
//   - the x extent reported contains every coordinate GEOS holds;
//   - what decodes re-encodes (every WKB flavour, hex, WKT, GeoJSON) as
//     input that decodes again, WKB to the same vertex count.
//
// Every GEOS parse made anywhere in a harness binary also passes through
// the guard in geos_guard.cc, which aborts if GEOS is handed WKB that
// ValidateWkb refuses or text whose precheck fails.
//
// A broken invariant prints what broke and aborts, which libFuzzer reports
// as a crash with the input that caused it.
//
// Thread-safety: CheckRow uses a GEOS context of the calling thread's own;
// any number of threads may call it.
#ifndef GEOSRPC_FUZZ_ROW_CHECKS_H_
#define GEOSRPC_FUZZ_ROW_CHECKS_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "server/batch/decode.h"
#include "server/batch/wkb.h"

namespace geosrpc::fuzz {

// Prints "fuzz check failed: <what>" with the location and aborts.
[[noreturn]] void CheckFailed(const char* file, int line,
                              absl::string_view what);

#define FUZZ_CHECK(cond, what)                                \
  do {                                                        \
    if (!(cond)) {                                            \
      ::geosrpc::fuzz::CheckFailed(__FILE__, __LINE__, what); \
    }                                                         \
  } while (0)

// The limits the row harnesses decode with: the service's defaults, with
// fewer vertices so that one input stays fast.
batch::GeometryLimits RowLimits();

// Asserts every invariant above for `bytes` as one row in `encoding`.
void CheckRow(batch::Encoding encoding, absl::string_view bytes);

// GEOS parses (WKB, WKT or GeoJSON readers) this thread has made, for
// checking that a refused row reached none (see geos_guard.cc).
uint64_t GeosReadsOnThisThread();

}  // namespace geosrpc::fuzz

#endif  // GEOSRPC_FUZZ_ROW_CHECKS_H_
