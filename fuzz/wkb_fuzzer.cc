// libFuzzer harness: the bytes as one WKB row (ValidateWkb, DecodeRows with
// GEOS, InspectRow, re-encoding); see row_checks.h for what is asserted.

#include <cstddef>
#include <cstdint>

#include "fuzz/row_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  geosrpc::fuzz::CheckRow(
      geosrpc::batch::Encoding::kWkb,
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
