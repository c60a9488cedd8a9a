// The life of a mount as its supervisors see it: READY=1 and STOPPING=1
// through $NOTIFY_SOCKET as systemd receives them, --ready-fd from a
// daemonised mount, --log-file, and SIGTERM/SIGINT while files are open
// and reads are in flight: the daemon exits 0 within a bound, the mount is
// gone, and the readers get an answer instead of hanging.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using namespace std::chrono_literals;
using testing_zip::ZipBuilder;

// `layerfs ARGS...` as a child process of the test.
std::vector<std::string> Layerfs(std::vector<std::string> args) {
  args.insert(args.begin(), LayerfsBinary());
  return args;
}

// Reads one line (up to a newline or EOF) from `fd`, waiting up to `limit`.
std::string ReadLineWithin(int fd, std::chrono::milliseconds limit) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (line.empty() || line.back() != '\n') {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, int(left.count())) <= 0) break;
    char c;
    if (::read(fd, &c, 1) != 1) break;
    line += c;
  }
  return line;
}

// A bound unix datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  // `abstract`: in the abstract namespace ("@name"), as systemd may use.
  NotifySocket(const std::string& path, bool abstract) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    socklen_t length = socklen_t(offsetof(sockaddr_un, sun_path) + path.size());
    if (abstract) addr.sun_path[0] = '\0';
    name_ = abstract ? "@" + path.substr(1) : path;
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), length) == 0;
  }
  ~NotifySocket() { ::close(fd_); }
  bool bound() const { return bound_; }
  std::string env() const { return "NOTIFY_SOCKET=" + name_; }

  // The next datagram within `limit`, or "" when none came.
  std::string Receive(std::chrono::milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, int(limit.count())) <= 0) return "";
    char buf[512];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, size_t(n)) : "";
  }

 private:
  int fd_ = -1;
  bool bound_ = false;
  std::string name_;
};

std::string SmallLayer(const ScratchDir& tmp) {
  ZipBuilder zip;
  zip.File("f.txt", "data");
  EXPECT_TRUE(zip.Write(tmp / "l.zip"));
  return tmp / "l.zip";
}

class NotifyTest : public ::testing::TestWithParam<bool> {};

TEST_P(NotifyTest, ReadyOnlyOnceServingThenStoppingOnSigterm) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::string zip = SmallLayer(tmp);
  std::string mnt = tmp / "mnt";
  ::mkdir(mnt.c_str(), 0755);
  const bool abstract = GetParam();
  NotifySocket sock(abstract ? "@layerfs-test-" + std::to_string(::getpid())
                             : tmp / "notify.sock",
                    abstract);
  ASSERT_TRUE(sock.bound()) << std::strerror(errno);

  // A mount that fails never says READY=1.
  Child failing(Layerfs({"mount", "-f", zip, tmp / "no-such-dir"}), {sock.env()});
  int failed = failing.Wait(30s);
  EXPECT_TRUE(WIFEXITED(failed) && WEXITSTATUS(failed) == 1) << failed;
  EXPECT_EQ(sock.Receive(200ms), "");

  Child daemon(Layerfs({"mount", "-f", zip, mnt}), {sock.env()});
  ASSERT_GT(daemon.pid(), 0);
  ASSERT_EQ(sock.Receive(30s), "READY=1");
  // By the time READY=1 arrives the mount must answer, not merely exist.
  EXPECT_TRUE(IsMounted(mnt));
  EXPECT_EQ(ReadAll(mnt + "/f.txt"), "data");

  ASSERT_EQ(::kill(daemon.pid(), SIGTERM), 0);
  EXPECT_EQ(sock.Receive(30s), "STOPPING=1");
  int status = daemon.Wait(30s);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_FALSE(IsMounted(mnt));
  EXPECT_EQ(sock.Receive(200ms), "") << "nothing after STOPPING=1";
}

INSTANTIATE_TEST_SUITE_P(PathAndAbstractSockets, NotifyTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return param.param ? "Abstract" : "Path";
                         });

TEST(LifecycleTest, DaemonisedMountWritesReadyFdAndLogFile) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::string zip = SmallLayer(tmp);
  std::string mnt = tmp / "mnt";
  ::mkdir(mnt.c_str(), 0755);
  std::string log = tmp / "layerfs.log";
  // The parent returns only once the daemon is serving; fd 3 hears "ready".
  CommandResult r = Shell(Quote(LayerfsBinary()) + " mount --ready-fd 3 --log-level info" +
                          " --log-file " + Quote(log) + " " + Quote(zip) + " " + Quote(mnt) +
                          " 3>" + Quote(tmp / "ready"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "") << "a daemonised mount prints nothing on success";
  EXPECT_EQ(ReadAll(tmp / "ready"), "ready\n");
  EXPECT_EQ(ReadAll(mnt + "/f.txt"), "data");

  CommandResult stats = Shell(Quote(LayerfsBinary()) + " stats --json " + Quote(mnt) +
                              " | sed -n 's/.*\"pid\":\\([0-9]*\\).*/\\1/p'");
  pid_t daemon = pid_t(std::atoi(stats.output.c_str()));
  ASSERT_GT(daemon, 0) << stats.output;

  CommandResult u = Shell(Quote(LayerfsBinary()) + " unmount " + Quote(mnt));
  EXPECT_EQ(u.exit_code, 0) << u.output;
  // The daemon notices the unmount and exits by itself.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (::kill(daemon, 0) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(::kill(daemon, 0), 0) << "daemon " << daemon << " still running after unmount";
  std::string text = ReadAll(log);
  EXPECT_NE(text.find("mounted 1 layers on " + mnt), std::string::npos) << text;
  EXPECT_NE(text.find("unmounted " + mnt), std::string::npos) << text;
}

// Noise that deflate cannot shrink much: inflating it costs real time.
std::string Noise(size_t size, uint32_t seed) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = (i / 1024) % 4 ? char(seed >> 24) : char('a' + (seed >> 24) % 26);
  }
  return s;
}

class SignalTest : public ::testing::TestWithParam<int> {};

TEST_P(SignalTest, StopsCleanlyWithFilesOpenAndReadsInFlight) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  ZipBuilder zip;
  zip.File("big.bin", Noise(8 << 20, 7));
  zip.File("small.txt", "small");
  ASSERT_TRUE(zip.Write(tmp / "l.zip"));
  std::string mnt = tmp / "mnt";
  ::mkdir(mnt.c_str(), 0755);
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  // A small cache: the big entry is inflated in pieces, so reads are slow
  // enough to be in flight when the signal lands.
  Child daemon(Layerfs({"mount", "-f", "--cache-size", "1M", "--ready-fd",
                        std::to_string(ready[1]), tmp / "l.zip", mnt}),
               {}, ready[1]);
  ::close(ready[1]);
  ASSERT_EQ(ReadLineWithin(ready[0], 30s), "ready\n");
  ::close(ready[0]);
  struct stat mst;
  ASSERT_EQ(::stat(mnt.c_str(), &mst), 0);

  // Files held open across the signal, and readers going around a loop.
  // O_DIRECT keeps the page cache out of the way: every read is a request.
  std::vector<int> held;
  for (const char* name : {"/big.bin", "/small.txt", "/big.bin"}) {
    held.push_back(::open((mnt + name).c_str(), O_RDONLY));
    ASSERT_GE(held.back(), 0);
  }
  std::atomic<int> reads_done{0}, readers_finished{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      int fd = ::open((mnt + "/big.bin").c_str(), O_RDONLY | O_DIRECT);
      if (fd < 0) fd = ::open((mnt + "/big.bin").c_str(), O_RDONLY);
      void* raw = nullptr;
      if (fd >= 0 && ::posix_memalign(&raw, 4096, 128 << 10) == 0) {
        std::unique_ptr<void, decltype(&std::free)> buf(raw, &std::free);
        uint32_t x = uint32_t(r) + 1;
        while (!stop.load()) {
          x = x * 1103515245u + 12345u;
          off_t offset = off_t((x >> 8) % 60) * (128 << 10);
          ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
          if (::pread(fd, buf.get(), 128 << 10, offset) < 0) break;  // the mount went away
          reads_done.fetch_add(1);
        }
      }
      if (fd >= 0) ::close(fd);
      readers_finished.fetch_add(1);
    });
  }
  auto warmup = std::chrono::steady_clock::now() + 20s;
  while (reads_done.load() < 30 && std::chrono::steady_clock::now() < warmup) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GE(reads_done.load(), 30) << "readers did not get going";

  ASSERT_EQ(::kill(daemon.pid(), GetParam()), 0);
  int status = daemon.Wait(30s);
  EXPECT_NE(status, -1) << "daemon did not exit within 30 s of the signal";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  EXPECT_FALSE(IsMounted(mnt));

  // Every reader gets an answer (its data or an error) and stops.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (readers_finished.load() < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  stop = true;
  if (readers_finished.load() < 3) {
    ADD_FAILURE() << "readers still blocked 30 s after the daemon exited";
    // Abort the connection so the blocked threads can be joined.
    std::ofstream abort("/sys/fs/fuse/connections/" + std::to_string(minor(mst.st_dev)) +
                        "/abort");
    abort << "1";
  }
  for (std::thread& t : readers) t.join();
  // Closing a file of the dead mount returns at once; the kernel reports
  // the failed flush as ENOTCONN, and the descriptor is closed either way.
  for (int fd : held) {
    errno = 0;
    int rc = ::close(fd);
    EXPECT_TRUE(rc == 0 || errno == ENOTCONN) << std::strerror(errno);
  }
}

INSTANTIATE_TEST_SUITE_P(TermAndInt, SignalTest, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& param) {
                           return param.param == SIGTERM ? "Sigterm" : "Sigint";
                         });

}  // namespace
}  // namespace layerfs::test
