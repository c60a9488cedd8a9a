#include "mount/access_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace layerfs {

namespace {

void AppendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
}

}  // namespace

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return Status::IoError("access log " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<AccessLog>(new AccessLog(std::move(fd)));
}

std::string AccessLog::FormatLine(std::string_view path, std::string_view layer,
                                  std::chrono::steady_clock::duration since_mount) {
  std::string line;
  AppendEscaped(line, path);
  line += '\t';
  AppendEscaped(line, layer);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "\t%.6f\n",
                std::chrono::duration<double>(since_mount).count());
  line += seconds;
  return line;
}

void AccessLog::RecordOpen(const UnionView& view, const UnionNode& node,
                           std::chrono::steady_clock::duration since_mount) {
  std::string path = view.PathOf(node);
  const std::string& layer = view.SourceLayer(node).path();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!seen_.insert(path + '\0' + layer).second) return;
  }
  std::string line = FormatLine(path, layer, since_mount);
  // One write() per line: with O_APPEND, lines from concurrent opens never
  // interleave. A failed write loses a line, never the open.
  ssize_t n;
  do {
    n = ::write(fd_.get(), line.data(), line.size());
  } while (n < 0 && errno == EINTR);
  if (n != ssize_t(line.size()) && !write_failed_.exchange(true)) {
    spdlog::error("access log: write failed ({}); lines are being lost",
                  n < 0 ? std::strerror(errno) : "short write");
  }
}

}  // namespace layerfs
