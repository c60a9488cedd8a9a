// `layerfs stats` and --access-log on real mounts: the counters move with
// the traffic the test makes, the stats attribute adds nothing to the tree,
// and the access log names each opened file once, with its layer.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/daemon_probe.h"
#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using Json = nlohmann::json;
using testing_zip::Compression;
using testing_zip::ZipBuilder;

std::string Noise(size_t size) {
  std::string s(size, '\0');
  uint32_t x = 12345;
  for (size_t i = 0; i < size; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = (i / 512) % 2 ? char(x >> 24) : char('a' + (x >> 24) % 26);
  }
  return s;
}

// Two layers: a big deflated file and small ones below; in the upper
// layer an override and a stored file whose bytes no longer match its
// CRC-32 (reading it fails as corrupt).
std::vector<std::string> BuildLayers(const ScratchDir& tmp) {
  ZipBuilder lower, upper;
  lower.File("data/big.bin", Noise(3 << 20));
  lower.File("lib/a.py", "print('a')\n");
  lower.File("lib/b.py", "print('b lower')\n");
  upper.File("lib/b.py", "print('b upper')\n");
  upper.File("bad.txt", std::string(4096, 'A')).Compress(Compression::kStore);
  EXPECT_TRUE(lower.Write(tmp / "lower.zip"));
  EXPECT_TRUE(upper.Write(tmp / "upper.zip"));
  // Corrupt the stored data in place: the central directory still says A*.
  std::fstream zip(tmp / "upper.zip", std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(zip)), {});
  size_t at = bytes.find(std::string(4096, 'A'));
  EXPECT_NE(at, std::string::npos);
  zip.seekp(std::streamoff(at + 100));
  zip.write("BBBB", 4);
  return {tmp / "lower.zip", tmp / "upper.zip"};
}

TEST(StatsTest, CountersMoveWithReadsAndNothingIsAddedToTheTree) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<std::string> zips = BuildLayers(tmp);
  Mount mount(zips, tmp / "mnt", "--cache-size 64M");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  const std::string m = mount.path();

  Json before = StatsJson(m);
  ASSERT_TRUE(before.is_object());
  EXPECT_GT(before["pid"].get<int>(), 0);
  EXPECT_GE(before["uptime_seconds"].get<double>(), 0.0);
  EXPECT_EQ(before["mounted_at"].get<std::string>().size(), 20u);  // 2025-01-02T03:04:05Z
  ASSERT_EQ(before["layers"].size(), 2u);
  EXPECT_EQ(before["layers"][0]["path"], zips[0]);
  EXPECT_EQ(before["layers"][1]["path"], zips[1]);
  EXPECT_GT(before["layers"][0]["entries"].get<uint64_t>(), 3u);
  EXPECT_EQ(before["layers"][0]["files"].get<uint64_t>(), 3u);  // big.bin a.py b.py
  EXPECT_EQ(before["layers"][1]["files"].get<uint64_t>(), 2u);  // b.py bad.txt
  EXPECT_EQ(before["entries"].get<uint64_t>(), before["layers"][0]["entries"].get<uint64_t>() +
                                                  before["layers"][1]["entries"].get<uint64_t>());
  EXPECT_EQ(ErrorSum(before), 0u);

  EXPECT_EQ(ReadAll(m + "/data/big.bin").size(), size_t(3 << 20));
  EXPECT_EQ(ReadAll(m + "/lib/b.py"), "print('b upper')\n");
  struct stat st;
  EXPECT_NE(::stat((m + "/lib/missing.py").c_str(), &st), 0);
  int fd = ::open((m + "/bad.txt").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char buf[64];
  errno = 0;
  EXPECT_EQ(::read(fd, buf, sizeof buf), -1);
  EXPECT_EQ(errno, EIO);
  ::close(fd);

  Json after = StatsJson(m);
  EXPECT_GE(after["opens"].get<uint64_t>(), before["opens"].get<uint64_t>() + 3);
  EXPECT_GT(after["reads"].get<uint64_t>(), before["reads"].get<uint64_t>());
  EXPECT_GE(after["bytes_served"].get<uint64_t>(),
            before["bytes_served"].get<uint64_t>() + (3u << 20));
  EXPECT_GE(after["bytes_decompressed"].get<uint64_t>(), 3u << 20);
  EXPECT_GT(after["lookups"].get<uint64_t>(), before["lookups"].get<uint64_t>());
  EXPECT_GE(after["negative_lookups"].get<uint64_t>(), 1u);
  EXPECT_GT(after["cache"]["misses"].get<uint64_t>(), 0u);
  EXPECT_GT(after["cache"]["bytes_held"].get<uint64_t>(), 0u);
  EXPECT_LE(after["cache"]["bytes_held"].get<uint64_t>(),
            after["cache"]["capacity"].get<uint64_t>());
  EXPECT_GE(after["errors"]["corrupt"].get<uint64_t>(), 1u);
  EXPECT_GT(after["uptime_seconds"].get<double>(), before["uptime_seconds"].get<double>());

  // The text form carries the same numbers.
  CommandResult text = Shell(Quote(LayerfsBinary()) + " stats " + Quote(m));
  EXPECT_EQ(text.exit_code, 0) << text.output;
  for (const char* label : {"lookups:", "negative lookups:", "opens:", "reads:", "bytes served:",
                            "bytes decompressed:", "cache hits:", "cache misses:",
                            "cache evictions:", "cache bytes held:", "errors:", "layers:", "retired stacks:",
                            "mounted at:", "uptime:"}) {
    EXPECT_NE(text.output.find(label), std::string::npos) << label << "\n" << text.output;
  }
  EXPECT_NE(text.output.find(zips[1]), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("corrupt "), std::string::npos) << text.output;

  // The attribute lives on the root only, and no file appears for it.
  char names[1024];
  ssize_t n = ::listxattr(m.c_str(), names, sizeof names);
  ASSERT_GT(n, 0);
  EXPECT_NE(std::string(names, size_t(n)).find("user.layerfs.stats"), std::string::npos);
  n = ::listxattr((m + "/lib/a.py").c_str(), names, sizeof names);
  EXPECT_EQ(std::string(names, size_t(std::max<ssize_t>(n, 0))).find("user.layerfs.stats"),
            std::string::npos);
  errno = 0;
  EXPECT_EQ(::getxattr((m + "/lib").c_str(), "user.layerfs.stats", names, sizeof names), -1);
  EXPECT_EQ(errno, ENODATA);
  CommandResult listing = Shell("cd " + Quote(m) + " && find . | sort");
  EXPECT_EQ(listing.output,
            ".\n./bad.txt\n./data\n./data/big.bin\n./lib\n./lib/a.py\n./lib/b.py\n");
}

TEST(StatsTest, StatsOfSomethingElseFailsClearly) {
  ScratchDir tmp;
  CommandResult r = Shell(Quote(LayerfsBinary()) + " stats " + Quote(tmp.path()));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("not the root of a layerfs mount"), std::string::npos) << r.output;
  CommandResult usage = Shell(Quote(LayerfsBinary()) + " stats");
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
}

TEST(StatsTest, AccessLogNamesEachOpenedFileOnceWithItsLayer) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<std::string> zips = BuildLayers(tmp);
  std::string log = tmp / "access.log";
  Mount mount(zips, tmp / "mnt", "--access-log " + Quote(log));
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  const std::string m = mount.path();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(ReadAll(m + "/lib/b.py"), "print('b upper')\n");
    EXPECT_EQ(ReadAll(m + "/lib/a.py"), "print('a')\n");
  }
  struct stat st;
  ASSERT_EQ(::stat((m + "/data/big.bin").c_str(), &st), 0);  // looked at, never opened
  Shell("ls -lR " + Quote(m));
  // Opened and closed unread (as Python does with an empty __init__.py):
  // with --access-log the daemon still hears of every open.
  int fd = ::open((m + "/bad.txt").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ::close(fd);

  std::ifstream in(log);
  std::map<std::string, std::string> layer_of;
  int lines = 0;
  double last_seconds = -1;
  for (std::string line; std::getline(in, line); ++lines) {
    std::istringstream fields(line);
    std::string path, layer, seconds;
    ASSERT_TRUE(std::getline(fields, path, '\t') && std::getline(fields, layer, '\t') &&
                std::getline(fields, seconds))
        << line;
    layer_of[path] = layer;
    double s = std::stod(seconds);
    EXPECT_GE(s, 0.0);
    EXPECT_LT(s, 600.0);
    EXPECT_GE(s, last_seconds);  // one opener: lines in order
    last_seconds = s;
  }
  EXPECT_EQ(lines, 3);
  EXPECT_EQ(layer_of["bad.txt"], zips[1]);
  EXPECT_EQ(layer_of["lib/b.py"], zips[1]);
  EXPECT_EQ(layer_of["lib/a.py"], zips[0]);
  EXPECT_EQ(layer_of.count("data/big.bin"), 0u);
}

// Without --access-log the kernel opens files without a request (FUSE's
// zero-message open) and keeps their pages: reopening and rereading a
// file costs the daemon nothing, and a reader made once serves them all.
TEST(StatsTest, RereadsOfReopenedFilesNeverReachTheDaemon) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  Mount mount(BuildLayers(tmp), tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  const std::string m = mount.path();
  ASSERT_EQ(ReadAll(m + "/data/big.bin").size(), size_t(3 << 20));
  ASSERT_EQ(ReadAll(m + "/lib/a.py"), "print('a')\n");
  EXPECT_EQ(StatsJson(m)["opens"].get<uint64_t>(), 2u);
  // Other tests drop the page cache system-wide now and then (stress,
  // remount; at most twice a second): a round is kept short, and one that
  // raced a drop is tried again.
  bool quiet_round = false;
  for (int round = 0; round < 30 && !quiet_round; ++round) {
    Json before = StatsJson(m);
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(ReadAll(m + "/lib/a.py"), "print('a')\n");
      ASSERT_EQ(ReadAll(m + "/data/big.bin").size(), size_t(3 << 20));
    }
    Json after = StatsJson(m);
    quiet_round = after["reads"] == before["reads"] && after["opens"] == before["opens"];
  }
  EXPECT_TRUE(quiet_round) << "every round of rereads reached the daemon";
}

TEST(StatsTest, AnAccessLogThatCannotBeWrittenFailsTheMount) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<std::string> zips = BuildLayers(tmp);
  Mount mount(zips, tmp / "mnt", "--access-log " + Quote(tmp / "no/such/dir/access.log"));
  EXPECT_EQ(mount.result().exit_code, 1) << mount.result().output;
  EXPECT_NE(mount.result().output.find("no/such/dir/access.log"), std::string::npos)
      << mount.result().output;
  EXPECT_FALSE(IsMounted(tmp / "mnt"));
}

}  // namespace
}  // namespace layerfs::test
