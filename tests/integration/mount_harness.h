// Test harness for integration tests that mount for real: runs the built
// `layerfs` binary and shell tools, and guarantees every mount a test
// makes is gone when the test ends, even when it fails.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace layerfs::test {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `command` through /bin/sh -c; captures output.
CommandResult Shell(const std::string& command);

// Single-quotes a string for the shell.
std::string Quote(const std::string& s);

// The path of the layerfs binary under test.
std::string LayerfsBinary();

// Why FUSE mounts cannot run here ("" when they can): no /dev/fuse, not root.
std::string FuseUnavailableReason();

bool IsMounted(const std::string& path);

// The pid of the background `layerfs mount ... MOUNTPOINT` daemon serving
// `mountpoint`, or -1 when there is none.
int DaemonPid(const std::string& mountpoint);

// A fresh directory under /tmp, removed (after lazily unmounting anything
// still mounted below it) on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A layerfs mount that is unmounted when the object dies.
class Mount {
 public:
  // Mounts in the background; check ok() / result(). Remote layers are
  // mounted with --cache-dir=none unless `extra_args` names a --cache-dir.
  Mount(const std::vector<std::string>& layers, const std::string& mountpoint,
        const std::string& extra_args = "");
  ~Mount();
  Mount(const Mount&) = delete;
  Mount& operator=(const Mount&) = delete;

  bool ok() const { return result_.exit_code == 0; }
  const CommandResult& result() const { return result_; }
  const std::string& path() const { return mountpoint_; }

 private:
  std::string mountpoint_;
  CommandResult result_;
};

// A process the test starts and waits for with a bound: fork + execvp of
// `argv` (argv[0] searched in PATH) with `extra_env` ("NAME=value") added
// to the environment. Descriptors stay close-on-exec except `keep_fd`.
// A child still running when the object dies is killed (SIGKILL), so a
// failed assertion leaves no daemon behind.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {},
        int keep_fd = -1);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // The wait status once the child exits within `limit`; -1 if it did not
  // (it is then killed and reaped).
  int Wait(std::chrono::milliseconds limit);

 private:
  pid_t pid_ = -1;
};

// Skips the current test, loudly, when FUSE mounts cannot run here.
#define LAYERFS_REQUIRE_FUSE()                                               \
  do {                                                                       \
    std::string why = ::layerfs::test::FuseUnavailableReason();           \
    if (!why.empty()) GTEST_SKIP() << "SKIP (no FUSE mount possible): " << why; \
  } while (0)

}  // namespace layerfs::test
