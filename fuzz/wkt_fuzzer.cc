// libFuzzer harness: the bytes as one WKT row (PrecheckWkt, GEOS's parse,
// the WKB it writes held to ValidateWkb, InspectRow, re-encoding); see
// row_checks.h for what is asserted. wkt.dict holds WKT's words.

#include <cstddef>
#include <cstdint>

#include "fuzz/row_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  geosrpc::fuzz::CheckRow(
      geosrpc::batch::Encoding::kWkt,
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
