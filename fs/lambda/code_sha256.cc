#include "fs/lambda/code_sha256.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace layerfs {

void CodeDigester::ContextDeleter::operator()(evp_md_ctx_st* ctx) const {
  EVP_MD_CTX_free(ctx);
}

Result<CodeDigester> CodeDigester::Start() {
  std::unique_ptr<evp_md_ctx_st, ContextDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return Status::IoError("cannot start a SHA-256 digest (OpenSSL)");
  }
  return CodeDigester(std::move(ctx));
}

Status CodeDigester::Update(std::span<const std::byte> bytes) {
  if (ctx_ == nullptr) {
    return Status::InvalidArgument("CodeDigester used after Finish");
  }
  if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) {
    return Status::IoError("SHA-256 update failed (OpenSSL)");
  }
  size_ += bytes.size();
  return Status::Ok();
}

Result<CodeDigest> CodeDigester::Finish() {
  if (ctx_ == nullptr) {
    return Status::InvalidArgument("CodeDigester finished twice");
  }
  std::array<std::byte, EVP_MAX_MD_SIZE> digest;
  unsigned int length = 0;
  int rc = EVP_DigestFinal_ex(
      ctx_.get(), reinterpret_cast<unsigned char*>(digest.data()), &length);
  ctx_.reset();
  if (rc != 1) return Status::IoError("SHA-256 final failed (OpenSSL)");
  return CodeDigest{Base64Encode(std::span(digest.data(), length)), size_};
}

Result<CodeDigest> DigestCodeFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::IoError(path + ": cannot open: " + std::strerror(errno));
  }
  Result<CodeDigester> digester = CodeDigester::Start();
  std::vector<std::byte> buffer(1 << 16);
  Status status;
  while (digester.ok() && status.ok()) {
    ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      status = Status::IoError(path + ": read failed: " + std::strerror(errno));
      break;
    }
    if (n == 0) break;
    status = digester->Update(std::span(buffer.data(), std::size_t(n)));
  }
  close(fd);
  if (!digester.ok()) return digester.status();
  if (!status.ok()) return status;
  return digester->Finish();
}

std::string Base64Encode(std::span<const std::byte> bytes) {
  // EVP_EncodeBlock writes 4 characters per 3 bytes and a NUL, no newlines.
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : std::size_t(n));
  return out;
}

bool IsWellFormedCodeSha256(std::string_view text) {
  if (text.size() != 44 || text[43] != '=') return false;
  for (std::size_t i = 0; i < 43; ++i) {
    char c = text[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace layerfs
