#include "fs/lambda/layer_version.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "fs/lambda/code_sha256.h"
#include "fs/lambda/json_text.h"

namespace layerfs {

namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

// Invalid UTF-8 cannot get past ValidateLayerVersionFields, but metadata
// read back from disk is rendered too; replace rather than throw.
std::string Dump(const OrderedJson& json) {
  return json.dump(2, ' ', false, Json::error_handler_t::replace);
}

bool IsValidUtf8(const std::string& text) {
  try {
    (void)Json(text).dump();
    return true;
  } catch (const Json::exception&) {
    return false;
  }
}

// The version fields every listing shape shares, in AWS's order.
OrderedJson VersionSummary(const LayerVersion& v) {
  OrderedJson out;
  out["LayerVersionArn"] = v.arn.ToString();
  out["Version"] = v.arn.version;
  out["Description"] = v.description;
  out["CreatedDate"] = v.created_date;
  if (!v.compatible_runtimes.empty()) {
    out["CompatibleRuntimes"] = v.compatible_runtimes;
  }
  if (!v.license_info.empty()) out["LicenseInfo"] = v.license_info;
  if (!v.compatible_architectures.empty()) {
    out["CompatibleArchitectures"] = v.compatible_architectures;
  }
  return out;
}

Status Bad(std::string_view source, const std::string& what) {
  return Status::InvalidArgument(std::string(source) + ": " + what);
}

// Reads an optional string member; absent or null leaves `out` unchanged.
Status ReadString(const Json& object, const char* key, std::string_view source,
                  std::string* out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_string())
    return Bad(source, std::string(key) + " is not a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status ReadStringList(const Json& object, const char* key,
                      std::string_view source, std::vector<std::string>* out) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return Bad(source, std::string(key) + " is not a list");
  for (const Json& item : *it) {
    if (!item.is_string()) {
      return Bad(source, std::string(key) + " holds a non-string");
    }
    out->push_back(item.get<std::string>());
  }
  return Status::Ok();
}

Result<LayerVersion> ParseObject(const Json& root, std::string_view source) {
  if (!root.is_object()) {
    return Bad(source, "expected a JSON object (a GetLayerVersion response)");
  }
  LayerVersion v;
  std::string arn_text;
  Status s = ReadString(root, "LayerVersionArn", source, &arn_text);
  if (!s.ok()) return s;
  if (arn_text.empty()) {
    return Bad(source,
               "no LayerVersionArn: expected the output of "
               "`aws lambda get-layer-version` or publish-layer-version");
  }
  Result<LayerArn> arn = ParseLayerVersionArn(arn_text);
  if (!arn.ok()) return Bad(source, arn.status().message());
  v.arn = *arn;

  auto version = root.find("Version");
  if (version != root.end() && !version->is_null()) {
    if (!version->is_number_integer() ||
        version->get<int64_t>() != v.arn.version) {
      return Bad(source, "Version " + DescribeJson(*version) +
                             " does not match LayerVersionArn " + arn_text);
    }
  }
  std::string layer_arn;
  if (s = ReadString(root, "LayerArn", source, &layer_arn); !s.ok()) return s;
  if (!layer_arn.empty() && layer_arn != v.arn.LayerString()) {
    return Bad(source, "LayerArn " + layer_arn +
                           " does not match LayerVersionArn " + arn_text);
  }
  if (s = ReadString(root, "Description", source, &v.description); !s.ok()) {
    return s;
  }
  if (s = ReadString(root, "CreatedDate", source, &v.created_date); !s.ok()) {
    return s;
  }
  if (s = ReadString(root, "LicenseInfo", source, &v.license_info); !s.ok()) {
    return s;
  }
  if (s = ReadStringList(root, "CompatibleRuntimes", source,
                         &v.compatible_runtimes);
      !s.ok()) {
    return s;
  }
  if (s = ReadStringList(root, "CompatibleArchitectures", source,
                         &v.compatible_architectures);
      !s.ok()) {
    return s;
  }

  auto content = root.find("Content");
  if (content == root.end() || !content->is_object()) {
    return Bad(source, "no Content object (with CodeSha256 and CodeSize)");
  }
  if (s = ReadString(*content, "CodeSha256", source, &v.code_sha256); !s.ok()) {
    return s;
  }
  if (!IsWellFormedCodeSha256(v.code_sha256)) {
    return Bad(source, "Content.CodeSha256 \"" + v.code_sha256 +
                           "\" is not a base64 SHA-256 (44 characters)");
  }
  auto size = content->find("CodeSize");
  if (size == content->end() || !size->is_number_integer() ||
      size->get<int64_t>() < 0) {
    return Bad(source, "Content.CodeSize is missing or not a byte count");
  }
  v.code_size = size->get<uint64_t>();
  return v;
}

}  // namespace

std::string FormatCreatedDate(std::chrono::system_clock::time_point time) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                    time.time_since_epoch())
                    .count();
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  long fraction = static_cast<long>(millis % 1000);
  if (fraction < 0) {  // before 1970: floor, not truncate
    fraction += 1000;
    seconds -= 1;
  }
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03ld+0000",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                utc.tm_min, utc.tm_sec, fraction);
  return text;
}

Status ValidateLayerVersionFields(const LayerVersion& v) {
  std::string arn = v.arn.ToString();
  auto bad = [&](const std::string& what) {
    return Status::InvalidArgument("layer version " + arn + ": " + what);
  };
  if (!v.arn.has_version()) return bad("the ARN has no version");
  if (v.description.size() > kMaxDescriptionLength) {
    return bad("the description is " + std::to_string(v.description.size()) +
               " bytes; Lambda allows " +
               std::to_string(kMaxDescriptionLength));
  }
  if (v.license_info.size() > kMaxLicenseInfoLength) {
    return bad("the license info is " + std::to_string(v.license_info.size()) +
               " bytes; Lambda allows " +
               std::to_string(kMaxLicenseInfoLength));
  }
  if (!IsValidUtf8(v.description)) return bad("the description is not UTF-8");
  if (!IsValidUtf8(v.license_info)) {
    return bad("the license info is not UTF-8");
  }
  if (v.compatible_runtimes.size() > kMaxCompatibleRuntimes) {
    return bad(std::to_string(v.compatible_runtimes.size()) +
               " compatible runtimes; Lambda allows " +
               std::to_string(kMaxCompatibleRuntimes));
  }
  for (std::size_t i = 0; i < v.compatible_runtimes.size(); ++i) {
    const std::string& r = v.compatible_runtimes[i];
    bool plain = !r.empty();
    for (char c : r) {
      plain = plain && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '.' || c == '-');
    }
    if (!plain) {
      return bad("compatible runtime \"" + r +
                 "\" is not a runtime identifier such as python3.12");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (v.compatible_runtimes[j] == r) {
        return bad("compatible runtime " + r + " is listed twice");
      }
    }
  }
  for (std::size_t i = 0; i < v.compatible_architectures.size(); ++i) {
    const std::string& a = v.compatible_architectures[i];
    if (a != "x86_64" && a != "arm64") {
      return bad("compatible architecture \"" + a +
                 "\" is neither x86_64 nor arm64");
    }
    if (i == 1 && v.compatible_architectures[0] == a) {
      return bad("compatible architecture " + a + " is listed twice");
    }
  }
  if (v.compatible_architectures.size() > 2) {
    return bad("more than two compatible architectures");
  }
  return Status::Ok();
}

std::string LayerVersionToJson(const LayerVersion& v,
                               std::string_view location) {
  OrderedJson content;
  if (!location.empty()) content["Location"] = std::string(location);
  content["CodeSha256"] = v.code_sha256;
  content["CodeSize"] = v.code_size;

  OrderedJson out;
  out["Content"] = std::move(content);
  out["LayerArn"] = v.arn.LayerString();
  out["LayerVersionArn"] = v.arn.ToString();
  out["Description"] = v.description;
  out["CreatedDate"] = v.created_date;
  out["Version"] = v.arn.version;
  if (!v.compatible_runtimes.empty()) {
    out["CompatibleRuntimes"] = v.compatible_runtimes;
  }
  if (!v.license_info.empty()) out["LicenseInfo"] = v.license_info;
  if (!v.compatible_architectures.empty()) {
    out["CompatibleArchitectures"] = v.compatible_architectures;
  }
  return Dump(out);
}

Result<LayerVersion> ParseLayerVersionJson(std::string_view text,
                                           std::string_view source) {
  if (Status s = CheckJsonDepth(text, source); !s.ok()) return s;
  try {
    return ParseObject(Json::parse(text), source);
  } catch (const Json::exception& e) {
    return Bad(source, std::string("not valid JSON: ") + e.what());
  }
}

Result<std::string> ParseLayerVersionLocation(std::string_view text,
                                              std::string_view source) {
  if (Status s = CheckJsonDepth(text, source); !s.ok()) return s;
  try {
    Json root = Json::parse(text);
    if (Result<LayerVersion> v = ParseObject(root, source); !v.ok()) return v.status();
    std::string location;
    if (Status s = ReadString(root["Content"], "Location", source, &location); !s.ok()) return s;
    return location;
  } catch (const Json::exception& e) {
    return Bad(source, std::string("not valid JSON: ") + e.what());
  }
}

std::string ListLayersJson(const std::vector<LayerVersion>& latest) {
  OrderedJson layers = OrderedJson::array();
  for (const LayerVersion& v : latest) {
    OrderedJson layer;
    layer["LayerName"] = v.arn.name;
    layer["LayerArn"] = v.arn.LayerString();
    layer["LatestMatchingVersion"] = VersionSummary(v);
    layers.push_back(std::move(layer));
  }
  OrderedJson out;
  out["Layers"] = std::move(layers);
  return Dump(out);
}

std::string ListLayerVersionsJson(const std::vector<LayerVersion>& versions) {
  OrderedJson list = OrderedJson::array();
  for (const LayerVersion& v : versions) list.push_back(VersionSummary(v));
  OrderedJson out;
  out["LayerVersions"] = std::move(list);
  return Dump(out);
}

}  // namespace layerfs
