// Logging setup: one spdlog logger for the process, quiet by default
// (warnings and errors only). In the foreground it writes to stderr, where
// journald picks it up; a daemonised layerfs writes to syslog, or to a
// file when --log-file is given.
#pragma once

#include <string>

#include "fs/base/status.h"

namespace layerfs {

enum class LogTarget { kStderr, kSyslog, kFile };

// Checks a level name: trace, debug, info, warn, error, critical, off.
bool IsLogLevel(const std::string& name);

// Replaces the default logger. `file` is used with LogTarget::kFile.
Status SetupLogging(const std::string& level, LogTarget target, const std::string& file = "");

}  // namespace layerfs
