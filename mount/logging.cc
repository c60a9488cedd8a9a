#include "mount/logging.h"

#include <fcntl.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/syslog_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "fs/base/printable.h"
#include "fs/base/write_all.h"

namespace layerfs {

namespace {

// Escapes the control bytes of each message (names in it were made
// Printable where they were put in), then hands it to the real sink. base_sink's mutex
// serialises calls; the inner sink is only reached through here.
class EscapingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit EscapingSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string text =
        WithoutControlBytes(std::string_view(msg.payload.data(), msg.payload.size()));
    spdlog::details::log_msg escaped = msg;
    escaped.payload = spdlog::string_view_t(text.data(), text.size());
    inner_->log(escaped);
  }
  void flush_() override { inner_->flush(); }
  void set_pattern_(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  const std::shared_ptr<spdlog::sinks::sink> inner_;
};

// Writes formatted lines to a descriptor opened by OpenLogFile, one write()
// a line (O_APPEND keeps lines whole). Serialised by base_sink's mutex.
class DescriptorSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit DescriptorSink(UniqueFd fd) : fd_(std::move(fd)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    // A full disk loses log lines, never the mount.
    (void)WriteAll(fd_.get(), std::string_view(line.data(), line.size()));
  }
  void flush_() override {}

 private:
  const UniqueFd fd_;
};

}  // namespace

Result<UniqueFd> OpenLogFile(const std::string& path, bool truncate) {
  UniqueFd fd(::open(path.c_str(),
                     O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0640));
  if (!fd.valid()) {
    if (errno == ELOOP) return Status::InvalidArgument(path + ": is a symlink; refusing to log through it");
    return Status::IoError(path + ": " + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Status::IoError(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + ": not a regular file");
  if (st.st_uid != ::geteuid()) {
    return Status::InvalidArgument(path + ": owned by another user (uid " +
                                   std::to_string(st.st_uid) + ")");
  }
  if (truncate && ::ftruncate(fd.get(), 0) != 0) {
    return Status::IoError(path + ": cannot truncate: " + std::strerror(errno));
  }
  return fd;
}

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
  std::shared_ptr<spdlog::sinks::sink> sink;
  std::string pattern;
  switch (target) {
    case LogTarget::kStderr:
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
      pattern = "layerfs: %l: %v";
      break;
    case LogTarget::kSyslog:
      sink = std::make_shared<spdlog::sinks::syslog_sink_mt>("layerfs", LOG_PID, LOG_DAEMON, true);
      pattern = "%l: %v";
      break;
    case LogTarget::kFile: {
      Result<UniqueFd> fd = OpenLogFile(file, /*truncate=*/false);
      if (!fd.ok()) return Status::IoError("cannot open log file " + fd.status().message());
      sink = std::make_shared<DescriptorSink>(std::move(*fd));
      pattern = "%Y-%m-%dT%H:%M:%S.%e %l [%t] %v";
      break;
    }
  }
  auto logger = std::make_shared<spdlog::logger>("layerfs", std::make_shared<EscapingSink>(sink));
  logger->set_pattern(pattern);
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

}  // namespace layerfs
