#include "mount/stack_control.h"

#include "fs/base/printable.h"
#include "mount/control_channel.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace layerfs {

namespace {

// /run/layerfs for root, else a per-user folder under the runtime dir.
std::string SocketDirectory() {
  if (::geteuid() == 0) return "/run/layerfs";
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] != '\0') return std::string(runtime) + "/layerfs";
  return "/tmp/layerfs-" + std::to_string(::geteuid());
}

// The socket's folder may sit in a shared /tmp, where another user can
// create it first: it must be a real directory (not a symlink), ours, and
// closed to everyone else, or no socket is put there.
Status EnsurePrivateDirectory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::IoError(dir + ": cannot create: " + std::strerror(errno));
  }
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) return Status::IoError(dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return Status::InvalidArgument(dir + ": not a directory");
  if (st.st_uid != ::geteuid()) {
    return Status::InvalidArgument(dir + ": owned by uid " + std::to_string(st.st_uid) +
                                   ", not by us");
  }
  if ((st.st_mode & 077) != 0) {
    return Status::InvalidArgument(dir + ": open to other users (mode " +
                                   OctalMode(st.st_mode) + ")");
  }
  return Status::Ok();
}

}  // namespace

void StackControl::BlockSighup() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

Result<std::unique_ptr<StackControl>> StackControl::Start(Reload reload) {
  std::string dir = SocketDirectory();
  if (Status s = EnsurePrivateDirectory(dir); !s.ok()) return s;
  std::string path = dir + "/" + std::to_string(::getpid()) + ".sock";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return Status::InvalidArgument(path + ": too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size());
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  ::unlink(path.c_str());  // a socket left by a killed daemon with our pid
  if (!listener.valid() ||
      ::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener.get(), 4) != 0) {
    return Status::IoError(path + ": cannot listen: " + std::strerror(errno));
  }
  ::chmod(path.c_str(), 0600);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  UniqueFd signals(::signalfd(-1, &set, SFD_CLOEXEC));
  UniqueFd stop(::eventfd(0, EFD_CLOEXEC));
  if (!signals.valid() || !stop.valid()) {
    return Status::IoError("cannot create signalfd/eventfd: " + std::string(std::strerror(errno)));
  }
  return std::unique_ptr<StackControl>(new StackControl(
      path, std::move(listener), std::move(signals), std::move(stop), std::move(reload)));
}

StackControl::StackControl(std::string path, UniqueFd listener, UniqueFd signals, UniqueFd stop,
                           Reload reload)
    : socket_path_(std::move(path)),
      listener_(std::move(listener)),
      signals_(std::move(signals)),
      stop_(std::move(stop)),
      reload_(std::move(reload)) {
  thread_ = std::thread([this] { Loop(); });
}

StackControl::~StackControl() {
  uint64_t one = 1;
  (void)::write(stop_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  ::unlink(socket_path_.c_str());
}

void StackControl::Loop() {
  for (;;) {
    pollfd fds[3] = {{listener_.get(), POLLIN, 0}, {signals_.get(), POLLIN, 0},
                     {stop_.get(), POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("control: poll failed: {}", std::strerror(errno));
      return;
    }
    if (fds[2].revents) return;
    if (fds[1].revents) {
      signalfd_siginfo info;
      if (::read(signals_.get(), &info, sizeof info) == sizeof info) {
        spdlog::info("SIGHUP: re-reading the layer stack");
        if (Status s = reload_({}); !s.ok()) spdlog::error("reload: {}", s.ToString());
      }
    }
    if (fds[0].revents) {
      UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (client.valid()) Serve(client.get());
    }
  }
}

void StackControl::Serve(int client) {
  timeval timeout{5, 0};  // a silent client must not stall reloads forever
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (Status s = CheckPeer(client); !s.ok()) {
    spdlog::error("remount: {}", s.message());
    WriteControlMessage(client, "error: " + s.message() + "\n");
    return;
  }
  Result<StackRequest> request = DecodeStackRequest(ReadControlMessage(client));
  Status s = request.ok() ? reload_(*request) : request.status();
  if (!s.ok()) spdlog::error("remount: {}", s.ToString());
  WriteControlMessage(client, s.ok() ? "ok\n" : "error: " + s.message() + "\n");
}

}  // namespace layerfs
