// S3Server: a real S3-compatible server on loopback for s3:// layer tests:
// s3rver (npm, pinned in tests/support/s3rver/package.json, installed by
// scripts/install-deps with `npm ci`), started on a port the OS picks with
// one bucket, "layers", keeping its objects in a scratch directory.
//
// s3rver knows one access key pair, S3RVER / S3RVER (kAccessKey,
// kSecretKey): it refuses any other key id with 403 InvalidAccessKeyId,
// but does not check SigV4 signatures (tests re-sign captured requests
// with botocore for that: tests/support/verify_sigv4.py).
//
// The server dies (SIGKILL) with the object. Confined to the test thread
// that made it.
#pragma once

#include <memory>
#include <string>

#include "tests/integration/mount_harness.h"

namespace layerfs::test {

class S3Server {
 public:
  static constexpr const char* kAccessKey = "S3RVER";
  static constexpr const char* kSecretKey = "S3RVER";

  // Why s3rver cannot run here ("" when it can): node or the npm package
  // is missing.
  static std::string UnavailableReason();

  S3Server();

  bool ok() const { return port_ > 0; }
  // http://127.0.0.1:PORT, for AWS_ENDPOINT_URL / --s3-endpoint.
  std::string Endpoint() const;
  // Uploads `file` as object `key` of bucket "layers" with a SigV4-signed
  // PUT (curl --aws-sigv4); false when the server does not answer 200.
  bool Put(const std::string& key, const std::string& file) const;

 private:
  ScratchDir dir_;
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

}  // namespace layerfs::test
