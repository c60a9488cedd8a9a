// Layers mounted straight from HTTP URLs (fs/source/http_source.h), served
// on loopback by nginx (tests/support/range_server.h) and by the project's
// own fault server: the tree matches `unzip -o` of the same zips byte for
// byte; a cold mount and a cold small read cost few requests; a failing
// server gives EIO, never a wrong byte, and the daemon stays up.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/range_server.h"

namespace layerfs::test {
namespace {

using testing_bytes::Noise;

// Two layers in `dir`/www: many small files, a large one, an override.
std::vector<std::string> BuildLayers(const ScratchDir& tmp) {
  std::string sp = "python/lib/python3.12/site-packages";
  for (int i = 0; i < 30; ++i) {
    WriteFile(tmp / ("src1/" + sp + "/pkg/mod" + std::to_string(i) + ".py"),
              "# module\n" + Noise(700 + i * 53, i), 0644, 1600000000 + i);
  }
  WriteFile(tmp / ("src1/" + sp + "/pkg/big.so"), Noise(3 << 20, 5), 0755, 1610000000);
  WriteFile(tmp / "src2/bin/tool", "#!/bin/sh\necho tool\n", 0755, 1620000000);
  WriteFile(tmp / ("src2/" + sp + "/pkg/mod3.py"), "# overridden\n", 0644, 1630000000);
  MakeSymlink("tool", tmp / "src2/bin/tool-link");
  std::vector<std::string> zips;
  Shell("mkdir -p " + Quote(tmp / "www"));
  for (std::string name : {"one", "two"}) {
    std::string src = tmp / (name == "one" ? "src1" : "src2");
    std::string zip = tmp / ("www/" + name + ".zip");
    Shell("cd " + Quote(src) + " && TZ=UTC zip -qry " + Quote(zip) + " .");
    zips.push_back(zip);
  }
  return zips;
}

TEST(RemoteLayerTest, LibcurlIsLoadedOnlyForRemoteLayers) {
  // libcurl is opened on first use (fs/source/curl_library.h): with a
  // broken libcurl.so.4 first on the library path, a local layer still
  // opens, and a URL fails saying which library and why.
  ScratchDir tmp;
  std::vector<std::string> zips = BuildLayers(tmp);
  WriteFile(tmp / "nocurl/libcurl.so.4", "not a shared library", 0644, 1600000000);
  const std::string env = "LD_LIBRARY_PATH=" + Quote(tmp / "nocurl") + " ";
  CommandResult local = Shell(env + Quote(LayerfsBinary()) + " inspect " + Quote(zips[0]));
  EXPECT_EQ(local.exit_code, 0) << local.output;
  CommandResult remote =
      Shell(env + Quote(LayerfsBinary()) + " inspect http://127.0.0.1:9/one.zip");
  EXPECT_NE(remote.exit_code, 0) << remote.output;
  EXPECT_NE(remote.output.find("cannot load libcurl.so.4"), std::string::npos) << remote.output;
  EXPECT_NE(remote.output.find("http://127.0.0.1:9/one.zip"), std::string::npos) << remote.output;
}

TEST(RemoteLayerTest, NginxServedStackMatchesUnzipExtraction) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<std::string> zips = BuildLayers(tmp);
  ASSERT_TRUE(UnzipInto(zips, tmp / "extracted"));
  NginxServer nginx(tmp / "www");
  ASSERT_TRUE(nginx.ok()) << "nginx did not start";
  // A local zip and URLs mixed in one stack.
  Mount mount({nginx.Url("one.zip"), zips[1]}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  EXPECT_EQ(nginx.Requests(), 1) << "a cold mount reads one tail";
  TreeDiff diff = CompareTrees(tmp / "extracted", mount.path(),
                               [](const std::string& rel) { return rel.find("pkg") != rel.npos ||
                                                                   rel == "python" ||
                                                                   rel.find("python/") == 0 ||
                                                                   rel == "." || rel.empty(); });
  EXPECT_GT(diff.entries_compared, 30u);
  for (const std::string& d : diff.differences) ADD_FAILURE() << d;
}

class RemoteFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FuseUnavailableReason().empty()) GTEST_SKIP() << "SKIP: " << FuseUnavailableReason();
    zips_ = BuildLayers(tmp_);
    ASSERT_TRUE(UnzipInto(zips_, tmp_ / "extracted"));
    server_ = std::make_unique<RangeServer>(tmp_ / "www");
    ASSERT_TRUE(server_->ok());
  }
  ScratchDir tmp_;
  std::vector<std::string> zips_;
  std::unique_ptr<RangeServer> server_;
};

TEST_F(RemoteFaultTest, ColdMountAndSmallReadCostFewRequests) {
  Mount mount({server_->Url("one.zip"), server_->Url("two.zip")}, tmp_ / "mnt",
              "--remote-timeout=5");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  EXPECT_LE(server_->Requests(), 2 * 2) << "at most two requests per layer";
  int before = server_->Requests();
  std::string rel = "python/lib/python3.12/site-packages/pkg/mod7.py";
  EXPECT_EQ(ReadAll(mount.path() + "/" + rel), ReadAll(tmp_ / ("extracted/" + rel)));
  EXPECT_EQ(server_->Requests() - before, 1) << "a cold small-file read is one request";
}

TEST_F(RemoteFaultTest, FailingServerGivesEioAndTheDaemonStaysUp) {
  Mount mount({server_->Url("one.zip")}, tmp_ / "mnt", "--remote-timeout=3");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  std::string rel = "python/lib/python3.12/site-packages/pkg/big.so";
  const std::string expected = ReadAll(tmp_ / ("extracted/" + rel));
  for (const char* faults : {R"({"status": 503})", R"({"full_200": true})",
                             R"({"wrong_range": true})", R"({"etag": "\"changed\""})",
                             R"({"cut_after": 5000})", R"({"status": 403})"}) {
    server_->SetFaults(faults);
    int fd = ::open((mount.path() + "/" + rel).c_str(), O_RDONLY);
    ASSERT_GE(fd, 0) << faults;
    // Every byte returned must be right; the read as a whole must fail.
    std::string buf(expected.size(), '\0');
    ssize_t n = ::pread(fd, buf.data(), buf.size(), 0);
    int err = errno;
    ::close(fd);
    if (n >= 0) {
      EXPECT_EQ(buf.substr(0, size_t(n)), expected.substr(0, size_t(n))) << faults;
      EXPECT_LT(size_t(n), expected.size()) << faults << ": served while failing";
    } else {
      EXPECT_EQ(err, EIO) << faults;
    }
    ASSERT_NE(DaemonPid(mount.path()), -1) << "the daemon died on " << faults;
  }
  server_->SetFaults("{}");
  EXPECT_EQ(ReadAll(mount.path() + "/" + rel), expected) << "healthy again";
}

TEST_F(RemoteFaultTest, RemountSwapsInAUrlLayer) {
  Mount mount({zips_[1]}, tmp_ / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  std::string rel = "python/lib/python3.12/site-packages/pkg/mod7.py";
  CommandResult r = Shell(Quote(LayerfsBinary()) + " remount " + Quote(mount.path()) + " " +
                          Quote(server_->Url("one.zip")) + " " + Quote(zips_[1]));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadAll(mount.path() + "/" + rel), ReadAll(tmp_ / ("extracted/" + rel)));
  EXPECT_EQ(ReadAll(mount.path() + "/bin/tool"), ReadAll(tmp_ / "extracted/bin/tool"));
}

// The bytes each request of `log` (RangeServer::RequestLog) asked for,
// from its "bytes=A-B" range.
std::vector<uint64_t> RangeLengths(const std::vector<std::string>& log) {
  std::vector<uint64_t> lengths;
  for (const std::string& line : log) {
    size_t eq = line.rfind("bytes=");
    size_t dash = line.find('-', eq);
    if (eq == std::string::npos || dash == std::string::npos) continue;
    uint64_t a = std::stoull(line.substr(eq + 6, dash - eq - 6));
    uint64_t b = std::stoull(line.substr(dash + 1));
    lengths.push_back(b - a + 1);
  }
  return lengths;
}

class RemoteSmallReadsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RemoteSmallReadsTest, EachColdSmallFileIsOneRequestForLittleMoreThanItself) {
  // A layer of 300 incompressible 20 KB modules (each over a block), then a large file so the
  // modules lie far from the tail fetched at mount: reading a module cold
  // fetches its own entry, rounded to blocks, in one request, and none of
  // its neighbours (which a read-ahead across entries would drag in).
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  const std::string sp = "python/lib/python3.12/site-packages/";
  for (int i = 0; i < 300; ++i) {
    WriteFile(tmp / ("src/" + sp + "pkg/m" + std::to_string(1000 + i) + ".py"),
              Noise(20000, 7000 + i), 0644, 1600000000);
  }
  WriteFile(tmp / ("src/" + sp + "zz/blob.bin"), Noise(2 << 20, 3), 0644, 1600000000);
  Shell("mkdir -p " + Quote(tmp / "www"));
  Shell("cd " + Quote(tmp / "src") + " && TZ=UTC zip -qrX " + Quote(tmp / "www/l.zip") +
        " python");
  ASSERT_TRUE(UnzipInto({tmp / "www/l.zip"}, tmp / "extracted"));
  RangeServer server(tmp / "www");
  ASSERT_TRUE(server.ok());
  std::string extra = "--remote-timeout=10 " + std::string(GetParam());
  if (extra.find("cache-dir=DIR") != std::string::npos) {
    extra.replace(extra.find("DIR"), 3, tmp / "cache");
  }
  Mount mount({server.Url("l.zip")}, tmp / "mnt", extra);
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  const uint64_t kBlock = 16 << 10;
  for (int i : {7, 8, 120, 121, 122, 250}) {
    const std::string rel = sp + "pkg/m" + std::to_string(1000 + i) + ".py";
    const size_t before = server.RequestLog().size();
    EXPECT_EQ(ReadAll(mount.path() + "/" + rel), ReadAll(tmp / ("extracted/" + rel))) << rel;
    std::vector<std::string> log = server.RequestLog();
    std::vector<uint64_t> lengths =
        RangeLengths(std::vector<std::string>(log.begin() + before, log.end()));
    ASSERT_EQ(lengths.size(), 1u) << rel << ": a cold small-file read is one request";
    // The entry (20 KB and its header) spans at most three blocks.
    EXPECT_LE(lengths[0], 3 * kBlock) << rel;
  }
}

INSTANTIATE_TEST_SUITE_P(CacheModes, RemoteSmallReadsTest,
                         ::testing::Values("--cache-dir=none", "--cache-dir=DIR"),
                         [](const auto& param) { return param.index == 0 ? "Memory" : "DiskCache"; });

}  // namespace
}  // namespace layerfs::test
