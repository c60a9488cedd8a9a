#include "fs/source/s3_location.h"

namespace layerfs {

namespace {

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

// Bucket names S3 has ever allowed (legacy us-east-1 ones included).
bool IsBucketName(const std::string& b) {
  if (b.empty() || b.size() > 255) return false;
  for (char c : b) {
    if (!(IsUnreserved(c) && c != '~')) return false;
  }
  return true;
}

// A bucket that can lead a TLS host name under *.s3.REGION.amazonaws.com:
// one DNS label (a dot would fall outside the wildcard certificate).
bool IsVirtualHostable(const std::string& b) {
  if (b.size() < 3 || b.size() > 63 || b.front() == '-' || b.back() == '-') return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

Result<S3Location> ParseS3Url(const std::string& url) {
  if (!IsS3Url(url)) return Status::InvalidArgument(url + ": not an s3:// URL");
  const std::string rest = url.substr(5);
  size_t slash = rest.find('/');
  S3Location loc;
  loc.bucket = rest.substr(0, slash);
  if (loc.bucket.empty()) return Status::InvalidArgument(url + ": no bucket (s3://BUCKET/KEY)");
  if (!IsBucketName(loc.bucket)) {
    return Status::InvalidArgument(url + ": '" + loc.bucket + "' is not a bucket name");
  }
  if (slash == std::string::npos || slash + 1 == rest.size()) {
    return Status::InvalidArgument(url + ": no object key (s3://BUCKET/KEY)");
  }
  loc.key = rest.substr(slash + 1);
  for (char c : loc.key) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Status::InvalidArgument(url + ": control character in the object key");
    }
  }
  return loc;
}

std::string EncodeS3Key(const std::string& key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : key) {
    if (IsUnreserved(c) || c == '/') {
      out += c;
    } else {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string S3ObjectUrl(const S3Location& location, const std::string& region,
                        const std::string& endpoint) {
  const std::string key = EncodeS3Key(location.key);
  if (!endpoint.empty()) return endpoint + "/" + location.bucket + "/" + key;
  if (IsVirtualHostable(location.bucket)) {
    return "https://" + location.bucket + ".s3." + region + ".amazonaws.com/" + key;
  }
  return "https://s3." + region + ".amazonaws.com/" + location.bucket + "/" + key;
}

}  // namespace layerfs
