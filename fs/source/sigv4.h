// SigV4Headers: AWS Signature Version 4 for a GET without a body to one of
// AWS's services other than S3 (Lambda's GetLayerVersion).
//
// curl 7.88's CURLOPT_AWS_SIGV4 signs the path exactly as sent; S3 wants
// that, but every other service wants each path segment URI-encoded once
// more ("%3A" in a layer ARN signed as "%253A"), so a request whose path
// holds an ARN would be refused. This signs as those services expect:
// canonical URI double-encoded, payload hashed (empty), headers host and
// x-amz-date (and x-amz-security-token for temporary credentials) signed.
//
// Pure functions; callable from any thread. The headers carry a
// signature and maybe a session token: never log them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "fs/source/aws_credentials.h"

namespace layerfs {

struct SigV4Request {
  std::string host;   // as the Host header carries it: "HOST" or "HOST:PORT"
  std::string path;   // as sent, already percent-encoded; no query string
  std::string region;
  std::string service;  // "lambda"
};

// "Name: value" headers to send: Authorization, x-amz-date and, with a
// session token, x-amz-security-token.
std::vector<std::string> SigV4Headers(const SigV4Request& request,
                                      const AwsCredentials& credentials,
                                      std::chrono::system_clock::time_point now);

// The canonical URI of `path` for a service other than S3: every byte but
// unreserved ones and '/' percent-encoded (so "%3A" becomes "%253A").
std::string SigV4CanonicalUri(const std::string& path);

}  // namespace layerfs
