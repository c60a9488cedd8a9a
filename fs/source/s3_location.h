// S3Location: an s3://BUCKET/KEY layer argument, and the HTTPS URL a
// signed GET for it goes to:
//   - Amazon S3 (no endpoint): virtual-hosted
//     https://BUCKET.s3.REGION.amazonaws.com/KEY, or path-style
//     https://s3.REGION.amazonaws.com/BUCKET/KEY for a bucket name that
//     cannot be a TLS host label (dots, upper case, '_');
//   - a custom endpoint (AWS_ENDPOINT_URL_S3, MinIO, s3rver...): path-style
//     ENDPOINT/BUCKET/KEY, which every S3-compatible server accepts.
// The key is taken as written (no percent-decoding) and percent-encoded
// the way SigV4 canonicalises S3 paths (all but A-Z a-z 0-9 - . _ ~ and
// '/'), so the URL never carries a query string and the path curl signs
// is the path S3 checks.
//
// Plain data and pure functions; callable from any thread.
#pragma once

#include <string>

#include "fs/base/status.h"

namespace layerfs {

inline bool IsS3Url(const std::string& s) { return s.starts_with("s3://"); }

struct S3Location {
  std::string bucket;
  std::string key;  // as written, not encoded
};

// Fails naming `url` when the bucket or key is missing or the bucket name
// is impossible.
Result<S3Location> ParseS3Url(const std::string& url);

// The URL to GET; `endpoint` is "" for Amazon S3, else a URL without a
// trailing '/' (see ResolveS3Endpoint).
std::string S3ObjectUrl(const S3Location& location, const std::string& region,
                        const std::string& endpoint);

// RFC 3986 percent-encoding of everything but unreserved characters and '/'.
std::string EncodeS3Key(const std::string& key);

}  // namespace layerfs
