// Faults while a mount is serving: the layer zip renamed over or truncated
// under the daemon, the daemon killed outright, and an unmount while a
// reader holds a file open. Each test holds the mount to what the README
// promises: old bytes from the open descriptor after a rename, EIO (never
// wrong bytes) after a truncation, stale-mount recovery after SIGKILL, and
// `unmount` that either refuses a busy mount clearly or, with --lazy,
// detaches it while open files keep reading.
//
// Every command runs under timeout(1) and every test arms a watchdog that
// aborts the FUSE connection, so a hung daemon fails the test instead of
// blocking the suite.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_probe.h"
#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/same_bytes.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using testing_bytes::Noise;
using testing_bytes::SameBytes;
using testing_zip::CanWrite;
using testing_zip::Compression;
using testing_zip::ZipBuilder;

// `command` under timeout(1): a hang becomes exit code 124 within `limit`.
CommandResult Bounded(const std::string& command, std::chrono::seconds limit = 60s) {
  return Shell("timeout -k 5 " + std::to_string(limit.count()) + " " + command);
}

std::string Layerfs() { return Quote(LayerfsBinary()); }

pid_t StatsPid(const std::string& mountpoint) {
  Json doc = StatsJson(mountpoint);
  return doc.contains("pid") ? pid_t(doc["pid"].get<int>()) : -1;
}

// Whether any thread of `pid` is still running. SIGKILL makes the thread
// group leader a zombie before the other threads are gone, and the FUSE
// descriptors (one per worker: clone_fd) close only with the last thread.
bool Alive(pid_t pid) {
  if (pid <= 0) return false;
  std::error_code ec;
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    size_t paren = line.rfind(')');
    if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z' &&
        line[paren + 2] != 'X') {
      return true;
    }
  }
  return false;
}

template <typename Predicate>
bool WaitFor(Predicate done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

int MountCount(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  int count = 0;
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mountpoint;
    fields >> id >> parent >> devno >> root >> mountpoint;
    if (mountpoint == path) ++count;
  }
  return count;
}

// What one read returned: the bytes, or the errno it failed with.
struct ReadResult {
  int error = 0;
  std::string bytes;
};

// Reads `length` bytes at `offset` (fewer only at the end of the file),
// after dropping the kernel's cached pages of the file: with keep_cache
// they would otherwise answer without asking the daemon.
ReadResult FreshPread(int fd, uint64_t offset, size_t length) {
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ReadResult r;
  r.bytes.resize(length);
  size_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd, r.bytes.data() + done, length - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r.error = errno;
      break;
    }
    if (n == 0) break;
    done += size_t(n);
  }
  r.bytes.resize(done);
  return r;
}

// The whole file through a fresh descriptor, past the kernel's page cache.
ReadResult FreshReadAll(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {errno, ""};
  struct stat st;
  ReadResult r =
      ::fstat(fd, &st) == 0 ? FreshPread(fd, 0, size_t(st.st_size) + 1) : ReadResult{errno, ""};
  ::close(fd);
  return r;
}

// --- a. the layer renamed over -------------------------------------------

// One layer's worth of files: name, content, compression. `seed` changes
// every content but no size, so only the bytes tell two versions apart.
struct LayerFile {
  std::string name;
  std::string content;
  Compression compression;
};

std::vector<LayerFile> RenameLayerFiles(uint32_t seed) {
  std::vector<LayerFile> files = {
      {"opened/stored.bin", Noise(1536 << 10, seed + 1), Compression::kStore},
      // Over a quarter of the 4M cache: streamed through checkpoints.
      {"opened/deflated_big.bin", Noise(3 << 20, seed + 2), Compression::kDeflate},
      // Under it: inflated whole into the cache.
      {"opened/deflated_small.bin", Noise(200 << 10, seed + 3), Compression::kDeflate},
      {"never/stored.bin", Noise(700 << 10, seed + 4), Compression::kStore},
      {"never/deflated_big.bin", Noise(2 << 20, seed + 5), Compression::kDeflate},
      {"never/deflated_small.bin", Noise(100 << 10, seed + 6), Compression::kDeflate},
      {"never/tiny.txt", "version " + std::to_string(seed) + "\n", Compression::kStore},
  };
  // Other methods are read through libzip, over a descriptor reopened via
  // /proc/self/fd: that must reach the old file too.
  if (CanWrite(Compression::kBzip2)) {
    files.push_back({"never/bzip2.bin", Noise(150 << 10, seed + 7), Compression::kBzip2});
  }
  return files;
}

::testing::AssertionResult WriteLayer(const std::vector<LayerFile>& files, const std::string& path,
                                      const std::string& extra_file = "") {
  ZipBuilder zip;
  for (const LayerFile& f : files) zip.File(f.name, f.content).Compress(f.compression);
  if (!extra_file.empty()) zip.File(extra_file, "only in the new zip\n");
  return zip.Write(path);
}

TEST(FaultTest, LayerRenamedOverKeepsServingTheOldBytes) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  const std::vector<LayerFile> old_files = RenameLayerFiles(100);
  const std::vector<LayerFile> new_files = RenameLayerFiles(200);
  const std::string layer = tmp / "layer.zip";
  ASSERT_TRUE(WriteLayer(old_files, layer));
  ASSERT_TRUE(WriteLayer(new_files, tmp / "layer.zip.new", "added.txt"));

  Mount mount({layer}, tmp / "mnt", "--cache-size 4M");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  const std::string m = mount.path();
  HangGuard guard(m, 120s);

  // Before the rename: two files read in part and held open, one read
  // whole and closed; the "never/" files are not even looked up.
  int held_stored = ::open((m + "/opened/stored.bin").c_str(), O_RDONLY | O_CLOEXEC);
  int held_big = ::open((m + "/opened/deflated_big.bin").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held_stored, 0) << std::strerror(errno);
  ASSERT_GE(held_big, 0) << std::strerror(errno);
  EXPECT_TRUE(SameBytes(FreshPread(held_stored, 4096, 65536).bytes,
                        old_files[0].content.substr(4096, 65536)));
  EXPECT_TRUE(SameBytes(FreshPread(held_big, 1 << 20, 65536).bytes,
                        old_files[1].content.substr(1 << 20, 65536)));
  EXPECT_TRUE(
      SameBytes(FreshReadAll(m + "/opened/deflated_small.bin").bytes, old_files[2].content));

  ASSERT_EQ(::rename((tmp / "layer.zip.new").c_str(), layer.c_str()), 0) << std::strerror(errno);

  // Held descriptors: ranges never read before, near both ends.
  for (auto [fd, file] : {std::pair{held_stored, &old_files[0]}, {held_big, &old_files[1]}}) {
    for (uint64_t offset : {uint64_t(0), uint64_t(file->content.size() / 2 + 12345),
                            uint64_t(file->content.size() - 70000)}) {
      ReadResult r = FreshPread(fd, offset, 100000);
      EXPECT_EQ(r.error, 0) << file->name << " at " << offset << ": " << std::strerror(r.error);
      EXPECT_TRUE(SameBytes(r.bytes, file->content.substr(offset, 100000)))
          << file->name << " at " << offset;
    }
  }
  ::close(held_stored);
  ::close(held_big);

  // Every file, opened anew, whole: the old bytes, never the new ones.
  for (const LayerFile& f : old_files) {
    ReadResult r = FreshReadAll(m + "/" + f.name);
    EXPECT_EQ(r.error, 0) << f.name << ": " << std::strerror(r.error);
    EXPECT_TRUE(SameBytes(r.bytes, f.content)) << f.name;
  }
  // The tree is the old one too: the new zip's extra file is not there.
  struct stat st;
  errno = 0;
  EXPECT_NE(::stat((m + "/added.txt").c_str(), &st), 0);
  EXPECT_EQ(errno, ENOENT);
  Json stats = StatsJson(m);
  for (const auto& [kind, count] : stats["errors"].items()) {
    EXPECT_EQ(count.get<uint64_t>(), 0u) << "errors of kind " << kind;
  }
}

// --- b. the layer truncated in place -------------------------------------

TEST(FaultTest, LayerTruncatedInPlaceFailsReadsPastTheCutWithEio) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  // Archive order is entry order: "head/" entries, a large stored middle
  // entry that the cut falls inside, then "tail/" entries wholly past it.
  struct Entry {
    std::string name;
    std::string content;
    Compression compression;
  };
  std::vector<Entry> head = {
      {"head/small.txt", "read before and after the cut\n", Compression::kStore},
      {"head/stored.bin", Noise(300 << 10, 1), Compression::kStore},
      {"head/deflated.bin", Noise(300 << 10, 2), Compression::kDeflate},
      {"head/deflated_big.bin", Noise(1536 << 10, 3), Compression::kDeflate},
  };
  Entry middle = {"middle.bin", Noise(6 << 20, 4), Compression::kStore};
  std::vector<Entry> tail = {
      {"tail/stored.bin", Noise(512 << 10, 5), Compression::kStore},
      {"tail/deflated.bin", Noise(400 << 10, 6), Compression::kDeflate},
      {"tail/deflated_big.bin", Noise(3 << 20, 7), Compression::kDeflate},
  };
  if (CanWrite(Compression::kBzip2)) {
    head.push_back({"head/bzip2.bin", Noise(100 << 10, 8), Compression::kBzip2});
    tail.push_back({"tail/bzip2.bin", Noise(100 << 10, 9), Compression::kBzip2});
  }
  ZipBuilder zip;
  for (const Entry& e : head) zip.File(e.name, e.content).Compress(e.compression);
  zip.File(middle.name, middle.content).Compress(middle.compression);
  for (const Entry& e : tail) zip.File(e.name, e.content).Compress(e.compression);
  const std::string layer = tmp / "layer.zip";
  ASSERT_TRUE(zip.Write(layer));

  // Half the file, checked to fall inside the middle entry's data: each
  // name's first occurrence is in its local header.
  std::string bytes = ReadAll(layer);
  const uint64_t cut = bytes.size() / 2;
  size_t middle_header = bytes.find(middle.name);
  size_t first_tail_header = bytes.find(tail[0].name);
  ASSERT_NE(middle_header, std::string::npos);
  ASSERT_NE(first_tail_header, std::string::npos);
  ASSERT_LT(middle_header + 4096, cut) << "the head must end well before the cut";
  ASSERT_LT(cut + 4096, first_tail_header) << "the tail must start well after the cut";

  Mount mount({layer}, tmp / "mnt", "--cache-size 4M");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  const std::string m = mount.path();
  HangGuard guard(m, 120s);
  const pid_t daemon = StatsPid(m);
  ASSERT_GT(daemon, 0);
  // Two head files read before the cut (the others only after it).
  EXPECT_TRUE(SameBytes(FreshReadAll(m + "/" + head[0].name).bytes, head[0].content));
  EXPECT_TRUE(SameBytes(FreshReadAll(m + "/" + head[1].name).bytes, head[1].content));

  ASSERT_EQ(::truncate(layer.c_str(), off_t(cut)), 0) << std::strerror(errno);

  // Before the cut: the right bytes or EIO, never anything else.
  int head_served = 0;
  std::string head_failed;
  for (const Entry& e : head) {
    ReadResult r = FreshReadAll(m + "/" + e.name);
    if (r.error == 0) {
      EXPECT_TRUE(SameBytes(r.bytes, e.content)) << e.name;
      ++head_served;
    } else {
      EXPECT_EQ(r.error, EIO) << e.name << ": " << std::strerror(r.error);
      head_failed += " " + e.name;
    }
  }
  // The middle entry: its first bytes lie before the cut (right bytes or
  // EIO), its last bytes past it (EIO).
  {
    int fd = ::open((m + "/" + middle.name).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    ReadResult first = FreshPread(fd, 0, 65536);
    if (first.error == 0) {
      EXPECT_TRUE(SameBytes(first.bytes, middle.content.substr(0, 65536)));
    } else {
      EXPECT_EQ(first.error, EIO) << std::strerror(first.error);
    }
    ReadResult last = FreshPread(fd, middle.content.size() - 65536, 65536);
    EXPECT_EQ(last.error, EIO) << "got " << last.bytes.size() << " bytes, "
                               << std::strerror(last.error);
    ::close(fd);
  }
  // Past the cut: the file opens (it lists normally), every read is EIO.
  for (const Entry& e : tail) {
    int fd = ::open((m + "/" + e.name).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << e.name << ": " << std::strerror(errno);
    char buf[4096];
    errno = 0;
    ssize_t n = ::read(fd, buf, sizeof buf);
    EXPECT_EQ(n, -1) << e.name << ": read returned " << n;
    EXPECT_EQ(errno, EIO) << e.name << ": " << std::strerror(errno);
    ReadResult inner = FreshPread(fd, e.content.size() / 2, 8192);
    EXPECT_EQ(inner.error, EIO) << e.name << " from the middle: got " << inner.bytes.size()
                                << " bytes, " << std::strerror(inner.error);
    ::close(fd);
  }

  // The daemon is still up and answering requests that reach it.
  EXPECT_TRUE(Alive(daemon));
  struct statvfs vfs;
  EXPECT_EQ(::statvfs(m.c_str(), &vfs), 0) << std::strerror(errno);
  struct stat st;
  EXPECT_EQ(::stat(m.c_str(), &st), 0) << std::strerror(errno);
  EXPECT_TRUE(SameBytes(FreshReadAll(m + "/" + head[0].name).bytes, head[0].content));
  Json stats = StatsJson(m);
  ASSERT_TRUE(stats.contains("errors")) << stats.dump();
  uint64_t errors = 0;
  for (const auto& [kind, count] : stats["errors"].items()) errors += count.get<uint64_t>();
  EXPECT_GE(errors, tail.size()) << "every failed read is counted: " << stats.dump();
  CommandResult text = Bounded(Layerfs() + " stats " + Quote(m));
  EXPECT_EQ(text.exit_code, 0) << text.output;
  std::printf("truncate: %d of %zu entries before the cut still served; EIO:%s\n", head_served,
              head.size(), head_failed.empty() ? " none" : head_failed.c_str());
}

// --- c. the daemon killed -------------------------------------------------

TEST(FaultTest, KilledDaemonLeavesAStaleMountThatMountRecovers) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  ZipBuilder zip;
  zip.File("f.txt", "served\n");
  zip.File("big.bin", Noise(1 << 20, 11));
  ASSERT_TRUE(zip.Write(tmp / "l.zip"));
  const std::string mnt = tmp / "mnt";
  Mount mount({tmp / "l.zip"}, mnt);
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  ASSERT_EQ(ReadAll(mnt + "/f.txt"), "served\n");

  const pid_t daemon = StatsPid(mnt);
  ASSERT_GT(daemon, 0);
  EXPECT_EQ(DaemonPid(mnt), daemon) << "stats and the process table disagree";
  ASSERT_EQ(::kill(daemon, SIGKILL), 0) << std::strerror(errno);
  ASSERT_TRUE(WaitFor([&] { return !Alive(daemon); }, 30s)) << "SIGKILL did not end " << daemon;

  // Stale: still in the mount table, but nothing answers.
  EXPECT_TRUE(IsMounted(mnt));
  struct statvfs vfs;
  errno = 0;
  EXPECT_EQ(::statvfs(mnt.c_str(), &vfs), -1);
  EXPECT_EQ(errno, ENOTCONN) << std::strerror(errno);
  errno = 0;
  EXPECT_EQ(::open((mnt + "/big.bin").c_str(), O_RDONLY | O_CLOEXEC), -1);
  EXPECT_EQ(errno, ENOTCONN) << std::strerror(errno);

  // Mounting again on the same mountpoint detaches the stale mount first.
  CommandResult again = Bounded(Layerfs() + " mount " + Quote(tmp / "l.zip") + " " + Quote(mnt));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(MountCount(mnt), 1) << "the stale mount should be gone, not stacked under";
  HangGuard guard(mnt, 60s);
  ASSERT_EQ(::statvfs(mnt.c_str(), &vfs), 0) << std::strerror(errno);
  EXPECT_EQ(ReadAll(mnt + "/f.txt"), "served\n");
  EXPECT_TRUE(SameBytes(FreshReadAll(mnt + "/big.bin").bytes, Noise(1 << 20, 11)));
  const pid_t second = StatsPid(mnt);
  EXPECT_GT(second, 0);
  EXPECT_NE(second, daemon);
  EXPECT_TRUE(Alive(second));
  // `mount`'s destructor unmounts the new mount.
}

// --- d. unmount while a file is open -------------------------------------

TEST(FaultTest, UnmountOfABusyMountFailsClearlyAndLazyDetaches) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  const std::string big = Noise(2 << 20, 21);
  ZipBuilder zip;
  zip.File("held.bin", big);
  zip.File("other.txt", "other\n");
  ASSERT_TRUE(zip.Write(tmp / "l.zip"));
  const std::string mnt = tmp / "mnt";
  Mount mount({tmp / "l.zip"}, mnt, "--cache-size 4M");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  HangGuard guard(mnt, 120s);
  const pid_t daemon = StatsPid(mnt);
  ASSERT_GT(daemon, 0);

  int fd = ::open((mnt + "/held.bin").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  EXPECT_TRUE(SameBytes(FreshPread(fd, 0, 4096).bytes, big.substr(0, 4096)));

  // Without --lazy: refused at once, naming the mountpoint and why; the
  // mount goes on serving.
  auto start = std::chrono::steady_clock::now();
  CommandResult busy = Bounded(Layerfs() + " unmount " + Quote(mnt), 30s);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(busy.exit_code, 124) << "unmount hung";
  EXPECT_EQ(busy.exit_code, 1) << busy.output;
  EXPECT_NE(busy.output.find(mnt), std::string::npos) << busy.output;
  EXPECT_NE(busy.output.find("busy"), std::string::npos) << busy.output;
  EXPECT_LT(seconds, 10.0) << "a busy mount should be refused promptly";
  EXPECT_TRUE(IsMounted(mnt));
  EXPECT_EQ(ReadAll(mnt + "/other.txt"), "other\n");
  EXPECT_TRUE(SameBytes(FreshPread(fd, 1 << 20, 4096).bytes, big.substr(1 << 20, 4096)));

  // With --lazy: detached at once; the path shows the directory beneath.
  CommandResult lazy = Bounded(Layerfs() + " unmount --lazy " + Quote(mnt), 30s);
  EXPECT_EQ(lazy.exit_code, 0) << lazy.output;
  EXPECT_FALSE(IsMounted(mnt));
  struct stat st;
  errno = 0;
  EXPECT_NE(::stat((mnt + "/other.txt").c_str(), &st), 0);
  EXPECT_EQ(errno, ENOENT);
  CommandResult listing = Bounded("ls -A " + Quote(mnt), 30s);
  EXPECT_EQ(listing.exit_code, 0);
  EXPECT_EQ(listing.output, "") << "the union still shows at the mountpoint";

  // The open descriptor still reads, through the daemon, every range.
  EXPECT_TRUE(Alive(daemon)) << "the daemon left while a file was open";
  for (uint64_t offset : {uint64_t(0), uint64_t(777777), uint64_t(big.size() - 50000)}) {
    ReadResult r = FreshPread(fd, offset, 100000);
    EXPECT_EQ(r.error, 0) << "at " << offset << ": " << std::strerror(r.error);
    EXPECT_TRUE(SameBytes(r.bytes, big.substr(offset, 100000))) << "at " << offset;
  }
  EXPECT_TRUE(Alive(daemon));

  // Closing the last file lets the mount go, and the daemon with it.
  ::close(fd);
  EXPECT_TRUE(WaitFor([&] { return !Alive(daemon); }, 30s))
      << "daemon " << daemon << " still running 30 s after the last file closed";
}

// --- libzip missing -------------------------------------------------------

// libzip is opened only when an entry needs it (fs/zip/archive.cc).
// When it cannot be loaded, that entry fails with EIO and a log line
// naming libzip.so.4 and the loader's reason; the entries layerfs decodes
// itself are served as usual. An empty libzip.so.4 first on the daemon's
// library path makes the loader refuse it ("file too short").
TEST(FaultTest, UnloadableLibzipFailsOnlyItsEntriesWithTheReason) {
  LAYERFS_REQUIRE_FUSE();
  if (!CanWrite(Compression::kBzip2)) GTEST_SKIP() << "SKIP: this libzip cannot write bzip2";
  ScratchDir tmp;
  const std::string stored = Noise(200 << 10, 1);
  const std::string deflated = Noise(300 << 10, 2);
  const std::string bzipped = Noise(100 << 10, 3);
  ZipBuilder zip;
  zip.File("stored.bin", stored).Compress(Compression::kStore);
  zip.File("deflated.bin", deflated).Compress(Compression::kDeflate);
  zip.File("bzip2.bin", bzipped).Compress(Compression::kBzip2);
  const std::string layer = tmp / "layer.zip";
  ASSERT_TRUE(zip.Write(layer));
  const std::string libs = tmp / "libs";
  ASSERT_EQ(::mkdir(libs.c_str(), 0755), 0) << std::strerror(errno);
  { std::ofstream empty(libs + "/libzip.so.4"); }
  const std::string log = tmp / "daemon.log";

  // The mount command (and so its daemon) inherits the variable; ctest
  // runs each test in its own process.
  ASSERT_EQ(::setenv("LD_LIBRARY_PATH", libs.c_str(), 1), 0);
  Mount mount({layer}, tmp / "mnt", "--log-file " + Quote(log));
  ::unsetenv("LD_LIBRARY_PATH");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  const std::string m = mount.path();
  HangGuard guard(m, 120s);

  EXPECT_TRUE(SameBytes(FreshReadAll(m + "/stored.bin").bytes, stored));
  EXPECT_TRUE(SameBytes(FreshReadAll(m + "/deflated.bin").bytes, deflated));
  ReadResult r = FreshReadAll(m + "/bzip2.bin");
  EXPECT_EQ(r.error, EIO) << "got " << r.bytes.size() << " bytes";
  std::string text = ReadAll(log);
  EXPECT_NE(text.find("bzip2.bin"), std::string::npos) << text;
  EXPECT_NE(text.find("cannot load libzip.so.4"), std::string::npos) << text;
  EXPECT_NE(text.find("file too short"), std::string::npos) << text;
}

// Without the planted library the same entry reads through libzip.
TEST(FaultTest, LibzipIsOpenedForAnEntryOnlyItDecodes) {
  LAYERFS_REQUIRE_FUSE();
  if (!CanWrite(Compression::kBzip2)) GTEST_SKIP() << "SKIP: this libzip cannot write bzip2";
  ScratchDir tmp;
  const std::string bzipped = Noise(100 << 10, 4);
  ZipBuilder zip;
  zip.File("bzip2.bin", bzipped).Compress(Compression::kBzip2);
  const std::string layer = tmp / "layer.zip";
  ASSERT_TRUE(zip.Write(layer));
  Mount mount({layer}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  HangGuard guard(mount.path(), 120s);
  ReadResult r = FreshReadAll(mount.path() + "/bzip2.bin");
  EXPECT_EQ(r.error, 0) << std::strerror(r.error);
  EXPECT_TRUE(SameBytes(r.bytes, bzipped));
}

}  // namespace
}  // namespace layerfs::test
