// `layerfs remount` and SIGHUP swap the whole layer stack of a live mount:
// readers never see torn or mixed content, open files keep their stack,
// and a stack that fails to open leaves the old one serving.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "tests/integration/daemon_probe.h"
#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"

namespace layerfs::test {
namespace {

// A layer whose every file holds one repeated letter, so any mix of two
// stacks inside one read shows as two letters.
std::string MakeLayer(const ScratchDir& tmp, const std::string& name, char letter,
                      const std::string& only_here) {
  std::string src = tmp / ("src-" + name);
  WriteFile(src + "/data/big.bin", std::string(3 << 20, letter));
  WriteFile(src + "/data/small.txt", std::string(100, letter));
  WriteFile(src + "/" + only_here, "present");
  std::string zip = tmp / (name + ".zip");
  CommandResult r = Shell("cd " + Quote(src) + " && zip -qry " + Quote(zip) + " .");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return zip;
}

bool Uniform(const std::string& s) {
  return !s.empty() && s.find_first_not_of(s[0]) == std::string::npos;
}

CommandResult Remount(const std::string& mnt, const std::string& zip) {
  return Shell(Quote(LayerfsBinary()) + " remount " + Quote(mnt) + " " + Quote(zip));
}

TEST(RemountTest, HundredSwapsNeverTearAReadAndOpenFilesKeepTheirStack) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::string a = MakeLayer(tmp, "a", 'A', "only-a");
  std::string b = MakeLayer(tmp, "b", 'B', "only-b");
  Mount mount({a}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  std::string mnt = mount.path();

  int held = ::open((mnt + "/data/big.bin").c_str(), O_RDONLY);
  ASSERT_GE(held, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, torn{0}, errors{0};
  std::thread reader([&] {
    while (!stop) {
      std::string content = ReadAll(mnt + (reads % 2 ? "/data/big.bin" : "/data/small.txt"));
      ++reads;
      if (content.empty()) ++errors;
      else if (!Uniform(content)) ++torn;
    }
  });
  // At least 100 swaps, and more while the reader has done few reads (a
  // sanitized build reads slowly): the swaps must overlap reads to prove
  // anything. Odd swaps install a, and the loop ends after one.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int i = 0; i < 100 || (reads <= 20 && std::chrono::steady_clock::now() < deadline); i += 2) {
    for (const std::string& zip : {b, a}) {
      CommandResult r = Remount(mnt, zip);
      ASSERT_EQ(r.exit_code, 0) << "swap " << i << ": " << r.output;
    }
  }
  stop = true;
  reader.join();
  EXPECT_EQ(torn, 0) << "of " << reads << " reads";
  EXPECT_EQ(errors, 0) << "of " << reads << " reads";
  EXPECT_GT(reads, 20);

  // 100 swaps end on stack a; the file opened on the first stack reads it.
  std::string old(4096, '\0');
  ASSERT_EQ(::pread(held, old.data(), old.size(), 1 << 20), ssize_t(old.size()));
  EXPECT_TRUE(Uniform(old) && old[0] == 'A');
  ::close(held);

  ASSERT_EQ(Remount(mnt, b).exit_code, 0);
  EXPECT_EQ(ReadAll(mnt + "/data/small.txt"), std::string(100, 'B'));
  EXPECT_EQ(ReadAll(mnt + "/only-b"), "present");
  EXPECT_NE(::access((mnt + "/only-a").c_str(), F_OK), 0) << "old stack still visible";
}

// A replaced stack lives while the kernel holds any of its nodes (an open
// file, cached entries) and is freed once it forgets the last: repeated
// remounts do not grow the daemon without bound.
TEST(RemountTest, RetiredStacksAreFreedOnceTheKernelLetsGoOfThem) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::string a = MakeLayer(tmp, "a", 'A', "only-a");
  std::string b = MakeLayer(tmp, "b", 'B', "only-b");
  Mount mount({a}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  const std::string mnt = mount.path();
  auto retired = [&] { return StatsJson(mnt)["retired_stacks"].get<uint64_t>(); };

  Shell("ls -lR " + Quote(mnt));  // readdirplus and lookups: many holds
  int held = ::open((mnt + "/data/big.bin").c_str(), O_RDONLY);
  ASSERT_GE(held, 0);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Remount(mnt, i % 2 ? a : b).exit_code, 0);
    Shell("ls -lR " + Quote(mnt));
  }
  // Let the kernel reclaim what it may: all but the open file's stack go.
  // Invalidated entries are usually forgotten at once; dropping dentries
  // system-wide (twice a second at most: other tests share the machine)
  // makes the kernel let go of the rest.
  auto settle = [&](uint64_t want) {
    uint64_t now = retired();
    for (int i = 0; i < 100 && now > want; ++i) {
      if (i % 10 == 9) std::ofstream("/proc/sys/vm/drop_caches") << "2";
      ::usleep(50000);
      now = retired();
    }
    return now;
  };
  EXPECT_EQ(settle(1), 1u) << "only the stack with an open file should stay";
  std::string bytes(4096, '\0');
  ASSERT_EQ(::pread(held, bytes.data(), bytes.size(), 1 << 20), ssize_t(bytes.size()));
  EXPECT_TRUE(Uniform(bytes) && bytes[0] == 'A') << "the open file lost its stack";
  ::close(held);
  EXPECT_EQ(settle(0), 0u);
  EXPECT_EQ(ReadAll(mnt + "/data/small.txt"), std::string(100, 'A'));  // the 10th swap: a
  EXPECT_EQ(ErrorSum(StatsJson(mnt)), 0u);
}

TEST(RemountTest, AStackThatFailsToOpenLeavesTheOldOneServing) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::string a = MakeLayer(tmp, "a", 'A', "only-a");
  WriteFile(tmp / "broken.zip", "not a zip at all");
  Mount mount({a}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  CommandResult r = Remount(mount.path(), tmp / "broken.zip");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("broken.zip"), std::string::npos) << r.output;
  EXPECT_EQ(ReadAll(mount.path() + "/data/small.txt"), std::string(100, 'A'));
}

TEST(RemountTest, SighupRereadsLayersReplacedOnDisk) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::string a = MakeLayer(tmp, "a", 'A', "only-a");
  std::string b = MakeLayer(tmp, "b", 'B', "only-b");
  std::string live = tmp / "live.zip";
  ASSERT_EQ(Shell("cp " + Quote(a) + " " + Quote(live)).exit_code, 0);
  Mount mount({live}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  EXPECT_EQ(ReadAll(mount.path() + "/data/small.txt"), std::string(100, 'A'));
  // Publish a new version the way tools do: write beside, rename over.
  ASSERT_EQ(Shell("cp " + Quote(b) + " " + Quote(live + ".new") + " && mv " +
                  Quote(live + ".new") + " " + Quote(live)).exit_code, 0);
  EXPECT_EQ(ReadAll(mount.path() + "/data/small.txt"), std::string(100, 'A'))
      << "a mounted layer must not change under a reader before a reload";
  CommandResult pid = Shell("pgrep -f " + Quote("layerfs mount .*" + mount.path()) + " | head -1");
  ASSERT_EQ(pid.exit_code, 0) << pid.output;
  ASSERT_EQ(::kill(std::stoi(pid.output), SIGHUP), 0);
  std::string seen;
  for (int i = 0; i < 100 && seen != std::string(100, 'B'); ++i) {
    ::usleep(20000);
    seen = ReadAll(mount.path() + "/data/small.txt");
  }
  EXPECT_EQ(seen, std::string(100, 'B'));
}

}  // namespace
}  // namespace layerfs::test
