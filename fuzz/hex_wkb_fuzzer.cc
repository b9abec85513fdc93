// libFuzzer harness: hex WKB. The first byte chooses what the rest is: hex
// text as sent (odd length, stray characters and all) when it is even, or
// WKB bytes to write as hex (upper case when it is 1 mod 4) so that
// mutations of binary WKB reach the validator through the hex path. Every
// input is also checked to decode as its decoded bytes do as WKB. See
// row_checks.h for the rest.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "fuzz/row_checks.h"
#include "server/geos/context.h"

namespace {

using geosrpc::batch::Encoding;

void CheckHexMatchesWkb(absl::string_view hex) {
  thread_local geosrpc::geos::Context context;
  std::string wkb;
  if (!geosrpc::batch::DecodeHex(hex, &wkb).ok() || hex.empty()) return;
  const geosrpc::batch::GeometryLimits limits = geosrpc::fuzz::RowLimits();
  std::string scratch;
  const auto from_hex = geosrpc::batch::InspectRow(context, Encoding::kHexWkb,
                                                   hex, limits, &scratch);
  const auto from_wkb = geosrpc::batch::InspectRow(context, Encoding::kWkb, wkb,
                                                   limits, &scratch);
  FUZZ_CHECK(
      from_hex.status() == from_wkb.status(),
      absl::StrCat("hex row says ", from_hex.status().ToString(),
                   ", its bytes as WKB say ", from_wkb.status().ToString()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view rest(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  std::string hex;
  if (data[0] % 2 == 0) {
    hex = std::string(rest);
  } else {
    hex = absl::BytesToHexString(rest);
    if (data[0] % 4 == 1) hex = absl::AsciiStrToUpper(hex);
  }
  geosrpc::fuzz::CheckRow(Encoding::kHexWkb, hex);
  CheckHexMatchesWkb(hex);
  return 0;
}
