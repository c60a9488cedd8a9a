// Attacks on a real build, each shown to fail: a log file swapped for a
// symlink by another user, names that forge log lines, a mountpoint that
// would run shell commands, escaped -o options that would undo ro,nosuid,
// nodev, JSON nested 80,000 deep (at mount and on a live daemon's
// reload), a control-socket folder planted in /tmp by another user, and a
// --ready-fd that is not open. Where the attacker is another local user,
// the victim runs as `nobody` (setpriv), as an unprivileged user would.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "tests/integration/mount_harness.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using namespace std::chrono_literals;
using testing_files::ReadFile;
using testing_files::SplitLines;
using testing_files::WriteFile;
using testing_zip::ZipBuilder;

constexpr uid_t kNobody = 65534;

std::string Layerfs() { return Quote(LayerfsBinary()); }

// A command run as `nobody`, with no runtime dir (so the daemon's control
// socket would go under /tmp, where other users can reach).
std::string AsNobody(const std::string& command) {
  return "setpriv --reuid=65534 --regid=65534 --clear-groups env -u XDG_RUNTIME_DIR " + command;
}

// What `nobody` reads at `path` (a mount without allow_other is closed
// even to root).
std::string ReadAsNobody(const std::string& path) {
  return Shell(AsNobody("cat " + Quote(path))).output;
}

std::string OneLayer(const ScratchDir& dir, const std::string& name = "l.zip") {
  ZipBuilder zip;
  zip.File("data/hello.txt", "hello");
  EXPECT_TRUE(zip.Write(dir / name));
  return dir / name;
}

class SecurityTest : public ::testing::Test {
 protected:
  void SetUp() override { LAYERFS_REQUIRE_FUSE(); }
};

// Unprivileged mounts need /dev/fuse open to all (Debian's udev rule
// makes it 0666; some containers leave it 0600) and fusermount3.
class UnprivilegedTest : public SecurityTest {
 protected:
  void SetUp() override {
    SecurityTest::SetUp();
    if (IsSkipped()) return;
    if (Shell("command -v setpriv fusermount3").exit_code != 0) {
      GTEST_SKIP() << "SKIP: setpriv or fusermount3 missing";
    }
    struct stat st {};
    ASSERT_EQ(::stat("/dev/fuse", &st), 0);
    old_mode_ = st.st_mode & 07777;
    ASSERT_EQ(::chmod("/dev/fuse", 0666), 0);
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  }
  void TearDown() override {
    if (old_mode_ != 0) ::chmod("/dev/fuse", old_mode_);
  }
  // A directory owned by nobody, for its mountpoints and files.
  std::string NobodyDir(const std::string& name) {
    std::string path = dir_ / name;
    EXPECT_EQ(::mkdir(path.c_str(), 0755), 0);
    EXPECT_EQ(::chown(path.c_str(), kNobody, kNobody), 0);
    return path;
  }

  ScratchDir dir_;
  mode_t old_mode_ = 0;
};

TEST_F(SecurityTest, LogFilesNeverFollowAPlantedSymlinkOrAnotherUsersFile) {
  ScratchDir dir;
  std::string layer = OneLayer(dir);
  WriteFile(dir / "victim", "keep me\n");
  ASSERT_EQ(::symlink((dir / "victim").c_str(), (dir / "planted.log").c_str()), 0);
  WriteFile(dir / "theirs.log", "");
  ASSERT_EQ(::chown((dir / "theirs.log").c_str(), kNobody, kNobody), 0);
  for (const char* flag : {"--access-log", "--log-file"}) {
    for (const char* target : {"planted.log", "theirs.log"}) {
      SCOPED_TRACE(std::string(flag) + " " + target);
      Mount mount({layer}, dir / "mnt", std::string(flag) + " " + Quote(dir / target));
      EXPECT_FALSE(mount.ok()) << mount.result().output;
      EXPECT_FALSE(IsMounted(dir / "mnt"));
      EXPECT_NE(mount.result().output.find(target), std::string::npos) << mount.result().output;
    }
  }
  EXPECT_EQ(ReadFile(dir / "victim"), "keep me\n");
  EXPECT_EQ(ReadFile(dir / "theirs.log"), "");
  // A log file of our own still works.
  Mount mount({layer}, dir / "mnt", "--access-log " + Quote(dir / "mine.log"));
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  EXPECT_EQ(ReadFile(dir / "mnt/data/hello.txt"), "hello");
}

TEST_F(SecurityTest, ANameWithANewlineCannotForgeALogLine) {
  ScratchDir dir;
  const std::string forged = "layerfs: error: FORGED by the zip";
  ZipBuilder zip;
  zip.File("ok.txt", "fine");
  // Skipped as unsafe (".."), so the daemon logs a warning naming it.
  zip.File("../escape\n" + forged, "x");
  ASSERT_TRUE(zip.Write(dir / "evil.zip"));
  std::string log = dir / "daemon.log";
  Mount mount({dir / "evil.zip"}, dir / "mnt", "--log-file " + Quote(log));
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  EXPECT_EQ(ReadFile(dir / "mnt/ok.txt"), "fine");
  // Index warnings are logged before the daemon forks (to stderr), the
  // rest to the log file: both must hold the name escaped.
  std::string text = mount.result().output + ReadFile(log);
  ASSERT_NE(text.find("escape\\n" + forged), std::string::npos) << text;
  for (const std::string& line : SplitLines(text)) {
    EXPECT_NE(line.rfind(forged, 0), 0u) << "a forged line: " << line;
  }
  // inspect prints names escaped too.
  ZipBuilder unreadable;
  unreadable.File("python/x\n" + forged, "secret").Mode(0600);
  ASSERT_TRUE(unreadable.Write(dir / "unreadable.zip"));
  CommandResult inspect = Shell(Layerfs() + " inspect " + Quote(dir / "unreadable.zip"));
  EXPECT_NE(inspect.output.find("x\\n" + forged), std::string::npos) << inspect.output;
  for (const std::string& line : SplitLines(inspect.output)) {
    EXPECT_NE(line.rfind(forged, 0), 0u) << "a forged line: " << line;
  }
}

TEST_F(UnprivilegedTest, AMountpointWithQuotesRunsNoShell) {
  std::string home = NobodyDir("home");
  std::string layer = OneLayer(dir_);
  ASSERT_EQ(::chmod(layer.c_str(), 0644), 0);
  // Were the mountpoint ever given to a shell in quotes, this would run
  // `touch PWNED` in the command's folder.
  const std::string pwned = home + "/PWNED";
  std::string mp = home + "/mp'; touch PWNED; '";
  const std::string in_home = "cd " + Quote(home) + " && ";
  ASSERT_EQ(::mkdir(mp.c_str(), 0755), 0);
  ASSERT_EQ(::chown(mp.c_str(), kNobody, kNobody), 0);
  CommandResult mounted =
      Shell(in_home + AsNobody(Layerfs() + " mount " + Quote(layer) + " " + Quote(mp)));
  ASSERT_EQ(mounted.exit_code, 0) << mounted.output;
  EXPECT_EQ(ReadAsNobody(mp + "/data/hello.txt"), "hello");
  // A stale mount (daemon killed) is detached through fusermount3 by the
  // next mount.
  int pid = DaemonPid(mp);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(20ms);
  mounted = Shell(in_home + AsNobody(Layerfs() + " mount " + Quote(layer) + " " + Quote(mp)));
  ASSERT_EQ(mounted.exit_code, 0) << mounted.output;
  EXPECT_EQ(ReadAsNobody(mp + "/data/hello.txt"), "hello");
  CommandResult unmounted = Shell(in_home + AsNobody(Layerfs() + " unmount " + Quote(mp)));
  EXPECT_EQ(unmounted.exit_code, 0) << unmounted.output;
  EXPECT_FALSE(IsMounted(mp));
  EXPECT_FALSE(std::filesystem::exists(pwned)) << "the mountpoint ran a shell command";
}

TEST_F(SecurityTest, EscapedOptionsCannotUndoReadOnlyNosuidNodev) {
  ScratchDir dir;
  std::string layer = OneLayer(dir);
  ::mkdir((dir / "mnt").c_str(), 0755);
  for (const std::string& cmd :
       {Layerfs() + " mount -o " + Quote("s\\uid,\\dev,r\\w") + " " + Quote(layer) + " " +
            Quote(dir / "mnt"),
        Layerfs() + " " + Quote(layer) + " " + Quote(dir / "mnt") + " -o " + Quote("r\\w")}) {
    CommandResult r = Shell(cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd << "\n" << r.output;
    EXPECT_NE(r.output.find("backslash"), std::string::npos) << r.output;
    EXPECT_FALSE(IsMounted(dir / "mnt"));
  }
  // Asking plainly is ignored: the kernel still has it ro,nosuid,nodev.
  Mount mount({layer}, dir / "mnt", "-o rw,suid,dev,exec");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  struct statvfs vfs {};
  ASSERT_EQ(::statvfs((dir / "mnt").c_str(), &vfs), 0);
  EXPECT_TRUE(vfs.f_flag & ST_RDONLY);
  EXPECT_TRUE(vfs.f_flag & ST_NOSUID);
  EXPECT_TRUE(vfs.f_flag & ST_NODEV);
}

TEST_F(SecurityTest, DeepJsonFailsCleanlyAndAFailedReloadKeepsTheOldStack) {
  ScratchDir dir;
  std::string deep = dir / "deep.json";
  WriteFile(deep, "{\"Layers\": " + std::string(80000, '[') + "}");
  ::mkdir((dir / "mnt").c_str(), 0755);
  for (const std::string& cmd :
       {Layerfs() + " mount --function " + Quote(deep) + " " + Quote(dir / "mnt"),
        Layerfs() + " inspect --function " + Quote(deep),
        Layerfs() + " env --function " + Quote(deep),
        Layerfs() + " mount --function /dev/zero " + Quote(dir / "mnt")}) {
    CommandResult r = Shell("timeout 20 " + cmd);
    EXPECT_EQ(r.exit_code, 1) << cmd << "\n" << r.output;
    EXPECT_TRUE(r.output.find("nested deeper") != std::string::npos ||
                r.output.find("larger than") != std::string::npos)
        << cmd << "\n" << r.output;
    EXPECT_FALSE(IsMounted(dir / "mnt"));
  }
  // A live daemon mounted from a good configuration: the file turns deep,
  // SIGHUP re-reads it, the reload fails, and the old stack serves on.
  std::string store = dir / "store";
  std::string layer = OneLayer(dir);
  CommandResult published =
      Shell(Layerfs() + " publish tools " + Quote(layer) + " --store " + Quote(store));
  ASSERT_EQ(published.exit_code, 0) << published.output;
  size_t at = published.output.find("\"LayerVersionArn\": \"");
  ASSERT_NE(at, std::string::npos) << published.output;
  at += std::string("\"LayerVersionArn\": \"").size();
  std::string arn = published.output.substr(at, published.output.find('"', at) - at);
  std::string config = dir / "f.json";
  WriteFile(config, "{\"Layers\": [\"" + arn + "\"]}");
  Mount mount({}, dir / "mnt",
              "--store " + Quote(store) + " --function " + Quote(config));
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  WriteFile(config, "{\"Layers\": " + std::string(80000, '[') + "}");
  int pid = DaemonPid(dir / "mnt");
  ASSERT_GT(pid, 0);
  ASSERT_EQ(::kill(pid, SIGHUP), 0);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(::kill(pid, 0), 0) << "the daemon died on reload";
  EXPECT_EQ(ReadFile(dir / "mnt/data/hello.txt"), "hello");
}

TEST_F(UnprivilegedTest, AControlFolderPlantedByAnotherUserIsNotUsed) {
  // Another user (uid 65533) made nobody's socket folder first, open to all.
  const std::string planted = "/tmp/layerfs-" + std::to_string(kNobody);
  std::filesystem::remove_all(planted);
  ASSERT_EQ(::mkdir(planted.c_str(), 0777), 0);
  ASSERT_EQ(::chmod(planted.c_str(), 0777), 0);
  ASSERT_EQ(::chown(planted.c_str(), 65533, 65533), 0);
  std::string home = NobodyDir("home");
  std::string layer = OneLayer(dir_);
  std::string mp = home + "/mnt";
  ASSERT_EQ(::mkdir(mp.c_str(), 0755), 0);
  ASSERT_EQ(::chown(mp.c_str(), kNobody, kNobody), 0);
  CommandResult mounted = Shell(AsNobody(Layerfs() + " mount " + Quote(layer) + " " + Quote(mp)));
  ASSERT_EQ(mounted.exit_code, 0) << mounted.output;
  EXPECT_EQ(ReadAsNobody(mp + "/data/hello.txt"), "hello");
  // Nothing of the daemon's went into the planted folder, and remount
  // says it cannot reach a daemon rather than trusting a stranger's socket.
  EXPECT_TRUE(std::filesystem::is_empty(planted));
  CommandResult remount = Shell(AsNobody(Layerfs() + " remount " + Quote(mp) + " " + Quote(layer)));
  EXPECT_NE(remount.exit_code, 0) << remount.output;
  EXPECT_EQ(remount.output.find("remounted"), std::string::npos) << remount.output;
  Shell(AsNobody(Layerfs() + " unmount " + Quote(mp)));
  std::filesystem::remove_all(planted);
}

TEST_F(SecurityTest, AReadyFdThatIsNotOpenIsRefusedBeforeAnythingOpens) {
  ScratchDir dir;
  std::string layer = OneLayer(dir);
  Mount mount({layer}, dir / "mnt", "--ready-fd 57");
  EXPECT_EQ(mount.result().exit_code, 2) << mount.result().output;
  EXPECT_NE(mount.result().output.find("not an open file descriptor"), std::string::npos)
      << mount.result().output;
  EXPECT_FALSE(IsMounted(dir / "mnt"));
}

}  // namespace
}  // namespace layerfs::test
