#include "mount/mount_flags.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "fs/base/unique_fd.h"

namespace layerfs {

namespace {

// mountinfo writes space, tab, newline and backslash in paths as \ooo.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    bool octal = s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' &&
                 s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7';
    if (octal) {
      out += char((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t at = 0;
  while (at < line.size()) {
    size_t end = line.find(' ', at);
    if (end == std::string_view::npos) end = line.size();
    if (end > at) fields.push_back(line.substr(at, end - at));
    at = end + 1;
  }
  return fields;
}

bool HasOption(std::string_view options, std::string_view want) {
  size_t at = 0;
  while (at <= options.size()) {
    size_t end = options.find(',', at);
    if (end == std::string_view::npos) end = options.size();
    if (options.substr(at, end - at) == want) return true;
    at = end + 1;
  }
  return false;
}

Result<std::string> ReadMountinfo() {
  UniqueFd fd(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return Status::IoError(std::string("/proc/self/mountinfo: ") + std::strerror(errno));
  }
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(std::string("/proc/self/mountinfo: ") + std::strerror(errno));
    if (n == 0) return text;
    text.append(buf, size_t(n));
  }
}

}  // namespace

Status CheckMountFlagsIn(std::string_view mountinfo, const std::string& mountpoint) {
  // Fields: id, parent, dev, root, mount point, per-mount options, ...
  std::string_view options;
  bool found = false;
  size_t at = 0;
  while (at < mountinfo.size()) {
    size_t end = mountinfo.find('\n', at);
    if (end == std::string_view::npos) end = mountinfo.size();
    std::vector<std::string_view> f = Fields(mountinfo.substr(at, end - at));
    at = end + 1;
    if (f.size() < 6 || Unescape(f[4]) != mountpoint) continue;
    options = f[5];  // later lines are mounted on top: the last one wins
    found = true;
  }
  if (!found) return Status::NotFound("mountpoint " + mountpoint + ": not in /proc/self/mountinfo");
  for (std::string_view want : {"ro", "nosuid", "nodev"}) {
    if (!HasOption(options, want)) {
      return Status::InvalidArgument(
          "mountpoint " + mountpoint +
          ": the kernel did not mount it ro,nosuid,nodev; refusing to serve");
    }
  }
  return Status::Ok();
}

Status CheckMountFlags(const std::string& mountpoint) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(mountpoint.c_str(), nullptr),
                                                  &std::free);
  if (!real) {
    return Status::IoError("mountpoint " + mountpoint + ": " + std::strerror(errno));
  }
  Result<std::string> text = ReadMountinfo();
  if (!text.ok()) return text.status();
  return CheckMountFlagsIn(*text, real.get());
}

}  // namespace layerfs
