#include "server/service/request_log.h"

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace geosrpc::service {

void LogRequest(const RequestRecord& r) {
  std::string line = absl::StrCat(
      "{\"ts\":\"",
      absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone()),
      "\",\"method\":\"", r.method, "\",\"op\":\"", r.op, "\"");
  if (r.batch_id >= 0) absl::StrAppend(&line, ",\"batch_id\":", r.batch_id);
  if (r.pairs >= 0) absl::StrAppend(&line, ",\"pairs\":", r.pairs);
  absl::StrAppend(
      &line, ",\"rows\":", r.rows, ",\"errors\":", r.error_rows,
      ",\"duration_ms\":",
      absl::StrFormat("%.3f", absl::ToDoubleMilliseconds(r.duration)),
      ",\"code\":\"",
      absl::StatusCodeToString(static_cast<absl::StatusCode>(r.code)), "\"");
  if (!r.message.empty()) {
    absl::StrAppend(&line, ",\"message\":\"", absl::CEscape(r.message), "\"");
  }
  line += "}\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace geosrpc::service
