// Logging setup: one spdlog logger for the process, quiet by default
// (warnings and errors only). In the foreground it writes to stderr, where
// journald picks it up; a daemonised layerfs writes to syslog, or to a
// file when --log-file is given.
//
// Every message is escaped on its way to any sink (fs/base/printable.h):
// a name from a zip cannot add a line. Log files are opened so that a
// symlink or a file planted by another user is refused, not written
// through (OpenLogFile).
#pragma once

#include <string>

#include "fs/base/status.h"
#include "fs/base/unique_fd.h"

namespace layerfs {

enum class LogTarget { kStderr, kSyslog, kFile };

// Checks a level name: trace, debug, info, warn, error, critical, off.
bool IsLogLevel(const std::string& name);

// Replaces the default logger. `file` is used with LogTarget::kFile.
Status SetupLogging(const std::string& level, LogTarget target, const std::string& file = "");

// Opens (creating it 0640 if missing) a file to append log lines to:
// refused if the last component is a symlink (O_NOFOLLOW), if it is not a
// regular file, or if another user owns it. Only then, with `truncate`,
// is it emptied. Errors name the file and the reason.
Result<UniqueFd> OpenLogFile(const std::string& path, bool truncate);

}  // namespace layerfs
