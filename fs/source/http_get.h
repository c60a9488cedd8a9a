// HttpGet: one small GET of a whole resource (an API response, not layer
// bytes), authorised as a RemoteAuth says (headers, SigV4 signing through
// CURLOPT_AWS_SIGV4). Used for Lambda's GetLayerVersion
// (fs/lambda/lambda_api.h); layer bytes go through HttpSource.
//
// No retries here: the caller decides what a status means. Stateless;
// callable from any thread (each call has its own curl handle).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "fs/base/status.h"
#include "fs/source/http_source.h"

namespace layerfs {

struct HttpReply {
  long status = 0;
  std::string body;
  std::string error_type;  // the x-amzn-ErrorType header, "" when absent
};

// Fails (kIoError, the reason without the URL: the caller names what it
// asked) when the transfer fails, takes longer than `timeout`, or the body
// exceeds `body_limit` bytes. Any HTTP status is a reply.
Result<HttpReply> HttpGet(const std::string& url, const RemoteAuth& auth,
                          std::chrono::milliseconds timeout, size_t body_limit);

}  // namespace layerfs
