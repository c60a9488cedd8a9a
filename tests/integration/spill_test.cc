// The spill of large compressed entries on a real mount: a large deflated,
// Zstandard or XZ entry read at random offsets is decompressed about once
// (stats), every byte equals `unzip -p` (deflate) or the bytes zipped, and
// `layerfs stats` shows the spill. Without the spill an XZ or Zstandard
// entry restarts decoding from its start at every backward seek.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tests/integration/daemon_probe.h"
#include "tests/integration/mount_harness.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using testing_zip::Compression;
using testing_zip::ZipBuilder;

// Like a shared library: runs of text and of noise, deflating to about half.
std::string LibraryLike(size_t size) {
  std::mt19937 rng(42);
  std::string s;
  s.reserve(size);
  while (s.size() < size) {
    uint32_t r = rng();
    if (r % 4 == 0) {
      for (int i = 0; i < 64; ++i) s += char(rng());
    } else {
      s += "_ZN4llvm12PassRegistry" + std::to_string(r % 1000) + "\n";
    }
  }
  s.resize(size);
  return s;
}

struct SpilledEntry {
  Compression compression;
  uint64_t size;
  int random_reads;
};

class SpillMethodTest : public ::testing::TestWithParam<SpilledEntry> {};

TEST_P(SpillMethodTest, RandomReadsOfALargeEntryDecompressItOnceAndMatch) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  const uint64_t kSize = GetParam().size;
  std::string data = LibraryLike(kSize);
  ASSERT_TRUE(ZipBuilder()
                  .File("lib/libbig.so", data).Compress(GetParam().compression)
                  .File("python/x.py", "x = 1\n")
                  .Write(tmp / "layer.zip"));
  std::string unzipped = data;
  if (GetParam().compression == Compression::kDeflate) {  // unzip 6 has no zstd, xz
    CommandResult unzip = Shell("unzip -p " + Quote(tmp / "layer.zip") + " lib/libbig.so > " +
                                Quote(tmp / "unzipped"));
    ASSERT_EQ(unzip.exit_code, 0) << unzip.output;
    unzipped = testing_files::ReadFile(tmp / "unzipped");
    ASSERT_EQ(unzipped.size(), data.size());
    ASSERT_TRUE(unzipped == data);
  }
  ASSERT_EQ(Shell("mkdir " + Quote(tmp / "spill")).exit_code, 0);

  Mount mount({tmp / "layer.zip"}, tmp / "mnt",
              "--cache-size 16M --spill-dir " + Quote(tmp / "spill") + " --spill-size 1G");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  std::string path = mount.path() + "/lib/libbig.so";
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0) << path;
  // The dynamic loader's pattern: 4 KiB pages anywhere in the file.
  std::mt19937 rng(7);
  std::vector<char> page(4096);
  uint64_t served = 0;
  for (int i = 0; i < GetParam().random_reads; ++i) {
    uint64_t offset = (rng() % (kSize / 4096)) * 4096;
    ssize_t n = ::pread(fd, page.data(), page.size(), off_t(offset));
    ASSERT_EQ(n, 4096) << "offset " << offset;
    ASSERT_TRUE(std::string_view(page.data(), 4096) ==
                std::string_view(unzipped).substr(offset, 4096))
        << "offset " << offset;
    served += 4096;
  }
  // Then the whole file, front to back.
  std::string all;
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::pread(fd, buf.data(), buf.size(), off_t(all.size()));
    ASSERT_GE(n, 0);
    if (n == 0) break;
    all.append(buf.data(), size_t(n));
  }
  ::close(fd);
  EXPECT_TRUE(all == unzipped);

  nlohmann::json stats = StatsJson(mount.path());
  ASSERT_TRUE(stats.is_object());
  uint64_t decompressed = stats["bytes_decompressed"].get<uint64_t>();
  EXPECT_GE(decompressed, kSize);
  // About once: what readers did before the spill reached them is small.
  EXPECT_LE(decompressed, kSize + kSize / 4) << stats.dump();
  EXPECT_EQ(stats["spill"]["entries_spilled"].get<uint64_t>(), 1u) << stats.dump();
  EXPECT_EQ(stats["spill"]["bytes_held"].get<uint64_t>(), kSize);
  EXPECT_EQ(stats["spill"]["failures"].get<uint64_t>(), 0u);
  // Nothing named is left in the spill directory.
  EXPECT_EQ(Shell("ls -A " + Quote(tmp / "spill")).output, "");
  CommandResult text = Shell(Quote(LayerfsBinary()) + " stats " + Quote(mount.path()));
  EXPECT_NE(text.output.find("spill entries:"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("1 spilled"), std::string::npos) << text.output;
}

INSTANTIATE_TEST_SUITE_P(
    Methods, SpillMethodTest,
    ::testing::Values(SpilledEntry{Compression::kDeflate, 40ull << 20, 3000},
                      SpilledEntry{Compression::kZstd, 24ull << 20, 1000},
                      SpilledEntry{Compression::kXz, 12ull << 20, 1000}),
    [](const ::testing::TestParamInfo<SpilledEntry>& p) {
      switch (p.param.compression) {
        case Compression::kDeflate: return std::string("Deflate");
        case Compression::kZstd: return std::string("Zstd");
        default: return std::string("Xz");
      }
    });

TEST(SpillMountTest, SpillSizeZeroAndAMissingSpillDirStillReadEveryByte) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::string data = LibraryLike(20ull << 20);
  ASSERT_TRUE(ZipBuilder()
                  .File("lib/libbig.so", data).Compress(Compression::kDeflate)
                  .Write(tmp / "layer.zip"));
  for (std::string extra : {std::string("--spill-size 0"),
                            "-o spill_dir=" + tmp / "missing" + ",spill_size=1G"}) {
    Mount mount({tmp / "layer.zip"}, tmp / "mnt", "--cache-size 16M " + extra);
    ASSERT_TRUE(mount.ok()) << extra << ": " << mount.result().output;
    std::string got = testing_files::ReadFile(mount.path() + "/lib/libbig.so");
    EXPECT_TRUE(got == data) << extra;
    nlohmann::json stats = StatsJson(mount.path());
    EXPECT_EQ(stats["spill"]["entries"].get<uint64_t>(), 0u) << extra << stats.dump();
  }
}

// Polls `layerfs stats` until `done` holds for it or 30 s pass.
nlohmann::json WaitForStats(const std::string& mountpoint,
                            const std::function<bool(const nlohmann::json&)>& done) {
  nlohmann::json stats = StatsJson(mountpoint);
  for (int i = 0; i < 300 && !done(stats); ++i) {
    usleep(100 * 1000);
    stats = StatsJson(mountpoint);
  }
  return stats;
}

TEST(SpillMountTest, LargeSharedLibrariesAreSpilledAtMountBeforeAnyRead) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  const std::string library = LibraryLike(20ull << 20);
  const std::string data = LibraryLike(18ull << 20) + "data";
  ASSERT_TRUE(ZipBuilder()
                  .File("lib/libbig.so.14", library).Compress(Compression::kDeflate)
                  .File("share/model.bin", data).Compress(Compression::kDeflate)
                  .File("lib/libsmall.so", "tiny").Compress(Compression::kDeflate)
                  .Write(tmp / "layer.zip"));
  {
    Mount mount({tmp / "layer.zip"}, tmp / "mnt", "--cache-size 16M --spill-size 1G");
    ASSERT_TRUE(mount.ok()) << mount.result().output;
    nlohmann::json stats = WaitForStats(mount.path(), [](const nlohmann::json& s) {
      return s["spill"]["entries_spilled"].get<uint64_t>() >= 1;
    });
    // Only the large library: not the data file, not the small library.
    EXPECT_EQ(stats["spill"]["entries_spilled"].get<uint64_t>(), 1u) << stats.dump();
    EXPECT_EQ(stats["spill"]["entries"].get<uint64_t>(), 1u) << stats.dump();
    EXPECT_EQ(stats["spill"]["bytes_inflated"].get<uint64_t>(), library.size()) << stats.dump();
    EXPECT_EQ(stats["bytes_served"].get<uint64_t>(), 0u) << stats.dump();
    // Read from the spill: every byte right, nothing inflated again.
    EXPECT_TRUE(testing_files::ReadFile(mount.path() + "/lib/libbig.so.14") == library);
    stats = StatsJson(mount.path());
    EXPECT_EQ(stats["spill"]["bytes_inflated"].get<uint64_t>(), library.size()) << stats.dump();
  }
  for (std::string off : {std::string("--no-prefetch"), std::string("-o no_prefetch")}) {
    Mount mount({tmp / "layer.zip"}, tmp / "mnt", "--cache-size 16M --spill-size 1G " + off);
    ASSERT_TRUE(mount.ok()) << off << ": " << mount.result().output;
    usleep(2000 * 1000);  // with prefetch, the spill would have started by now
    nlohmann::json stats = StatsJson(mount.path());
    EXPECT_EQ(stats["spill"]["entries"].get<uint64_t>(), 0u) << off << stats.dump();
    EXPECT_TRUE(testing_files::ReadFile(mount.path() + "/lib/libbig.so.14") == library) << off;
  }
}

}  // namespace
}  // namespace layerfs::test
