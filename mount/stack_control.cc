#include "mount/stack_control.h"

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

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end == start) break;  // the blank line ends the request
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
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
  ::mkdir(dir.c_str(), 0700);
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
  std::vector<std::string> layers = Lines(ReadControlMessage(client));
  Status s = reload_(layers);
  if (!s.ok()) spdlog::error("remount: {}", s.ToString());
  WriteControlMessage(client, s.ok() ? "ok\n" : "error: " + s.message() + "\n");
}

}  // namespace layerfs
