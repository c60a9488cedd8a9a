#include "fs/source/s3_source.h"

#include "fs/source/s3_location.h"

namespace layerfs {

RemoteAuth S3Auth(const AwsCredentials& credentials, const std::string& region) {
  RemoteAuth auth;
  auth.headers.push_back("x-amz-content-sha256: UNSIGNED-PAYLOAD");
  if (!credentials.session_token.empty()) {
    auth.headers.push_back("x-amz-security-token: " + credentials.session_token);
  }
  auth.aws_sigv4 = "aws:amz:" + region + ":s3";
  auth.aws_user = credentials.access_key_id + ":" + credentials.secret_access_key;
  return auth;
}

Result<std::unique_ptr<ByteSource>> OpenS3Source(const std::string& url,
                                                 const RemoteOptions& remote) {
  Result<S3Location> location = ParseS3Url(url);
  if (!location.ok()) return location.status();
  const AwsEnvironment env = AwsEnvironment::FromProcess();
  const std::string where = url + ": ";
  Result<std::string> region = ResolveAwsRegion(remote.aws, env);
  if (!region.ok()) return region.status().WithContext(where);
  Result<std::string> endpoint = ResolveS3Endpoint(remote.aws, env);
  if (!endpoint.ok()) return endpoint.status().WithContext(where);
  Result<AwsCredentials> credentials = ResolveAwsCredentials(remote.aws, env);
  if (!credentials.ok()) return credentials.status().WithContext(where);
  if (credentials->access_key_id.find(':') != std::string::npos) {
    // curl splits its user "ID:SECRET" at the first ':'.
    return Status::InvalidArgument(where + "the access key id from " + credentials->origin +
                                   " contains ':'");
  }

  RemoteOptions options = remote;
  options.auth = S3Auth(*credentials, *region);
  // The environment is the daemon's and does not change; the files it
  // names may (a rotated key, a renewed session token).
  options.refresh = [settings = remote.aws, env, region = *region](const std::string&) -> Result<RemoteTarget> {
    Result<AwsCredentials> fresh = ResolveAwsCredentials(settings, env);
    if (!fresh.ok()) return fresh.status();
    return RemoteTarget{.url = "", .auth = S3Auth(*fresh, region)};
  };
  Result<std::unique_ptr<HttpSource>> http =
      HttpSource::Open(S3ObjectUrl(*location, *region, *endpoint), options, url);
  if (!http.ok()) return http.status();
  return std::unique_ptr<ByteSource>(std::move(*http));
}

}  // namespace layerfs
