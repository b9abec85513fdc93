// A binary's own flags — those its main.cc defines — told apart from the
// flags of the libraries it links (Abseil's --helpfull, --flagfile, ...).
//
// Abseil's --help lists only the flags defined in a file named after the
// binary (geosrpc_server.cc, geosrpc_server_main.cc, ...); ours are defined
// in main.cc, so --help printed "No flags matched". ShowFlagsInHelp points
// --help at main.cc instead.
//
// Thread-safety: call ShowFlagsInHelp on the main thread before
// absl::ParseCommandLine. FlagsDefinedWith only reads the flag registry and
// may be called from any thread.
#ifndef GEOSRPC_BASE_FLAGS_H_
#define GEOSRPC_BASE_FLAGS_H_

#include <vector>

#include "absl/flags/commandlineflag.h"

namespace geosrpc {

// Makes --help and --helpshort list, with their defaults and help, the flags
// defined in the same file as `flag` — one of main.cc's own, e.g.
// absl::GetFlagReflectionHandle(FLAGS_workers).
void ShowFlagsInHelp(const absl::CommandLineFlag& flag);

// Every flag defined in the same file as `flag`, sorted by name.
std::vector<absl::CommandLineFlag*> FlagsDefinedWith(
    const absl::CommandLineFlag& flag);

}  // namespace geosrpc

#endif  // GEOSRPC_BASE_FLAGS_H_
