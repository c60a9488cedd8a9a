// Where an s3:// layer's credentials, region and endpoint come from, in
// the AWS CLI's order, as pure functions of the settings given on the
// command line (AwsSettings), a snapshot of the environment
// (AwsEnvironment) and the shared files they point to. Nothing here
// touches the network, and nothing returns or logs a secret except the
// AwsCredentials value itself (its `origin` says where it came from).
//
// Credentials, first found wins:
//   1. --aws-profile / --aws-credentials-file: that profile of that file
//      (the file defaulting as in 3); an explicit choice that is missing is
//      an error, never a fall-through;
//   2. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   3. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
//      ~/.aws/credentials), profile AWS_PROFILE, else "default".
// Region: --aws-region, AWS_REGION, AWS_DEFAULT_REGION, `region` of the
// profile in the config file (AWS_CONFIG_FILE, else ~/.aws/config), else
// us-east-1. Endpoint: --s3-endpoint, AWS_ENDPOINT_URL_S3,
// AWS_ENDPOINT_URL, else none (Amazon S3 itself).
//
// Plain data and stateless functions; callable from any thread.
#pragma once

#include <map>
#include <string>

#include "fs/base/status.h"

namespace layerfs {

// What the command line said (each empty when not given).
struct AwsSettings {
  std::string profile;           // --aws-profile
  std::string credentials_file;  // --aws-credentials-file
  std::string region;            // --aws-region
  std::string endpoint;          // --s3-endpoint
};

// The environment variables the resolution reads, and the home directory.
struct AwsEnvironment {
  std::map<std::string, std::string> vars;  // unset and empty ones absent
  std::string home;

  // A snapshot of this process's environment (HOME, else the passwd entry).
  static AwsEnvironment FromProcess();
  // The variable's value, "" when unset.
  std::string Get(const std::string& name) const;
};

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
  // Where they came from, for messages: "the environment", "FILE [NAME]".
  std::string origin;
};

Result<AwsCredentials> ResolveAwsCredentials(const AwsSettings& settings,
                                             const AwsEnvironment& env);
// Fails only on a malformed config file or an invalid region name.
Result<std::string> ResolveAwsRegion(const AwsSettings& settings, const AwsEnvironment& env);
// "" for Amazon S3; else the endpoint URL without a trailing '/'. Fails on
// anything but an http:// or https:// URL without query or fragment.
Result<std::string> ResolveS3Endpoint(const AwsSettings& settings, const AwsEnvironment& env);

}  // namespace layerfs
