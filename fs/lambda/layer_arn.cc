#include "fs/lambda/layer_arn.h"

#include <charconv>
#include <vector>

#include "fs/base/printable.h"

namespace layerfs {

namespace {

constexpr std::string_view kShape =
    "expected arn:<partition>:lambda:<region>:<12-digit account>:layer:"
    "<name>[:<version>]";

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9');
}

bool IsIdentifierPart(std::string_view s) {  // [a-zA-Z0-9-]+
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsAsciiAlnum(c) && c != '-') return false;
  }
  return true;
}

// Quoted and escaped: an ARN comes from the user and may hold anything.
std::string Quote(std::string_view s) { return "\"" + Printable(s) + "\""; }

Status BadArn(std::string_view text, std::string_view what) {
  return Status::InvalidArgument("invalid layer ARN " + Quote(text) + ": " +
                                 std::string(what));
}

std::vector<std::string_view> SplitColons(std::string_view text) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t colon = text.find(':', start);
    if (colon == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, colon - start));
    start = colon + 1;
  }
}

// Why `name` is not a valid layer name, or empty when it is.
std::string LayerNameProblem(std::string_view name) {
  if (name.empty()) return "the layer name is empty";
  if (name.size() > kMaxLayerNameLength) {
    return "the layer name is " + std::to_string(name.size()) +
           " characters long; the limit is " +
           std::to_string(kMaxLayerNameLength);
  }
  for (char c : name) {
    if (!IsAsciiAlnum(c) && c != '-' && c != '_') {
      return "the layer name " + Quote(name) +
             " may only contain letters, digits, '-' and '_'";
    }
  }
  return "";
}

// Why the parts are not a valid layer ARN, or empty when they are.
std::string PartsProblem(std::string_view partition, std::string_view region,
                         std::string_view account, std::string_view name) {
  if (!IsIdentifierPart(partition)) {
    return "the partition " + Quote(partition) +
           " must be letters, digits and '-'";
  }
  if (!IsIdentifierPart(region)) {
    return "the region " + Quote(region) + " must be letters, digits and '-'";
  }
  bool digits = account.size() == 12;
  for (char c : account) digits = digits && c >= '0' && c <= '9';
  if (!digits) {
    return "the account " + Quote(account) + " must be exactly 12 digits";
  }
  return LayerNameProblem(name);
}

// Parses a version: a positive decimal integer without leading zeros.
std::string VersionProblem(std::string_view text, int64_t* version) {
  if (text.empty()) return "the version after the last ':' is empty";
  for (char c : text) {
    if (c < '0' || c > '9') {
      return "the version " + Quote(text) + " must be a positive integer";
    }
  }
  if (text[0] == '0') {
    return "the version " + Quote(text) +
           " must be a positive integer without leading zeros";
  }
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), *version);
  if (ec != std::errc() || end != text.data() + text.size() || *version > kMaxLayerVersion) {
    return "the version " + Quote(text) + " is too large (at most " +
           std::to_string(kMaxLayerVersion) + ")";
  }
  return "";
}

}  // namespace

std::string LayerArn::LayerString() const {
  return "arn:" + partition + ":lambda:" + region + ":" + account +
         ":layer:" + name;
}

std::string LayerArn::ToString() const {
  if (!has_version()) return LayerString();
  return LayerString() + ":" + std::to_string(version);
}

LayerArn LayerArn::WithVersion(int64_t v) const {
  LayerArn copy = *this;
  copy.version = v;
  return copy;
}

Result<LayerArn> ParseLayerArn(std::string_view text) {
  std::vector<std::string_view> parts = SplitColons(text);
  if (parts.size() < 7 || parts.size() > 8 || parts[0] != "arn" ||
      parts[2] != "lambda" || parts[5] != "layer") {
    return BadArn(text, kShape);
  }
  std::string problem = PartsProblem(parts[1], parts[3], parts[4], parts[6]);
  if (!problem.empty()) return BadArn(text, problem);
  LayerArn arn{std::string(parts[1]), std::string(parts[3]),
               std::string(parts[4]), std::string(parts[6]), 0};
  if (parts.size() == 8) {
    problem = VersionProblem(parts[7], &arn.version);
    if (!problem.empty()) return BadArn(text, problem);
  }
  return arn;
}

Result<LayerArn> ParseLayerVersionArn(std::string_view text) {
  Result<LayerArn> arn = ParseLayerArn(text);
  if (!arn.ok()) return arn;
  if (!arn->has_version()) {
    return BadArn(text,
                  "it names a layer but no version; a layer version ARN "
                  "ends in :<version>, e.g. " +
                      arn->WithVersion(1).ToString());
  }
  return arn;
}

Status ValidateLayerName(std::string_view name) {
  std::string problem = LayerNameProblem(name);
  if (problem.empty()) return Status::Ok();
  return Status::InvalidArgument("invalid layer name " + Quote(name) + ": " +
                                 problem);
}

Result<LayerArn> MakeLayerArn(std::string_view partition,
                              std::string_view region, std::string_view account,
                              std::string_view name, int64_t version) {
  LayerArn arn{std::string(partition), std::string(region),
               std::string(account), std::string(name), version};
  std::string problem = PartsProblem(partition, region, account, name);
  if (problem.empty() && version < 0) {
    problem = "the version must be a positive integer";
  }
  if (!problem.empty()) return BadArn(arn.ToString(), problem);
  return arn;
}

std::string PartitionForRegion(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  if (region.starts_with("us-isob-")) return "aws-iso-b";
  if (region.starts_with("us-iso-")) return "aws-iso";
  return "aws";
}

}  // namespace layerfs
