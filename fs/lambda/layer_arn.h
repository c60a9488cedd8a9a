// Lambda layer ARNs: parsing, validation and formatting.
//
// A layer is named `arn:<partition>:lambda:<region>:<account>:layer:<name>`
// and one of its versions by the same text followed by `:<version>`. The
// rules are those of the Lambda API model: partition and region are
// `[a-zA-Z0-9-]+`, the account is exactly 12 digits, the name is
// `[a-zA-Z0-9-_]+` of 1 to 140 characters, and the version is a positive
// decimal integer written without leading zeros (so that one version has
// one spelling, which the store relies on to find it).
//
// Everything here is a plain value or a pure function: safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fs/base/status.h"

namespace layerfs {

// The highest layer version layerfs accepts or publishes. Lambda's own
// numbers are far below it; a cap keeps `highest + 1` from overflowing.
inline constexpr int64_t kMaxLayerVersion = 2147483647;

inline constexpr std::size_t kMaxLayerNameLength = 140;

struct LayerArn {
  std::string partition;  // "aws", "aws-cn", "aws-us-gov", ...
  std::string region;     // "us-east-1"
  std::string account;    // 12 digits
  std::string name;       // the layer name
  // The layer version; 0 when the ARN names the layer as a whole.
  int64_t version = 0;

  bool has_version() const { return version > 0; }
  // The layer's ARN, without any version.
  std::string LayerString() const;
  // The ARN as AWS writes it: with `:<version>` when has_version().
  std::string ToString() const;
  // The ARN of this layer's version `v`.
  LayerArn WithVersion(int64_t v) const;

  bool operator==(const LayerArn&) const = default;
};

// Parses a layer ARN or a layer version ARN. The error quotes the text and
// says which part is wrong.
Result<LayerArn> ParseLayerArn(std::string_view text);

// Parses a layer version ARN; a layer ARN without a version is an error that
// says a version is needed.
Result<LayerArn> ParseLayerVersionArn(std::string_view text);

// Checks a bare layer name against `[a-zA-Z0-9-_]{1,140}`.
Status ValidateLayerName(std::string_view name);

// Builds a layer ARN (version 0) or layer version ARN from its parts and
// validates it as ParseLayerArn would.
Result<LayerArn> MakeLayerArn(std::string_view partition,
                              std::string_view region, std::string_view account,
                              std::string_view name, int64_t version = 0);

// The partition a region belongs to: "aws-cn" for cn-*, "aws-us-gov" for
// us-gov-*, "aws-iso" for us-iso-*, "aws-iso-b" for us-isob-*, else "aws".
std::string PartitionForRegion(std::string_view region);

}  // namespace layerfs
