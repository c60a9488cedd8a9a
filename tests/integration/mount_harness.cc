#include "tests/integration/mount_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

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

int DaemonPid(const std::string& mountpoint) {
  std::error_code ec;
  for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
    std::string pid = proc.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(proc.path() / "cmdline", std::ios::binary);
    std::vector<std::string> argv;
    for (std::string arg; std::getline(in, arg, '\0');) argv.push_back(arg);
    if (argv.size() >= 3 && argv[0] == LayerfsBinary() && argv[1] == "mount" &&
        argv.back() == mountpoint) {
      return std::stoi(pid);
    }
  }
  return -1;
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
  // Remote layers go uncached unless a test asks for the cache: tests
  // must not fill the host's /var/cache/layerfs, nor share it.
  std::string cache = extra_args.find("--cache-dir") == std::string::npos ? "--cache-dir=none " : "";
  std::string cmd = Quote(LayerfsBinary()) + " mount " + cache + extra_args;
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

Child::Child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
             int keep_fd) {
  // Everything execvp needs is built before fork: the child of a threaded
  // test process may only call async-signal-safe functions.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.push_back(*e);
  env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp, args;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (std::string& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    if (keep_fd >= 0) ::fcntl(keep_fd, F_SETFD, 0);
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

int Child::Wait(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return -1;
  auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return -1;
}

}  // namespace layerfs::test
