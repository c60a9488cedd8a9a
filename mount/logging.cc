#include "mount/logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <syslog.h>

#include <array>

namespace layerfs {

bool IsLogLevel(const std::string& name) {
  static constexpr std::array<const char*, 7> kLevels = {
      "trace", "debug", "info", "warn", "error", "critical", "off"};
  for (const char* level : kLevels) {
    if (name == level) return true;
  }
  return false;
}

Status SetupLogging(const std::string& level, LogTarget target, const std::string& file) {
  if (!IsLogLevel(level)) {
    return Status::InvalidArgument("unknown log level '" + level +
                                   "' (trace, debug, info, warn, error, critical, off)");
  }
  std::shared_ptr<spdlog::logger> logger;
  try {
    switch (target) {
      case LogTarget::kStderr:
        logger = std::make_shared<spdlog::logger>(
            "layerfs", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        logger->set_pattern("layerfs: %l: %v");
        break;
      case LogTarget::kSyslog:
        logger = std::make_shared<spdlog::logger>(
            "layerfs", std::make_shared<spdlog::sinks::syslog_sink_mt>(
                           "layerfs", LOG_PID, LOG_DAEMON, true));
        logger->set_pattern("%l: %v");
        break;
      case LogTarget::kFile:
        logger = std::make_shared<spdlog::logger>(
            "layerfs", std::make_shared<spdlog::sinks::basic_file_sink_mt>(file));
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l [%t] %v");
        break;
    }
  } catch (const spdlog::spdlog_ex& e) {
    return Status::IoError(file + ": cannot open log file: " + e.what());
  }
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

}  // namespace layerfs
