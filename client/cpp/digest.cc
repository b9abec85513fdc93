#include "client/cpp/digest.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace geosrpc::client {
namespace {

struct FreeContext {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

void UpdateWord(EVP_MD_CTX* ctx, uint64_t v) {
  unsigned char word[8];
  for (int i = 0; i < 8; ++i)
    word[i] = static_cast<unsigned char>(v >> (8 * i));
  EVP_DigestUpdate(ctx, word, sizeof(word));
}

}  // namespace

std::string SetDigest(const v1::GeometryBatch& batch) {
  if (batch.encoding() == v1::ENCODING_COORDINATES) return "";
  std::unique_ptr<EVP_MD_CTX, FreeContext> ctx(EVP_MD_CTX_new());
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  const unsigned char encoding = static_cast<unsigned char>(
      batch.encoding() == v1::ENCODING_UNSPECIFIED ? v1::ENCODING_WKB
                                                   : batch.encoding());
  EVP_DigestUpdate(ctx.get(), &encoding, 1);
  const size_t rows = batch.offsets_size() > 0 ? batch.offsets_size() - 1 : 0;
  UpdateWord(ctx.get(), rows);
  const absl::string_view data = batch.data();
  for (size_t i = 0; i < rows; ++i) {
    const size_t begin = std::min<uint64_t>(batch.offsets(i), data.size());
    const size_t end =
        std::clamp<uint64_t>(batch.offsets(i + 1), begin, data.size());
    UpdateWord(ctx.get(), end - begin);
    EVP_DigestUpdate(ctx.get(), data.data() + begin, end - begin);
  }
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), hash, &size);
  return absl::StrCat("sha256:",
                      absl::BytesToHexString(absl::string_view(
                          reinterpret_cast<const char*>(hash), size)));
}

}  // namespace geosrpc::client
