#include "fs/source/aws_credentials.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

#include "fs/source/aws_config_file.h"

namespace layerfs {

namespace {

constexpr const char* kVariables[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_PROFILE",       "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
    "AWS_REGION",        "AWS_DEFAULT_REGION",    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL",  "AWS_ENDPOINT_URL_LAMBDA",  // the last for fs/lambda/lambda_api.h
};

std::string ProfileOf(const AwsSettings& settings, const AwsEnvironment& env) {
  if (!settings.profile.empty()) return settings.profile;
  std::string p = env.Get("AWS_PROFILE");
  return p.empty() ? "default" : p;
}

std::string InHome(const AwsEnvironment& env, const std::string& rel) {
  return (env.home.empty() ? std::string(".") : env.home) + "/" + rel;
}

std::string CredentialsFileOf(const AwsSettings& settings, const AwsEnvironment& env) {
  if (!settings.credentials_file.empty()) return settings.credentials_file;
  std::string f = env.Get("AWS_SHARED_CREDENTIALS_FILE");
  return f.empty() ? InHome(env, ".aws/credentials") : f;
}

std::string ConfigFileOf(const AwsEnvironment& env) {
  std::string f = env.Get("AWS_CONFIG_FILE");
  return f.empty() ? InHome(env, ".aws/config") : f;
}

// The config file names a profile's section "profile NAME", except the
// default one, which may be either "default" or "profile default".
std::vector<std::string> ConfigSections(const std::string& profile) {
  if (profile == "default") return {"default", "profile default"};
  return {"profile " + profile};
}

// Keys from `section` of `file`: found, absent (with why in `missing`), or
// a malformed file (an error).
Result<bool> KeysFromFile(const AwsConfigFile& file, const std::string& section,
                          const std::string& where, AwsCredentials& out,
                          std::string& missing) {
  if (!file.HasSection(section)) {
    missing = where + " (no [" + section + "])";
    return false;
  }
  std::optional<std::string> id = file.Get(section, "aws_access_key_id");
  std::optional<std::string> secret = file.Get(section, "aws_secret_access_key");
  if (!id && !secret) {
    missing = where + " (no aws_access_key_id in [" + section + "])";
    return false;
  }
  if (!id || !secret || id->empty() || secret->empty()) {
    return Status::InvalidArgument(where + " [" + section +
                                   "]: needs both aws_access_key_id and aws_secret_access_key");
  }
  out.access_key_id = *id;
  out.secret_access_key = *secret;
  out.session_token = file.Get(section, "aws_session_token").value_or("");
  out.origin = where + " [" + section + "]";
  return true;
}

// Loads `path`; a missing file is a miss (with why in `missing`).
Result<std::optional<AwsConfigFile>> LoadIfPresent(const std::string& path, std::string& missing) {
  Result<AwsConfigFile> file = AwsConfigFile::Load(path);
  if (file.ok()) return std::optional<AwsConfigFile>(std::move(*file));
  if (file.status().code() == ErrorCode::kNotFound) {
    missing = path + " (no such file)";
    return std::optional<AwsConfigFile>();
  }
  return file.status();
}

// Step 3 (and, when the caller named them, step 1): the profile in the
// credentials file, then in the config file. Appends each miss to `looked`.
Result<bool> KeysFromSharedFiles(const AwsSettings& settings, const AwsEnvironment& env,
                                 AwsCredentials& out, std::vector<std::string>& looked) {
  const std::string profile = ProfileOf(settings, env);
  std::string missing;
  const std::string credentials_path = CredentialsFileOf(settings, env);
  Result<std::optional<AwsConfigFile>> credentials = LoadIfPresent(credentials_path, missing);
  if (!credentials.ok()) return credentials.status();
  if (*credentials) {
    Result<bool> found = KeysFromFile(**credentials, profile, credentials_path, out, missing);
    if (!found.ok() || *found) return found;
  }
  looked.push_back(missing);
  if (!settings.credentials_file.empty()) return false;  // that file only
  const std::string config_path = ConfigFileOf(env);
  Result<std::optional<AwsConfigFile>> config = LoadIfPresent(config_path, missing);
  if (!config.ok()) return config.status();
  if (*config) {
    for (const std::string& section : ConfigSections(profile)) {
      Result<bool> found = KeysFromFile(**config, section, config_path, out, missing);
      if (!found.ok() || *found) return found;
    }
  }
  looked.push_back(missing);
  return false;
}

bool IsRegionName(const std::string& r) {
  if (r.empty() || r.size() > 64) return false;
  for (char c : r) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Result<std::string> CheckedRegion(const std::string& region, const std::string& from) {
  if (!IsRegionName(region)) {
    return Status::InvalidArgument(from + ": '" + region +
                                   "' is not a region name (lower-case letters, digits, '-')");
  }
  return region;
}

}  // namespace

AwsEnvironment AwsEnvironment::FromProcess() {
  AwsEnvironment env;
  for (const char* name : kVariables) {
    const char* v = std::getenv(name);
    if (v != nullptr && *v != 0) env.vars[name] = v;
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != 0) {
    env.home = home;
  } else {
    struct passwd entry;
    struct passwd* found = nullptr;
    std::vector<char> buffer(16384);
    if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
        found != nullptr && found->pw_dir != nullptr) {
      env.home = found->pw_dir;
    }
  }
  return env;
}

std::string AwsEnvironment::Get(const std::string& name) const {
  auto it = vars.find(name);
  return it == vars.end() ? "" : it->second;
}

Result<AwsCredentials> ResolveAwsCredentials(const AwsSettings& settings,
                                             const AwsEnvironment& env) {
  AwsCredentials out;
  std::vector<std::string> looked;
  if (!settings.profile.empty() || !settings.credentials_file.empty()) {
    Result<bool> found = KeysFromSharedFiles(settings, env, out, looked);
    if (!found.ok()) return found.status();
    if (*found) return out;
    std::string why = "no AWS credentials for profile '" + ProfileOf(settings, env) +
                      "' named on the command line: looked in";
    for (const std::string& l : looked) why += " " + l + ";";
    why.pop_back();
    return Status::InvalidArgument(why);
  }
  const std::string id = env.Get("AWS_ACCESS_KEY_ID");
  const std::string secret = env.Get("AWS_SECRET_ACCESS_KEY");
  if (!id.empty() && !secret.empty()) {
    out.access_key_id = id;
    out.secret_access_key = secret;
    out.session_token = env.Get("AWS_SESSION_TOKEN");
    out.origin = "the environment (AWS_ACCESS_KEY_ID)";
    return out;
  }
  if (!id.empty() || !secret.empty()) {
    return Status::InvalidArgument(std::string(id.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
                                   " is set but " +
                                   (id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
                                   " is not");
  }
  looked.push_back("--aws-profile/--aws-credentials-file (not given)");
  looked.push_back("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (unset)");
  Result<bool> found = KeysFromSharedFiles(settings, env, out, looked);
  if (!found.ok()) return found.status();
  if (*found) return out;
  std::string why = "no AWS credentials (profile '" + ProfileOf(settings, env) + "'): looked at";
  for (const std::string& l : looked) why += " " + l + ";";
  why.pop_back();
  return Status::InvalidArgument(why);
}

Result<std::string> ResolveAwsRegion(const AwsSettings& settings, const AwsEnvironment& env) {
  if (!settings.region.empty()) return CheckedRegion(settings.region, "--aws-region");
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    std::string r = env.Get(name);
    if (!r.empty()) return CheckedRegion(r, name);
  }
  const std::string path = ConfigFileOf(env);
  Result<AwsConfigFile> config = AwsConfigFile::Load(path);
  if (!config.ok() && config.status().code() != ErrorCode::kNotFound) return config.status();
  if (config.ok()) {
    for (const std::string& section : ConfigSections(ProfileOf(settings, env))) {
      std::optional<std::string> r = config->Get(section, "region");
      if (r && !r->empty()) return CheckedRegion(*r, path + " [" + section + "] region");
    }
  }
  return std::string("us-east-1");
}

Result<std::string> ResolveS3Endpoint(const AwsSettings& settings, const AwsEnvironment& env) {
  std::string endpoint = settings.endpoint, from = "--s3-endpoint";
  for (const char* name : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
    if (!endpoint.empty()) break;
    endpoint = env.Get(name);
    from = name;
  }
  if (endpoint.empty()) return std::string();
  size_t scheme = endpoint.starts_with("http://") ? 7 : endpoint.starts_with("https://") ? 8 : 0;
  if (scheme == 0 || endpoint.size() == scheme || endpoint[scheme] == '/' ||
      endpoint.find_first_of("?# ") != std::string::npos) {
    return Status::InvalidArgument(from + ": '" + endpoint +
                                   "' is not an http:// or https:// endpoint URL");
  }
  while (endpoint.back() == '/') endpoint.pop_back();
  return endpoint;
}

}  // namespace layerfs
