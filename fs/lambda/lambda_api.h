// A small client of Lambda's own API: GetLayerVersion, which says where a
// layer version's zip can be downloaded (Content.Location, a presigned S3
// URL valid for about ten minutes) and its CodeSha256 and CodeSize.
//
//   GET {endpoint}/2018-10-31/layers/{layer ARN, percent-encoded}/versions/N
//
// signed with SigV4 for service "lambda" in the ARN's region (a layer
// lives in one region and is asked for there), with credentials resolved
// as for s3:// layers (fs/source/aws_credentials.h). The endpoint is
// AWS_ENDPOINT_URL_LAMBDA, else AWS_ENDPOINT_URL, else
// https://lambda.REGION.amazonaws.com (.com.cn in China). The layer ARN,
// not the bare name, goes in the path, so layers of other accounts work.
//
// Pure functions and one blocking call; callable from any thread.
#pragma once

#include <chrono>
#include <string>

#include "fs/base/status.h"
#include "fs/lambda/layer_arn.h"
#include "fs/lambda/layer_version.h"
#include "fs/source/aws_credentials.h"

namespace layerfs {

// A GetLayerVersion answer.
struct LambdaLayerVersion {
  LayerVersion version;
  std::string location;  // Content.Location
};

// The endpoint for `region`, without a trailing '/'. Fails on a variable
// that is not an http:// or https:// URL without query or fragment.
Result<std::string> ResolveLambdaEndpoint(const AwsEnvironment& env, const std::string& region);

// The request path of GetLayerVersion for a layer version ARN.
std::string GetLayerVersionPath(const LayerArn& version_arn);

// Reads GetLayerVersion's answer (`status`, `body`, the x-amzn-ErrorType
// header) for `version_arn`, asked at `url`. A non-200 is an error naming
// the ARN, the status and AWS's error type and message (kNotFound for 404,
// kIoError else); a 200 must describe that very version and carry a
// Content.Location URL (else kCorrupt).
Result<LambdaLayerVersion> ParseGetLayerVersionReply(const LayerArn& version_arn,
                                                     const std::string& url, long status,
                                                     const std::string& body,
                                                     const std::string& error_type);

// Asks Lambda. Errors name the ARN and say what failed: credentials (and
// where they were looked for), the transfer, or Lambda's answer.
Result<LambdaLayerVersion> GetLayerVersion(const LayerArn& version_arn,
                                           const AwsSettings& settings,
                                           const AwsEnvironment& env,
                                           std::chrono::milliseconds timeout);

}  // namespace layerfs
