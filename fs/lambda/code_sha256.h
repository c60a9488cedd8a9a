// CodeSha256 and CodeSize: how Lambda identifies a deployment package's bytes.
//
// Lambda reports a zip's CodeSha256 as the base64 (standard alphabet, with
// padding) of the SHA-256 of the zip's bytes, not the hex digest that
// sha256sum prints, and CodeSize as its length in bytes. A CodeDigester
// takes the bytes as they stream past (the layer store hashes while it
// copies), so a file is never held in memory.
//
// A CodeDigester is confined to one thread; the free functions are safe
// from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "fs/base/status.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace layerfs {

struct CodeDigest {
  std::string code_sha256;  // base64 of the SHA-256, 44 characters
  uint64_t code_size = 0;   // bytes digested
};

class CodeDigester {
 public:
  // Fails only if OpenSSL cannot provide SHA-256 (e.g. out of memory).
  static Result<CodeDigester> Start();

  CodeDigester(CodeDigester&&) noexcept = default;
  CodeDigester& operator=(CodeDigester&&) noexcept = default;

  Status Update(std::span<const std::byte> bytes);
  // Ends the digest; the digester is spent afterwards.
  Result<CodeDigest> Finish();

 private:
  struct ContextDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  explicit CodeDigester(std::unique_ptr<evp_md_ctx_st, ContextDeleter> ctx)
      : ctx_(std::move(ctx)) {}

  std::unique_ptr<evp_md_ctx_st, ContextDeleter> ctx_;
  uint64_t size_ = 0;
};

// Reads the file at `path` and digests it.
Result<CodeDigest> DigestCodeFile(const std::string& path);

// Standard base64 with padding, as Lambda writes CodeSha256.
std::string Base64Encode(std::span<const std::byte> bytes);

// True if `text` looks like a CodeSha256: 44 base64 characters ending '='.
bool IsWellFormedCodeSha256(std::string_view text);

}  // namespace layerfs
