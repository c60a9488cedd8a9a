// AwsConfigFile: the sections and keys of one AWS shared configuration
// file, the INI dialect of ~/.aws/credentials ("[NAME]" sections) and
// ~/.aws/config ("[default]", "[profile NAME]" sections), as the AWS CLI
// writes them: "key = value" lines, full-line '#' or ';' comments, and
// indented lines continuing a nested value (e.g. "s3 =" then
// "  addressing_style = path"), which are kept out of the flat keys.
//
// Plain data, immutable after parsing; safe to share between threads.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "fs/base/status.h"

namespace layerfs {

class AwsConfigFile {
 public:
  // Parses `text`; `path` names it in errors, which give the line number.
  static Result<AwsConfigFile> Parse(const std::string& text, const std::string& path);
  // Reads and parses `path`: kNotFound when it does not exist.
  static Result<AwsConfigFile> Load(const std::string& path);

  bool HasSection(const std::string& section) const { return sections_.count(section) != 0; }
  // The value of `key` (matched lower-case) in `section`, if set.
  std::optional<std::string> Get(const std::string& section, const std::string& key) const;

 private:
  // Section name as written between the brackets (trimmed) → key → value.
  std::map<std::string, std::map<std::string, std::string>> sections_;
};

}  // namespace layerfs
