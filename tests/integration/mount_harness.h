// Test harness for integration tests that mount for real: runs the built
// `layerfs` binary and shell tools, and guarantees every mount a test
// makes is gone when the test ends, even when it fails.
#pragma once

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
  // Mounts in the background; check ok() / result().
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

// Skips the current test, loudly, when FUSE mounts cannot run here.
#define LAYERFS_REQUIRE_FUSE()                                               \
  do {                                                                       \
    std::string why = ::layerfs::test::FuseUnavailableReason();           \
    if (!why.empty()) GTEST_SKIP() << "SKIP (no FUSE mount possible): " << why; \
  } while (0)

}  // namespace layerfs::test
