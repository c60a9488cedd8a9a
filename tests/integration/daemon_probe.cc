#include "tests/integration/daemon_probe.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdlib>
#include <fstream>

#include "tests/integration/mount_harness.h"

namespace layerfs::test {

nlohmann::json StatsJson(const std::string& mountpoint) {
  CommandResult r =
      Shell("timeout -k 5 60 " + Quote(LayerfsBinary()) + " stats --json " + Quote(mountpoint));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  nlohmann::json doc = nlohmann::json::parse(r.output, nullptr, false);
  EXPECT_TRUE(doc.is_object()) << r.output;
  return doc.is_object() ? doc : nlohmann::json::object();
}

uint64_t ErrorSum(const nlohmann::json& stats) {
  uint64_t sum = 0;
  if (stats.contains("errors")) {
    for (const auto& [kind, count] : stats["errors"].items()) sum += count.get<uint64_t>();
  }
  return sum;
}

uint64_t PeakRssKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

HangGuard::HangGuard(const std::string& mountpoint, std::chrono::seconds limit) {
  struct stat st;
  if (::stat(mountpoint.c_str(), &st) != 0) return;
  std::string abort_file =
      "/sys/fs/fuse/connections/" + std::to_string(minor(st.st_dev)) + "/abort";
  thread_ = std::thread([this, abort_file, limit] {
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, limit, [this] { return done_; })) return;
    fired_ = true;
    std::ofstream(abort_file) << "1";
  });
}

HangGuard::~HangGuard() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fired_) ADD_FAILURE() << "the mount hung: its FUSE connection was aborted";
}

}  // namespace layerfs::test
