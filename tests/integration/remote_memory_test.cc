// The daemon's memory with several remote layers (issue 11: peak RSS ≤
// --cache-size + 32 MiB in every case): five layers on the project's
// loopback range server, each with a 12 MiB stored file, read whole (60
// MiB, more than the bound) through a real mount with a 16 MiB cache,
// without and with the disk cache; every byte compared with unzip's, and
// the daemon's VmHWM checked against 16 + 32 MiB. Before the layers shared
// one block budget (fs/source/block_budget.h) each kept up to 64 MiB.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/daemon_probe.h"
#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/range_server.h"
#include "tests/support/sanitized_build.h"

namespace layerfs::test {
namespace {

using testing_bytes::Noise;

constexpr int kLayers = 5;
constexpr uint64_t kBigFile = 12ull << 20;
constexpr uint64_t kCacheMiB = 16;

class RemoteMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FuseUnavailableReason().empty()) GTEST_SKIP() << "SKIP: " << FuseUnavailableReason();
    Shell("mkdir -p " + Quote(tmp_ / "www"));
    std::vector<std::string> zips;
    for (int i = 0; i < kLayers; ++i) {
      const std::string name = "l" + std::to_string(i);
      const std::string src = tmp_ / ("src-" + name);
      WriteFile(src + "/data/" + name + ".bin", Noise(kBigFile, 100 + i), 0644, 1610000000);
      WriteFile(src + "/python/" + name + ".py", "# layer " + name + "\n" + Noise(5000, i), 0644,
                1610000000);
      const std::string zip = tmp_ / ("www/" + name + ".zip");
      Shell("cd " + Quote(src) + " && TZ=UTC zip -qry0 " + Quote(zip) + " .");
      zips.push_back(zip);
    }
    ASSERT_TRUE(UnzipInto(zips, tmp_ / "extracted"));
    server_ = std::make_unique<RangeServer>(tmp_ / "www");
    ASSERT_TRUE(server_->ok());
    for (int i = 0; i < kLayers; ++i) urls_.push_back(server_->Url("l" + std::to_string(i) + ".zip"));
  }

  // Mounts the five URLs, reads every file (two readers at once, as a
  // real workload would), compares, and checks the daemon's peak memory.
  void ReadAllWithin(const std::string& extra_args) {
    Mount mount(urls_, tmp_ / "mnt",
                "--remote-timeout=20 --cache-size=" + std::to_string(kCacheMiB) + "M " +
                    extra_args);
    ASSERT_TRUE(mount.ok()) << mount.result().output;
    const int pid = DaemonPid(mount.path());
    ASSERT_GT(pid, 0);
    HangGuard guard(mount.path(), std::chrono::seconds(120));
    CommandResult cat = Shell("cd " + Quote(mount.path()) +
                              " && find . -type f -print0 | xargs -0 -P 2 -n 1 cat > /dev/null");
    EXPECT_EQ(cat.exit_code, 0) << cat.output;
    TreeDiff diff = CompareTrees(tmp_ / "extracted", mount.path(),
                                 [](const std::string&) { return true; });
    EXPECT_GE(diff.entries_compared, size_t(2 * kLayers));
    for (const std::string& d : diff.differences) ADD_FAILURE() << d;
    const uint64_t peak_kib = PeakRssKiB(pid);
    const uint64_t bound_kib = (kCacheMiB + 32) << 10;
    EXPECT_GT(peak_kib, 0u);
#ifndef LAYERFS_SANITIZED_BUILD
    EXPECT_LE(peak_kib, bound_kib) << "read " << kLayers * (kBigFile >> 20)
                                   << " MiB from remote layers; peak RSS " << peak_kib / 1024
                                   << " MiB, bound " << bound_kib / 1024 << " MiB";
#endif
    std::printf("peak RSS %llu MiB (bound %llu MiB) after reading %llu MiB from %d layers\n",
                (unsigned long long)(peak_kib / 1024), (unsigned long long)(bound_kib / 1024),
                (unsigned long long)(kLayers * (kBigFile >> 20)), kLayers);
  }

  ScratchDir tmp_;
  std::unique_ptr<RangeServer> server_;
  std::vector<std::string> urls_;
};

TEST_F(RemoteMemoryTest, FiveLayersWithoutTheDiskCacheStayWithinTheBound) {
  ReadAllWithin("--cache-dir=none");
}

TEST_F(RemoteMemoryTest, FiveLayersWithTheDiskCacheStayWithinTheBound) {
  ReadAllWithin("--cache-dir=" + Quote(tmp_ / "cache"));
}

}  // namespace
}  // namespace layerfs::test
