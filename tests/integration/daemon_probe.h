// What integration tests learn about a running layerfs daemon from the
// outside: its counters (`layerfs stats --json`), its peak memory, and a
// watchdog that turns a hung mount into a test failure.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace layerfs::test {

// The mount's stats document (an empty object, with a test failure, if
// the command fails or hangs for a minute).
nlohmann::json StatsJson(const std::string& mountpoint);

// The sum of the document's "errors" counters.
uint64_t ErrorSum(const nlohmann::json& stats);

// The high-water mark of a process's resident memory (VmHWM), in KiB;
// 0 if the process is gone.
uint64_t PeakRssKiB(pid_t pid);

// Aborts the FUSE connection of a mount still in use after `limit`, so a
// daemon that hangs fails the test (blocked calls return ENOTCONN) rather
// than blocking the suite.
class HangGuard {
 public:
  HangGuard(const std::string& mountpoint, std::chrono::seconds limit);
  ~HangGuard();
  HangGuard(const HangGuard&) = delete;
  HangGuard& operator=(const HangGuard&) = delete;

 private:
  std::mutex mu_;  // guards done_
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;
};

}  // namespace layerfs::test
