// Pushes into the kernel's page cache (mount/page_push.h) on a real mount:
// after the first read of a file, the small files listed after it in its
// directory reach the page cache without being asked for, so reading them
// sends no READ to the daemon, and every byte, size and mapping of them is
// still exactly what was zipped.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <termios.h>

#include <cerrno>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_probe.h"
#include "tests/integration/mount_harness.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using testing_zip::Compression;
using testing_zip::ZipBuilder;

struct Expected {
  std::string name;
  std::string content;
};

// pkg/ holds, in listing order: f00..f19 (sizes that end mid-page, on a
// page boundary and one byte past it; one stored), an empty file, and a
// file too large to push.
std::vector<Expected> PackageFiles() {
  std::vector<Expected> files;
  for (int i = 0; i < 20; ++i) {
    char name[16];
    std::snprintf(name, sizeof(name), "pkg/f%02d.py", i);
    size_t size = i == 3 ? 8192 : i == 4 ? 8193 : 3000 + 977 * size_t(i);
    files.push_back({name, testing_bytes::Noise(size / 2, uint32_t(i)) +
                               std::string(size - size / 2, char('a' + i))});
  }
  files.push_back({"pkg/g_empty.py", ""});
  files.push_back({"pkg/h_large.bin", std::string(600 << 10, 'L')});
  files.push_back({"pkg/i_core.cpython-311-x86_64-linux-gnu.so",
                   testing_bytes::Noise(300 << 10, 77) + std::string(700 << 10, 'S')});
  return files;
}

std::string WriteLayer(const ScratchDir& tmp, const std::vector<Expected>& files) {
  ZipBuilder built;
  for (const Expected& f : files) {
    built.File(f.name, f.content);
    if (f.name == "pkg/f07.py") built.Compress(Compression::kStore);
  }
  std::string path = tmp / "layer.zip";
  EXPECT_TRUE(built.Write(path));
  return path;
}

// Lists pkg/ as any walk or import does: the kernel learns its files.
void ListPackage(const std::string& mountpoint) {
  CommandResult listed = Shell("ls -l " + Quote(mountpoint + "/pkg") + " >/dev/null");
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
}

uint64_t Counter(const std::string& mountpoint, const char* key) {
  nlohmann::json stats = StatsJson(mountpoint);
  return stats.is_object() && stats.contains(key) ? stats[key].get<uint64_t>() : 0;
}

// Waits until the daemon has pushed at least `files` files (or 10 s pass).
uint64_t WaitForPushes(const std::string& mountpoint, uint64_t files) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  uint64_t pushed = 0;
  while ((pushed = Counter(mountpoint, "files_pushed")) < files &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pushed;
}

// Lists pkg/, reads `first` whole as a walker would, and waits until the
// files after it are pushed.
void ReadFirstAndWait(const std::string& mountpoint, const Expected& first) {
  ListPackage(mountpoint);
  ASSERT_TRUE(testing_files::ReadFile(mountpoint + "/" + first.name) == first.content);
  ASSERT_EQ(WaitForPushes(mountpoint, 16), 16u);  // the 16 files after it
}

TEST(PagePushTest, FilesAfterAFirstReadAreServedByTheKernel) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<Expected> files = PackageFiles();
  Mount mount({WriteLayer(tmp, files)}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  ASSERT_NO_FATAL_FAILURE(ReadFirstAndWait(mount.path(), files[0]));  // f01..f16
  const uint64_t reads = Counter(mount.path(), "reads");
  for (int i = 1; i <= 16; ++i) {
    std::string path = mount.path() + "/" + files[size_t(i)].name;
    EXPECT_TRUE(testing_files::ReadFile(path) == files[size_t(i)].content) << files[size_t(i)].name;
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(uint64_t(st.st_size), files[size_t(i)].content.size()) << files[size_t(i)].name;
  }
  EXPECT_EQ(Counter(mount.path(), "reads"), reads) << "a pushed file was read from the daemon";

  // f17 was not pushed: its read reaches the daemon and pushes the rest,
  // but neither the empty file nor the large one.
  ASSERT_TRUE(testing_files::ReadFile(mount.path() + "/" + files[17].name) == files[17].content);
  EXPECT_GT(Counter(mount.path(), "reads"), reads);
  EXPECT_EQ(WaitForPushes(mount.path(), 18), 18u);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  nlohmann::json stats = StatsJson(mount.path());
  EXPECT_EQ(stats["files_pushed"].get<uint64_t>(), 18u) << stats.dump();
  uint64_t bytes = 0;
  for (int i = 1; i <= 19; ++i) bytes += i == 17 ? 0 : files[size_t(i)].content.size();
  EXPECT_EQ(stats["bytes_pushed"].get<uint64_t>(), bytes);
  EXPECT_EQ(stats["push_failures"].get<uint64_t>(), 0u);
  EXPECT_EQ(ErrorSum(stats), 0u);
  for (size_t i = 18; i < files.size(); ++i) {
    EXPECT_TRUE(testing_files::ReadFile(mount.path() + "/" + files[i].name) == files[i].content)
        << files[i].name;
  }
}

TEST(PagePushTest, APushedFileMapsWithItsExactBytes) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<Expected> files = PackageFiles();
  Mount mount({WriteLayer(tmp, files)}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  ASSERT_NO_FATAL_FAILURE(ReadFirstAndWait(mount.path(), files[2]));  // f03..f18
  const uint64_t reads = Counter(mount.path(), "reads");
  for (int i : {3, 4, 5, 7}) {  // a page exactly, a page and a byte, odd, stored
    const Expected& f = files[size_t(i)];
    int fd = ::open((mount.path() + "/" + f.name).c_str(), O_RDONLY);
    ASSERT_GE(fd, 0) << f.name;
    size_t mapped = (f.content.size() + 4095) / 4096 * 4096;
    void* p = ::mmap(nullptr, mapped, PROT_READ, MAP_PRIVATE, fd, 0);
    ASSERT_NE(p, MAP_FAILED) << f.name;
    const char* bytes = static_cast<const char*>(p);
    EXPECT_TRUE(std::string(bytes, f.content.size()) == f.content) << f.name;
    // The rest of the last page reads as zeros, as for any file.
    EXPECT_EQ(std::string(bytes + f.content.size(), mapped - f.content.size()),
              std::string(mapped - f.content.size(), '\0'))
        << f.name;
    ::munmap(p, mapped);
    ::close(fd);
  }
  EXPECT_EQ(Counter(mount.path(), "reads"), reads);
}

TEST(PagePushTest, NothingIsPushedForFilesTheKernelDoesNotKnow) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<Expected> files = PackageFiles();
  Mount mount({WriteLayer(tmp, files)}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  // A path looked up, not listed: the kernel has no inode for f01...
  ASSERT_TRUE(testing_files::ReadFile(mount.path() + "/" + files[0].name) == files[0].content);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  nlohmann::json stats = StatsJson(mount.path());
  EXPECT_EQ(stats["files_pushed"].get<uint64_t>(), 0u);
  EXPECT_EQ(stats["push_failures"].get<uint64_t>(), 0u) << "no push was even tried";
  EXPECT_EQ(stats["opens"].get<uint64_t>(), 1u) << "no sibling was decompressed";
}

// Reads `path` whole through an open descriptor, as an interpreter does.
std::string ReadAll(int fd) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, size_t(n));
  return out;
}

TEST(PagePushTest, AnIoctlOfAnOpenFileHandsItOverBeforeTheAnswer) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<Expected> files = PackageFiles();
  Mount mount({WriteLayer(tmp, files)}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  // Opened by path, never listed: Python's open of a module, then its
  // isatty(). The push is done when the ioctl returns.
  const Expected& f = files[5];
  int fd = ::open((mount.path() + "/" + f.name).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  // lsattr's ioctl is not isatty(): it announces no read.
  int attrs = 0;
  EXPECT_EQ(::ioctl(fd, FS_IOC_GETFLAGS, &attrs), -1);
  EXPECT_EQ(Counter(mount.path(), "files_pushed"), 0u);
  termios tio{};
  errno = 0;
  EXPECT_EQ(::ioctl(fd, TCGETS, &tio), -1);
  EXPECT_EQ(errno, ENOTTY) << "a regular file is not a terminal";
  EXPECT_FALSE(::isatty(fd));
  nlohmann::json stats = StatsJson(mount.path());
  EXPECT_EQ(stats["files_pushed"].get<uint64_t>(), 1u) << stats.dump();
  EXPECT_EQ(stats["bytes_pushed"].get<uint64_t>(), f.content.size());
  EXPECT_TRUE(ReadAll(fd) == f.content);
  ::close(fd);
  EXPECT_EQ(Counter(mount.path(), "reads"), 0u) << "the read reached the daemon";
  EXPECT_EQ(Counter(mount.path(), "files_pushed"), 1u) << "pushed twice";
  // Too large to push: answered, and read as usual.
  fd = ::open((mount.path() + "/pkg/h_large.bin").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(::isatty(fd));
  EXPECT_TRUE(ReadAll(fd) == files[21].content);
  ::close(fd);
  EXPECT_GT(Counter(mount.path(), "reads"), 0u);
  EXPECT_EQ(ErrorSum(StatsJson(mount.path())), 0u);
}

TEST(PagePushTest, ALibrarysFirstReadHandsOverTheWholeLibrary) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<Expected> files = PackageFiles();
  Mount mount({WriteLayer(tmp, files)}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  // A loader reads the ELF header, then maps the library and faults in
  // pages all over it.
  const Expected& lib = files[22];
  int fd = ::open((mount.path() + "/" + lib.name).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  char header[832];
  ASSERT_EQ(::pread(fd, header, sizeof(header), 0), ssize_t(sizeof(header)));
  ASSERT_EQ(WaitForPushes(mount.path(), 1), 1u);
  const uint64_t reads = Counter(mount.path(), "reads");
  void* p = ::mmap(nullptr, lib.content.size(), PROT_READ, MAP_PRIVATE, fd, 0);
  ASSERT_NE(p, MAP_FAILED);
  EXPECT_TRUE(std::string(static_cast<const char*>(p), lib.content.size()) == lib.content);
  ::munmap(p, lib.content.size());
  ::close(fd);
  EXPECT_EQ(Counter(mount.path(), "reads"), reads) << "a page of the library was a READ";
  nlohmann::json stats = StatsJson(mount.path());
  EXPECT_EQ(stats["bytes_pushed"].get<uint64_t>(), lib.content.size());
  EXPECT_EQ(ErrorSum(stats), 0u);
}

TEST(PagePushTest, NoPrefetchPushesNothing) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<Expected> files = PackageFiles();
  Mount mount({WriteLayer(tmp, files)}, tmp / "mnt", "--no-prefetch");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  ListPackage(mount.path());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(testing_files::ReadFile(mount.path() + "/" + files[size_t(i)].name) ==
                files[size_t(i)].content);
  }
  int fd = ::open((mount.path() + "/" + files[3].name).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(::isatty(fd));
  EXPECT_TRUE(ReadAll(fd) == files[3].content);
  ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  nlohmann::json stats = StatsJson(mount.path());
  EXPECT_EQ(stats["files_pushed"].get<uint64_t>(), 0u);
  EXPECT_EQ(stats["reads"].get<uint64_t>(), 4u) << "each file is its own READ";
}

}  // namespace
}  // namespace layerfs::test
