// OpenS3Source: an s3://BUCKET/KEY layer as an HttpSource whose requests
// are signed with SigV4 (libcurl's CURLOPT_AWS_SIGV4, service s3), with
// the credentials, region and endpoint resolved as aws_credentials.h says
// when the layer is opened. Every request carries
// "x-amz-content-sha256: UNSIGNED-PAYLOAD" (a GET has no payload to hash)
// and, for temporary credentials, "x-amz-security-token"; no request has
// a query string. A 403 re-resolves the credentials once (they may have
// been rotated, or a session token renewed) and retries.
//
// Stateless; callable from any thread. The source it returns is as
// thread-safe as HttpSource.
#pragma once

#include <memory>
#include <string>

#include "fs/source/aws_credentials.h"
#include "fs/source/byte_source.h"
#include "fs/source/http_source.h"

namespace layerfs {

// Fails naming `url`: a malformed URL or missing credentials
// (kInvalidArgument, saying where it looked), then as HttpSource::Open.
Result<std::unique_ptr<ByteSource>> OpenS3Source(const std::string& url,
                                                 const RemoteOptions& remote);

// The signing HttpSource needs for `credentials` in `region`.
RemoteAuth S3Auth(const AwsCredentials& credentials, const std::string& region);

}  // namespace layerfs
