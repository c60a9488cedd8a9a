#include "fs/source/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <ctime>

#include "fs/base/printable.h"

namespace layerfs {

namespace {

std::string Sha256Hex(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return HexOf(digest);
}

std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string FormatUtc(std::chrono::system_clock::time_point t, const char* format) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string SigV4CanonicalUri(const std::string& path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out.empty() ? "/" : out;
}

std::vector<std::string> SigV4Headers(const SigV4Request& request,
                                      const AwsCredentials& credentials,
                                      std::chrono::system_clock::time_point now) {
  const std::string amz_date = FormatUtc(now, "%Y%m%dT%H%M%SZ");
  const std::string day = amz_date.substr(0, 8);
  const bool token = !credentials.session_token.empty();
  std::string canonical_headers = "host:" + request.host + "\nx-amz-date:" + amz_date + "\n";
  std::string signed_headers = "host;x-amz-date";
  if (token) {
    canonical_headers += "x-amz-security-token:" + credentials.session_token + "\n";
    signed_headers += ";x-amz-security-token";
  }
  const std::string canonical_request = "GET\n" + SigV4CanonicalUri(request.path) + "\n\n" +
                                        canonical_headers + "\n" + signed_headers + "\n" +
                                        Sha256Hex("");
  const std::string scope = day + "/" + request.region + "/" + request.service + "/aws4_request";
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(canonical_request);
  std::string key = Hmac("AWS4" + credentials.secret_access_key, day);
  key = Hmac(key, request.region);
  key = Hmac(key, request.service);
  key = Hmac(key, "aws4_request");
  const std::string mac = Hmac(key, to_sign);
  const std::string signature =
      HexOf({reinterpret_cast<const unsigned char*>(mac.data()), mac.size()});
  std::vector<std::string> headers = {
      "Authorization: AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
          ", SignedHeaders=" + signed_headers + ", Signature=" + signature,
      "x-amz-date: " + amz_date};
  if (token) headers.push_back("x-amz-security-token: " + credentials.session_token);
  return headers;
}

}  // namespace layerfs
