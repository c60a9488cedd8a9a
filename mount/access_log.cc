#include "mount/access_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "fs/base/printable.h"
#include "mount/logging.h"

namespace layerfs {

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const std::string& path) {
  Result<UniqueFd> fd = OpenLogFile(path, /*truncate=*/true);
  if (!fd.ok()) return Status::IoError("access log " + fd.status().message());
  return std::unique_ptr<AccessLog>(new AccessLog(std::move(*fd)));
}

std::string AccessLog::FormatLine(std::string_view path, std::string_view layer,
                                  std::chrono::steady_clock::duration since_mount) {
  std::string line;
  AppendPrintable(line, path);
  line += '\t';
  AppendPrintable(line, layer);
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
