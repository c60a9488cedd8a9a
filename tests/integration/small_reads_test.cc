// Small compressed files on a real mount, read the way the fast path
// serves them: the local header and the data in one read of the layer
// (fs/zip/archive.cc InflateWhole), the reply sent straight from the
// cached decompressed bytes (FileReader::ReadSlice). Every byte must match
// what was zipped whatever the local header holds (an extra field longer
// than the read guessed, none at all), at any offset and length, and a
// damaged local header must fail that file's reads only.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <cerrno>
#include <random>
#include <string>
#include <vector>

#include "tests/integration/daemon_probe.h"
#include "tests/integration/mount_harness.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"
#include "tests/support/zip_patch.h"

namespace layerfs::test {
namespace {

using testing_bytes::Noise;
using testing_zip::Compression;
using testing_zip::ZipBuilder;

// Text that deflates well, as source files do, with some noise mixed in.
std::string SourceLike(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < size) {
    s += rng() % 3 == 0 ? Noise(40, rng()) : "def f" + std::to_string(rng() % 997) + "(x):\n";
  }
  s.resize(size);
  return s;
}

// pread() until `size` bytes or the end; -errno on failure.
std::string PreadAll(int fd, uint64_t offset, size_t size, int* error) {
  std::string out(size, '\0');
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out.data() + done, size - done, off_t(offset + done));
    if (n < 0) {
      *error = errno;
      return "";
    }
    if (n == 0) break;
    done += size_t(n);
  }
  out.resize(done);
  return out;
}

TEST(SmallReadsTest, EveryByteMatchesWhateverTheLocalHeaderHolds) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  // Names and extra fields of many lengths: the one read of header and data
  // guesses the extra field's length; a longer one needs a second read.
  struct Expected {
    std::string name;
    std::string content;
  };
  std::vector<Expected> files = {
      {"python/empty.py", ""},
      {"python/one.py", "1"},
      {"python/plain.py", SourceLike(3000, 1)},
      {"python/long_extra.py", SourceLike(5000, 2)},
      {"python/huge_extra.py", SourceLike(200, 3)},
      {"python/" + std::string(200, 'n') + ".py", SourceLike(9000, 4)},
      {"lib/libsmall.so", SourceLike(700 << 10, 5)},  // several FUSE reads
      {"lib/noise.bin", Noise(100000, 6)},             // deflate stores it in blocks
      {"python/stored.py", SourceLike(4000, 7)},
  };
  ZipBuilder built;  // modifiers apply to the entry added last
  for (const Expected& f : files) {
    built.File(f.name, f.content);
    if (f.name == "python/long_extra.py") built.ExtraField(0xcafe, std::string(100, 'x'));
    if (f.name == "python/huge_extra.py") built.ExtraField(0xbeef, std::string(4000, 'y'));
    if (f.name == "python/stored.py") built.Compress(Compression::kStore);
  }
  ASSERT_TRUE(built.Write(tmp / "layer.zip"));

  Mount mount({tmp / "layer.zip"}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  for (const Expected& f : files) {
    std::string path = mount.path() + "/" + f.name;
    EXPECT_TRUE(testing_files::ReadFile(path) == f.content) << f.name;
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << f.name;
    EXPECT_EQ(uint64_t(st.st_size), f.content.size()) << f.name;
  }
  // Reads at odd offsets and lengths, past the end and across it, each
  // after dropping the file's pages so that it reaches the daemon.
  const Expected& big = files[6];
  int fd = ::open((mount.path() + "/" + big.name).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  std::mt19937 rng(11);
  for (int i = 0; i < 200; ++i) {
    uint64_t offset = rng() % (big.content.size() + 5000);
    size_t length = rng() % 300000;
    ASSERT_EQ(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    int error = 0;
    std::string got = PreadAll(fd, offset, length, &error);
    ASSERT_EQ(error, 0) << "offset " << offset;
    std::string want =
        offset >= big.content.size() ? "" : big.content.substr(offset, length);
    ASSERT_TRUE(got == want) << "offset " << offset << " length " << length;
  }
  ::close(fd);
  nlohmann::json stats = StatsJson(mount.path());
  ASSERT_TRUE(stats.is_object());
  EXPECT_GE(stats["reads"].get<uint64_t>(), 200u) << "reads did not reach the daemon";
  EXPECT_EQ(stats["errors"]["corrupt"].get<uint64_t>(), 0u) << stats.dump();
}

TEST(SmallReadsTest, DamagedLocalHeaderFailsThatFileOnly) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::string good = SourceLike(6000, 8), bad = SourceLike(6000, 9);
  ASSERT_TRUE(ZipBuilder()
                  .File("python/good.py", good)
                  .File("python/bad.py", bad)
                  .File("python/after.py", good)
                  .Write(tmp / "layer.zip"));
  std::vector<testing_zip::EntryLocation> entries;
  ASSERT_TRUE(testing_zip::LocateEntries(tmp / "layer.zip", &entries));
  ASSERT_EQ(entries.size(), 3u);
  // Not a local header signature any more.
  ASSERT_TRUE(testing_zip::OverwriteBytes(tmp / "layer.zip", entries[1].local_offset, "XXXX"));

  Mount mount({tmp / "layer.zip"}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  int fd = ::open((mount.path() + "/python/bad.py").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);  // opening costs the daemon nothing; the read fails
  char buf[64];
  EXPECT_EQ(::read(fd, buf, sizeof buf), -1);
  EXPECT_EQ(errno, EIO);
  ::close(fd);
  EXPECT_TRUE(testing_files::ReadFile(mount.path() + "/python/good.py") == good);
  EXPECT_TRUE(testing_files::ReadFile(mount.path() + "/python/after.py") == good);
}

}  // namespace
}  // namespace layerfs::test
