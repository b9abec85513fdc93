#include "base/flags.h"

#include <algorithm>
#include <string>

#include "absl/flags/reflection.h"
#include "absl/flags/usage_config.h"

namespace geosrpc {

void ShowFlagsInHelp(const absl::CommandLineFlag& flag) {
  absl::FlagsUsageConfig config;
  // Abseil hands the filter the same (normalized) name Filename() returns.
  config.contains_help_flags =
      [file = flag.Filename()](absl::string_view filename) {
        return filename == file;
      };
  config.contains_helpshort_flags = config.contains_help_flags;
  absl::SetFlagsUsageConfig(config);
}

std::vector<absl::CommandLineFlag*> FlagsDefinedWith(
    const absl::CommandLineFlag& flag) {
  const std::string file = flag.Filename();
  std::vector<absl::CommandLineFlag*> flags;
  for (const auto& [name, f] : absl::GetAllFlags()) {
    if (f->Filename() == file) flags.push_back(f);
  }
  std::sort(flags.begin(), flags.end(),
            [](const absl::CommandLineFlag* a, const absl::CommandLineFlag* b) {
              return a->Name() < b->Name();
            });
  return flags;
}

}  // namespace geosrpc
