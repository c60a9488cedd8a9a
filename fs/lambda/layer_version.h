// A layer version's metadata, and the JSON shapes Lambda uses for it.
//
// LayerVersion holds what the GetLayerVersion and PublishLayerVersion APIs
// return, less Content.Location (a download link, which depends on where
// the zip is kept and so is supplied when rendering). The functions here
// read that JSON (as saved from `aws lambda get-layer-version`) and write
// it, plus the ListLayers and ListLayerVersions shapes, with AWS's key
// order and 2-space indentation. Keys absent from an AWS response
// (LicenseInfo, CompatibleRuntimes, CompatibleArchitectures when unset)
// are left out here too.
//
// Plain values and pure functions: safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fs/lambda/layer_arn.h"
#include "fs/base/status.h"

namespace layerfs {

// Lambda's limits on the publish-time fields.
inline constexpr std::size_t kMaxDescriptionLength = 256;
inline constexpr std::size_t kMaxLicenseInfoLength = 512;
inline constexpr std::size_t kMaxCompatibleRuntimes = 15;

struct LayerVersion {
  LayerArn arn;  // a layer version ARN: arn.has_version()
  std::string description;
  std::string created_date;  // "2018-11-27T15:10:45.123+0000", UTC
  std::vector<std::string> compatible_runtimes;       // advisory
  std::vector<std::string> compatible_architectures;  // "x86_64", "arm64"
  std::string license_info;
  std::string code_sha256;  // base64 SHA-256 of the zip
  uint64_t code_size = 0;   // bytes of the zip

  bool operator==(const LayerVersion&) const = default;
};

// Lambda's timestamp format: UTC, milliseconds, "+0000" offset.
std::string FormatCreatedDate(std::chrono::system_clock::time_point time);

// Checks the fields a publisher chooses against Lambda's rules: the ARN has
// a version, the description, license, runtimes and architectures are
// within limits, architectures are x86_64 or arm64 without repeats, and
// the text is valid UTF-8.
Status ValidateLayerVersionFields(const LayerVersion& version);

// The GetLayerVersion / PublishLayerVersion response. `location` becomes
// Content.Location and is left out when empty.
std::string LayerVersionToJson(const LayerVersion& version,
                               std::string_view location);

// Reads a GetLayerVersion or PublishLayerVersion response (Content.Location
// is ignored). Requires LayerVersionArn, Version matching it, LayerArn (if
// present) matching it, and a well-formed Content.CodeSha256 and CodeSize.
// `source` names the text in errors (usually its file path).
Result<LayerVersion> ParseLayerVersionJson(std::string_view text,
                                           std::string_view source);

// Content.Location of such a response, "" when absent; fails on JSON that
// ParseLayerVersionJson would refuse.
Result<std::string> ParseLayerVersionLocation(std::string_view text,
                                              std::string_view source);

// ListLayers: {"Layers": [{LayerName, LayerArn, LatestMatchingVersion}]},
// one element per given version, which should be the newest of its layer.
std::string ListLayersJson(const std::vector<LayerVersion>& latest);

// ListLayerVersions: {"LayerVersions": [...]} in the order given (AWS lists
// the newest first).
std::string ListLayerVersionsJson(const std::vector<LayerVersion>& versions);

}  // namespace layerfs
