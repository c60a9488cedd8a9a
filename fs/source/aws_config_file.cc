#include "fs/source/aws_config_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace layerfs {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string Trim(const std::string& s) {
  size_t a = 0, b = s.size();
  while (a < b && IsBlank(s[a])) ++a;
  while (b > a && IsBlank(s[b - 1])) --b;
  return s.substr(a, b - a);
}

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<AwsConfigFile> AwsConfigFile::Parse(const std::string& text, const std::string& path) {
  AwsConfigFile file;
  std::map<std::string, std::string>* section = nullptr;
  std::istringstream in(text);
  std::string raw;
  for (int line = 1; std::getline(in, raw); ++line) {
    std::string s = Trim(raw);
    if (s.empty() || s[0] == '#' || s[0] == ';') continue;
    const std::string where = path + ":" + std::to_string(line) + ": ";
    if (IsBlank(raw[0])) {
      // A nested value's sub-key: belongs to the key above, not the section.
      if (section == nullptr) return Status::InvalidArgument(where + "indented line outside a section");
      continue;
    }
    if (s[0] == '[') {
      if (s.back() != ']' || s.size() < 3) {
        return Status::InvalidArgument(where + "malformed section header");
      }
      section = &file.sections_[Trim(s.substr(1, s.size() - 2))];
      continue;
    }
    size_t eq = s.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument(where + "expected 'key = value'");
    }
    if (section == nullptr) return Status::InvalidArgument(where + "a key before any [section]");
    (*section)[Lower(Trim(s.substr(0, eq)))] = Trim(s.substr(eq + 1));
  }
  return file;
}

Result<AwsConfigFile> AwsConfigFile::Load(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::InvalidArgument(path + ": is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    if (err == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IoError(path + ": " + std::strerror(err));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError(path + ": read failed");
  return Parse(ss.str(), path);
}

std::optional<std::string> AwsConfigFile::Get(const std::string& section,
                                              const std::string& key) const {
  auto s = sections_.find(section);
  if (s == sections_.end()) return std::nullopt;
  auto k = s->second.find(Lower(key));
  if (k == s->second.end()) return std::nullopt;
  return k->second;
}

}  // namespace layerfs
