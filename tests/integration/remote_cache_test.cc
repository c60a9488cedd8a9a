// The shared on-disk cache of remote layers (fs/source/disk_cache.h)
// through real daemons and the project's loopback range server, which
// logs every request: two daemons sharing one cache dir fetch each byte
// range once; a layer read completely mounts again with the server stopped
// and serves every file; a tiny bound or a nearly full file system still
// serves the right bytes; an unusable cache dir is a warning, not a
// failure.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/range_server.h"

namespace layerfs::test {
namespace {

using testing_bytes::Noise;

const std::string kSitePackages = "python/lib/python3.12/site-packages";

// One layer in `tmp`/www/NAME.zip: small modules and two large files
// stored uncompressed (so the zip is several 1 MiB blocks), all under
// names of its own, so no layer hides another's bytes.
std::string BuildLayer(const ScratchDir& tmp, const std::string& name, uint32_t seed) {
  const std::string src = tmp / ("src-" + name);
  for (int i = 0; i < 20; ++i) {
    WriteFile(src + "/" + kSitePackages + "/pkg_" + name + "/mod" + std::to_string(i) + ".py",
              "# module\n" + Noise(900 + i * 71, seed + i), 0644, 1600000000 + i);
  }
  WriteFile(src + "/" + kSitePackages + "/pkg_" + name + "/big.so", Noise(2500000, seed), 0755,
            1610000000);
  WriteFile(src + "/bin/" + name + ".bin", Noise(1200000, seed + 99), 0644, 1610000000);
  Shell("mkdir -p " + Quote(tmp / "www"));
  const std::string zip = tmp / ("www/" + name + ".zip");
  Shell("cd " + Quote(src) + " && TZ=UTC zip -qry0 " + Quote(zip) + " .");
  return zip;
}

std::string Sha256Hex(const std::string& path) {
  CommandResult r = Shell("sha256sum " + Quote(path));
  return r.output.substr(0, 64);
}

// Every file of `expected` read through `mounted`, compared byte for byte.
void ExpectSameTree(const std::string& expected, const std::string& mounted) {
  TreeDiff diff = CompareTrees(expected, mounted, [](const std::string&) { return true; });
  EXPECT_GT(diff.entries_compared, 20u);
  for (const std::string& d : diff.differences) ADD_FAILURE() << d;
}

// The [begin, end] byte ranges of the non-tail GETs of `file` in the log.
std::vector<std::pair<uint64_t, uint64_t>> BlockRanges(const std::vector<std::string>& log,
                                                       const std::string& file) {
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const std::string& line : log) {
    std::istringstream in(line);
    std::string n, method, path, range;
    in >> n >> method >> path >> range;
    if (path != "/" + file || range.rfind("bytes=-", 0) == 0) continue;
    unsigned long long a = 0, b = 0;
    if (std::sscanf(range.c_str(), "bytes=%llu-%llu", &a, &b) == 2) ranges.push_back({a, b});
  }
  std::sort(ranges.begin(), ranges.end());
  return ranges;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

class RemoteCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FuseUnavailableReason().empty()) GTEST_SKIP() << "SKIP: " << FuseUnavailableReason();
    zip_ = BuildLayer(tmp_, "one", 1);
    ASSERT_TRUE(UnzipInto({zip_}, tmp_ / "extracted"));
    server_ = std::make_unique<RangeServer>(tmp_ / "www");
    ASSERT_TRUE(server_->ok());
  }
  std::string CacheArgs(const std::string& extra = "") const {
    return "--remote-timeout=10 --cache-dir=" + Quote(tmp_ / "cache") + " " + extra;
  }

  ScratchDir tmp_;
  std::string zip_;
  std::unique_ptr<RangeServer> server_;
};

TEST_F(RemoteCacheTest, TwoDaemonsSharingOneCacheFetchEachByteOnce) {
  const std::string url = server_->Url("one.zip");
  Mount a({url}, tmp_ / "mnt-a", CacheArgs());
  ASSERT_TRUE(a.ok()) << a.result().output;
  Mount b({url}, tmp_ / "mnt-b", CacheArgs());
  ASSERT_TRUE(b.ok()) << b.result().output;
  // Both read everything at once, so they race for the same blocks.
  std::thread reader_b([&] { ExpectSameTree(tmp_ / "extracted", b.path()); });
  ExpectSameTree(tmp_ / "extracted", a.path());
  reader_b.join();

  std::vector<std::string> log = server_->RequestLog();
  std::vector<std::pair<uint64_t, uint64_t>> ranges = BlockRanges(log, "one.zip");
  ASSERT_FALSE(ranges.empty());
  for (size_t i = 1; i < ranges.size(); ++i) {
    EXPECT_GT(ranges[i].first, ranges[i - 1].second)
        << "bytes " << ranges[i].first << "-" << ranges[i].second << " fetched twice";
  }
  int tails = 0;
  for (const std::string& line : log) tails += line.find("bytes=-") != std::string::npos;
  EXPECT_EQ(tails, 2) << "one tail per daemon at mount";
  EXPECT_EQ(int(log.size()), tails + int(ranges.size()));
}

TEST_F(RemoteCacheTest, ACachedColdMountAndSmallReadAreOneRequestEach) {
  Mount m({server_->Url("one.zip")}, tmp_ / "mnt", CacheArgs());
  ASSERT_TRUE(m.ok()) << m.result().output;
  EXPECT_EQ(server_->Requests(), 1) << "the tail, cached from the mount's own request";
  const std::string rel = kSitePackages + "/pkg_one/mod7.py";
  EXPECT_EQ(ReadAll(m.path() + "/" + rel), ReadAll(tmp_ / ("extracted/" + rel)));
  EXPECT_EQ(server_->Requests(), 2);
}

TEST_F(RemoteCacheTest, ALayerReadCompletelyMountsAgainWithTheServerStopped) {
  // Layer one comes with its SHA-256 (as the store passes CodeSha256),
  // layer two with its URL only.
  const std::string zip2 = BuildLayer(tmp_, "two", 50);
  ASSERT_TRUE(UnzipInto({zip_, zip2}, tmp_ / "extracted-both"));
  const std::string one = server_->Url("one.zip") + "#sha256=" + Sha256Hex(zip_);
  const std::string two = server_->Url("two.zip");
  {
    Mount m({one, two}, tmp_ / "mnt", CacheArgs());
    ASSERT_TRUE(m.ok()) << m.result().output;
    ExpectSameTree(tmp_ / "extracted-both", m.path());
  }
  {
    // The server is up, but a complete layer of known content needs nothing.
    int before = server_->Requests();
    Mount m({one}, tmp_ / "mnt", CacheArgs());
    ASSERT_TRUE(m.ok()) << m.result().output;
    ExpectSameTree(tmp_ / "extracted", m.path());
    EXPECT_EQ(server_->Requests(), before) << "a verified complete layer asked the server";
  }
  server_.reset();  // stopped: every request would now fail
  Mount m({one, two}, tmp_ / "mnt", CacheArgs());
  ASSERT_TRUE(m.ok()) << m.result().output;
  ExpectSameTree(tmp_ / "extracted-both", m.path());
}

TEST_F(RemoteCacheTest, AnIncompleteLayerDoesNotMountWithTheServerStopped) {
  const std::string url = server_->Url("one.zip");
  {
    Mount m({url}, tmp_ / "mnt", CacheArgs());
    ASSERT_TRUE(m.ok()) << m.result().output;
    EXPECT_EQ(ReadAll(m.path() + "/" + kSitePackages + "/pkg_one/mod3.py"),
              ReadAll(tmp_ / ("extracted/" + kSitePackages + "/pkg_one/mod3.py")));
  }
  server_.reset();
  Mount m({url}, tmp_ / "mnt", "--remote-timeout=2 --cache-dir=" + Quote(tmp_ / "cache"));
  EXPECT_FALSE(m.ok()) << "served a layer the cache does not hold whole";
  EXPECT_NE(m.result().output.find(url), std::string::npos) << m.result().output;
}

TEST_F(RemoteCacheTest, ATinyBoundStillServesTheRightBytes) {
  Mount m({server_->Url("one.zip")}, tmp_ / "mnt", CacheArgs("--cache-dir-size=1M"));
  ASSERT_TRUE(m.ok()) << m.result().output;
  ExpectSameTree(tmp_ / "extracted", m.path());
  ExpectSameTree(tmp_ / "extracted", m.path());
  EXPECT_LE(DirBytes(tmp_ / "cache/layers"), (1u << 20) + 8192) << "the bound was passed";
}

TEST_F(RemoteCacheTest, ANearlyFullFileSystemStillServesTheRightBytes) {
  // A 3 MiB tmpfs holds the cache: blocks stop being cached when it runs
  // short, and reads go on from the server.
  ASSERT_EQ(::mkdir((tmp_ / "cache").c_str(), 0700), 0);
  ASSERT_EQ(::mount("tmpfs", (tmp_ / "cache").c_str(), "tmpfs", 0, "size=3m,mode=0700"), 0)
      << std::strerror(errno);
  {
    Mount m({server_->Url("one.zip")}, tmp_ / "mnt", CacheArgs());
    ASSERT_TRUE(m.ok()) << m.result().output;
    ExpectSameTree(tmp_ / "extracted", m.path());
    ExpectSameTree(tmp_ / "extracted", m.path());
    EXPECT_GT(DirBytes(tmp_ / "cache/layers"), 0u) << "nothing was cached at all";
  }
  ::umount2((tmp_ / "cache").c_str(), MNT_DETACH);
}

TEST_F(RemoteCacheTest, AnUnusableCacheDirIsAWarningAndTheMountGoesOn) {
  WriteFile(tmp_ / "not-a-dir", "x");
  ::mkdir((tmp_ / "theirs").c_str(), 0700);
  ASSERT_EQ(::chown((tmp_ / "theirs").c_str(), ::geteuid() + 4242, ::getegid()), 0);
  for (const std::string& dir : {tmp_ / "not-a-dir", tmp_ / "theirs"}) {
    Mount m({server_->Url("one.zip")}, tmp_ / "mnt", "--cache-dir=" + Quote(dir));
    ASSERT_TRUE(m.ok()) << m.result().output;
    EXPECT_NE(m.result().output.find("cache dir " + dir), std::string::npos) << m.result().output;
    EXPECT_NE(m.result().output.find("without the disk cache"), std::string::npos);
    ExpectSameTree(tmp_ / "extracted", m.path());
  }
}

}  // namespace
}  // namespace layerfs::test
