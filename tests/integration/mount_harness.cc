#include "tests/integration/mount_harness.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace layerfs::test {

CommandResult Shell(const std::string& command) {
  CommandResult result;
  std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''"; else out += c;
  }
  return out + "'";
}

std::string LayerfsBinary() { return LAYERFS_BINARY; }

std::string FuseUnavailableReason() {
  if (::access("/dev/fuse", R_OK | W_OK) != 0) return "/dev/fuse is missing or not accessible";
  if (::geteuid() != 0) return "integration tests need root (allow_other, setpriv)";
  return "";
}

bool IsMounted(const std::string& path) {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mountpoint;
    fields >> id >> parent >> devno >> root >> mountpoint;
    if (mountpoint == path) return true;
  }
  return false;
}

ScratchDir::ScratchDir() {
  char tmpl[] = "/tmp/layerfs-test-XXXXXX";
  const char* made = ::mkdtemp(tmpl);
  path_ = made ? made : "/tmp/layerfs-test-failed";
}

ScratchDir::~ScratchDir() {
  // Anything a failed test left mounted below us goes first.
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devno, root, mountpoint;
    fields >> id >> parent >> devno >> root >> mountpoint;
    if (mountpoint.rfind(path_ + "/", 0) == 0) ::umount2(mountpoint.c_str(), MNT_DETACH);
  }
  Shell("rm -rf " + Quote(path_));
}

Mount::Mount(const std::vector<std::string>& layers, const std::string& mountpoint,
             const std::string& extra_args)
    : mountpoint_(mountpoint) {
  std::string cmd = Quote(LayerfsBinary()) + " mount " + extra_args;
  for (const std::string& l : layers) cmd += " " + Quote(l);
  cmd += " " + Quote(mountpoint);
  ::mkdir(mountpoint.c_str(), 0755);
  result_ = Shell(cmd);
}

Mount::~Mount() {
  if (IsMounted(mountpoint_)) {
    if (Shell(Quote(LayerfsBinary()) + " unmount " + Quote(mountpoint_)).exit_code != 0) {
      ::umount2(mountpoint_.c_str(), MNT_DETACH);
    }
  }
}

}  // namespace layerfs::test
