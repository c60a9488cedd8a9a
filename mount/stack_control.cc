#include "mount/stack_control.h"

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
#include <filesystem>

namespace layerfs {

namespace {

constexpr size_t kMaxRequest = 1 << 20;

// /run/layerfs for root, else a per-user folder under the runtime dir.
std::string SocketDirectory() {
  if (::geteuid() == 0) return "/run/layerfs";
  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  if (runtime != nullptr && runtime[0] != '\0') return std::string(runtime) + "/layerfs";
  return "/tmp/layerfs-" + std::to_string(::geteuid());
}

bool WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

// Reads until the peer closes or a blank line ends the request.
std::string ReadRequest(int fd) {
  std::string data;
  char buf[4096];
  while (data.size() < kMaxRequest && data.find("\n\n") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, size_t(n));
  }
  return data;
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
  std::vector<std::string> layers = Lines(ReadRequest(client));
  Status s = reload_(layers);
  if (!s.ok()) spdlog::error("remount: {}", s.ToString());
  WriteAll(client, s.ok() ? "ok\n" : "error: " + s.message() + "\n");
}

Status RequestRemount(const std::string& mountpoint, const std::vector<std::string>& layers) {
  char path[sizeof(sockaddr_un::sun_path)];
  ssize_t n = ::getxattr(mountpoint.c_str(), kControlXattr, path, sizeof path - 1);
  if (n <= 0) {
    return Status::NotFound(mountpoint + ": not a layerfs mount, or its daemon does not answer");
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path, size_t(n));
  UniqueFd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!sock.valid() || ::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return Status::IoError(std::string(path, size_t(n)) + ": cannot reach the daemon: " +
                           std::strerror(errno));
  }
  std::string request;
  for (const std::string& layer : layers) {
    request += std::filesystem::absolute(layer).string() + "\n";
  }
  request += "\n";
  if (!WriteAll(sock.get(), request)) return Status::IoError("cannot send the request");
  ::shutdown(sock.get(), SHUT_WR);
  std::string reply = ReadRequest(sock.get());
  if (reply == "ok\n") return Status::Ok();
  if (reply.rfind("error: ", 0) == 0) {
    return Status::InvalidArgument(reply.substr(7, reply.size() - 8));
  }
  return Status::IoError("the daemon gave no answer");
}

}  // namespace layerfs
