#include "fs/lambda/lambda_api.h"

#include <nlohmann/json.hpp>

#include "fs/base/printable.h"
#include "fs/lambda/json_text.h"
#include "fs/source/http_get.h"
#include "fs/source/open_source.h"
#include "fs/source/sigv4.h"

namespace layerfs {

namespace {

// Lambda's answers are a few KiB; anything far larger is not one.
constexpr size_t kMaxReplyBytes = 1 << 20;

std::string PercentEncode(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// "Type: Message" from Lambda's JSON error body ("message" in some).
std::string AwsErrorDetail(const std::string& body, const std::string& error_type) {
  std::string type = error_type.substr(0, error_type.find(':'));
  std::string message;
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_discarded() && json.is_object()) {
    for (const char* key : {"Message", "message"}) {
      if (json.contains(key) && json[key].is_string()) message = json[key].get<std::string>();
    }
    if (type.empty() && json.contains("Type") && json["Type"].is_string()) {
      type = json["Type"].get<std::string>();
    }
  }
  if (message.size() > 300) message.resize(300);
  if (type.empty() && message.empty()) return "";
  return " (" + Printable(type) + (type.empty() || message.empty() ? "" : ": ") +
         Printable(message) + ")";
}

// "HOST[:PORT]" of an http(s) URL, without a default port, as curl sends it.
std::string HostOf(const std::string& url) {
  const size_t start = url.find("://") + 3;
  std::string host = url.substr(start, url.find('/', start) - start);
  if (url.starts_with("https://") && host.ends_with(":443")) host.resize(host.size() - 4);
  if (url.starts_with("http://") && host.ends_with(":80")) host.resize(host.size() - 3);
  return host;
}

}  // namespace

Result<std::string> ResolveLambdaEndpoint(const AwsEnvironment& env, const std::string& region) {
  for (const char* var : {"AWS_ENDPOINT_URL_LAMBDA", "AWS_ENDPOINT_URL"}) {
    std::string url = env.Get(var);
    if (url.empty()) continue;
    if (!IsHttpUrl(url) || url.find_first_of("?#") != std::string::npos ||
        url.find("://") + 3 == url.size()) {
      return Status::InvalidArgument(std::string(var) + " '" + Printable(url) +
                                     "' is not an http:// or https:// URL without query");
    }
    while (url.ends_with("/")) url.pop_back();
    return url;
  }
  const std::string domain = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return "https://lambda." + region + "." + domain;
}

std::string GetLayerVersionPath(const LayerArn& version_arn) {
  return "/2018-10-31/layers/" + PercentEncode(version_arn.LayerString()) + "/versions/" +
         std::to_string(version_arn.version);
}

Result<LambdaLayerVersion> ParseGetLayerVersionReply(const LayerArn& version_arn,
                                                     const std::string& url, long status,
                                                     const std::string& body,
                                                     const std::string& error_type) {
  const std::string arn = version_arn.ToString();
  const std::string where = arn + ": GetLayerVersion (" + url + ")";
  if (status != 200) {
    std::string what = where + " answered " + std::to_string(status) +
                       AwsErrorDetail(body, error_type);
    if (status == 404) return Status::NotFound(what);
    return Status::IoError(what);
  }
  if (Status s = CheckJsonDepth(body, where); !s.ok()) return Status::Corrupt(s.message());
  Result<LayerVersion> version = ParseLayerVersionJson(body, where);
  if (!version.ok()) return Status::Corrupt(version.status().message());
  if (version->arn != version_arn) {
    return Status::Corrupt(where + " describes " + version->arn.ToString());
  }
  Result<std::string> location = ParseLayerVersionLocation(body, where);
  if (!location.ok()) return Status::Corrupt(location.status().message());
  if (!IsRemoteSource(*location)) {
    return Status::Corrupt(where + ": Content.Location is not an http(s):// or s3:// URL");
  }
  return LambdaLayerVersion{std::move(*version), std::move(*location)};
}

Result<LambdaLayerVersion> GetLayerVersion(const LayerArn& version_arn,
                                           const AwsSettings& settings,
                                           const AwsEnvironment& env,
                                           std::chrono::milliseconds timeout) {
  const std::string arn = version_arn.ToString();
  Result<std::string> endpoint = ResolveLambdaEndpoint(env, version_arn.region);
  if (!endpoint.ok()) return endpoint.status().WithContext(arn + ": ");
  Result<AwsCredentials> credentials = ResolveAwsCredentials(settings, env);
  if (!credentials.ok()) {
    return credentials.status().WithContext(arn + ": cannot ask Lambda's GetLayerVersion: ");
  }
  const std::string path = GetLayerVersionPath(version_arn);
  const std::string url = *endpoint + path;
  const size_t host_end = endpoint->find('/', endpoint->find("://") + 3);
  const std::string base_path = host_end == std::string::npos ? "" : endpoint->substr(host_end);
  RemoteAuth auth;
  auth.headers = SigV4Headers(SigV4Request{.host = HostOf(*endpoint),
                                           .path = base_path + path,
                                           .region = version_arn.region,
                                           .service = "lambda"},
                              *credentials, std::chrono::system_clock::now());
  Result<HttpReply> reply = HttpGet(url, auth, timeout, kMaxReplyBytes);
  if (!reply.ok()) {
    return Status::IoError(arn + ": GetLayerVersion (" + url + "): " + reply.status().message());
  }
  return ParseGetLayerVersionReply(version_arn, url, reply->status, reply->body,
                                   reply->error_type);
}

}  // namespace layerfs
