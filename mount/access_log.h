// AccessLog: the --access-log file. One line for the first open of each
// file of a mount, so a user learns which files a handler really touches:
//
//   python/lib/python3.12/site-packages/boto/mod3.py<TAB>/layers/b.zip<TAB>0.013402
//
// that is the path under the mount root, the layer zip that provides it,
// and the seconds since the mount began serving. Tabs, newlines, other
// control bytes and backslashes in a name are written as \t, \n, \xHH and
// \\, so a line is always one entry. The file is replaced when the mount
// starts and written with O_APPEND, each line by a single write(), so
// `tail -f` and `cut -f1` work on it while the mount serves.
//
// Threads: RecordOpen is called from every FUSE worker. The set of files
// already logged is guarded by mu_, held only to test-and-insert; the line
// is formatted and written after the lock is dropped, so slow disk never
// stalls other opens (lines of concurrent first opens may therefore appear
// in either order). Opens are keyed by path and layer, never by node
// address (a remount frees old stacks, and their addresses are reused): a
// path that a new stack serves from another layer is logged again, with
// the layer that now provides it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "fs/base/status.h"
#include "fs/union/union_view.h"
#include "fs/base/unique_fd.h"

namespace layerfs {

class AccessLog {
 public:
  // Creates or truncates `path`, refusing a symlink, a non-regular file or
  // another user's file (OpenLogFile in mount/logging.h).
  static Result<std::unique_ptr<AccessLog>> Open(const std::string& path);

  // Logs `node` of `view` unless the same path from the same layer was
  // logged before (by path, not node: a remount's stack is a new tree, and
  // a freed stack's node addresses may be reused). `since_mount` is the
  // time from the start of serving to this open.
  void RecordOpen(const UnionView& view, const UnionNode& node,
                  std::chrono::steady_clock::duration since_mount);

  // The text of one line, with its newline.
  static std::string FormatLine(std::string_view path, std::string_view layer,
                                std::chrono::steady_clock::duration since_mount);

 private:
  explicit AccessLog(UniqueFd fd) : fd_(std::move(fd)) {}

  const UniqueFd fd_;  // O_APPEND; written without a lock, one line per write
  std::atomic<bool> write_failed_{false};  // the failure was logged once

  std::mutex mu_;  // guards seen_
  std::unordered_set<std::string> seen_;  // path, NUL, layer path
};

}  // namespace layerfs
