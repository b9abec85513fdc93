// SetDigest: the name a server knows an indexed set by (IndexedSet.digest),
// computed on the client, so a request can name a set the server may hold
// instead of sending it again.
//
// "sha256:" and the lower-case hex SHA-256 of: the batch's encoding as one
// byte (ENCODING_UNSPECIFIED counts as ENCODING_WKB, as the server reads
// it), the row count as 8 little-endian bytes, then each row as its length
// in 8 little-endian bytes followed by its bytes. The server computes the
// same (server/layers/indexed_set.h); a layer's digest is that of its file
// as base/input reads it.
//
// Thread-safety: a pure function; safe from any number of threads.
#ifndef GEOSRPC_CLIENT_CPP_DIGEST_H_
#define GEOSRPC_CLIENT_CPP_DIGEST_H_

#include <string>

#include "geosrpc/v1/geometry_service.pb.h"

namespace geosrpc::client {

// The digest of `batch`, which must be well formed (n+1 offsets, starting
// at 0, never decreasing, ending at data.size()); rows outside `data` are
// cut to it rather than read past it. Empty for a batch of coordinates
// (ENCODING_COORDINATES): the server digests the WKB rows it makes of them,
// which this does not compute, so such sets always go whole.
std::string SetDigest(const v1::GeometryBatch& batch);

}  // namespace geosrpc::client

#endif  // GEOSRPC_CLIENT_CPP_DIGEST_H_
