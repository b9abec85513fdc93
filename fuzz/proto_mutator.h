// ProtoMutator: structure-aware mutations of v1 request messages, for the
// request harnesses' LLVMFuzzerCustomMutator.
//
// A serialized request mutated byte by byte rarely parses again, so the
// request harnesses mutate the parsed message instead, through protobuf
// reflection, one change at a time:
//
//   - any scalar field, set or not, anywhere in the message: an interesting
//     value for its type (0, -1, NaN, +-inf, 1e150, the type's extremes,
//     ...), a small step, or random bits; an enum: a declared value or,
//     rarely, an undeclared number; a oneof switches member this way;
//   - a GeometryBatch as rows: one row's bytes mutated by libFuzzer
//     (LLVMFuzzerMutate), a row replaced by a sample geometry in the
//     batch's encoding (every WKB type and flavour, WKT, GeoJSON), a row
//     duplicated or dropped, the encoding changed, or, rarely, one offset
//     broken;
//   - a Geometry (a broadcast operand) as one such row.
//
// Rows stay consistent with their offsets unless an offset is broken on
// purpose, so most mutants pass ComputePlan / JoinPlan and reach the
// workers, while the plans' own checks still see malformed shapes.
//
// Thread-safety: stateless apart from the Rng the caller passes; libFuzzer
// calls custom mutators from one thread.
#ifndef GEOSRPC_FUZZ_PROTO_MUTATOR_H_
#define GEOSRPC_FUZZ_PROTO_MUTATOR_H_

#include <google/protobuf/message.h>

#include <cstddef>
#include <cstdint>
#include <random>

namespace geosrpc::fuzz {

using Rng = std::minstd_rand;

// Applies one to three mutations to `message`.
void MutateMessage(google::protobuf::Message* message, Rng& rng);

// The body of an LLVMFuzzerCustomMutator for messages like `prototype`
// serialized after `prefix` bytes the mutator leaves alone (0 or 1; the
// join harness's first byte chooses the message type). Parses data[prefix,
// size) as such a message (an unparsable one starts empty), mutates it and
// writes it back; if it no longer fits max_size, or one time in eight,
// mutates the raw bytes with LLVMFuzzerMutate instead, so the wire format
// itself is fuzzed too. Returns the new size.
size_t MutateSerialized(const google::protobuf::Message& prototype,
                        size_t prefix, uint8_t* data, size_t size,
                        size_t max_size, unsigned int seed);

}  // namespace geosrpc::fuzz

#endif  // GEOSRPC_FUZZ_PROTO_MUTATOR_H_
