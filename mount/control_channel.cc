#include "mount/control_channel.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fs/base/unique_fd.h"
#include "fs/base/write_all.h"

namespace layerfs {

namespace {

constexpr size_t kMaxMessage = 1 << 20;

}  // namespace

bool WriteControlMessage(int fd, const std::string& text) { return SendAll(fd, text) == 0; }

std::string ReadControlMessage(int fd) {
  std::string data;
  char buf[4096];
  while (data.size() < kMaxMessage && data.find("\n\n") == std::string::npos) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, size_t(n));
  }
  return data;
}

Status CheckPeer(int socket_fd) {
  ucred peer{};
  socklen_t length = sizeof peer;
  if (::getsockopt(socket_fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0) {
    return Status::IoError(std::string("cannot identify the peer: ") + std::strerror(errno));
  }
  if (peer.uid != 0 && peer.uid != ::geteuid()) {
    return Status::InvalidArgument("peer runs as uid " + std::to_string(peer.uid) +
                                   ", neither root nor uid " + std::to_string(::geteuid()));
  }
  return Status::Ok();
}

Status RequestRemount(const std::string& mountpoint, const StackRequest& request) {
  // The daemon's working directory is not the caller's.
  Result<StackRequest> absolute = MakeAbsolute(request);
  if (!absolute.ok()) return absolute.status();
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
  if (Status s = CheckPeer(sock.get()); !s.ok()) {
    return Status::InvalidArgument(std::string(path, size_t(n)) + ": not the daemon's socket: " +
                                   s.message());
  }
  if (!WriteControlMessage(sock.get(), EncodeStackRequest(*absolute))) {
    return Status::IoError("cannot send the request");
  }
  ::shutdown(sock.get(), SHUT_WR);
  std::string reply = ReadControlMessage(sock.get());
  if (reply == "ok\n") return Status::Ok();
  if (reply.rfind("error: ", 0) == 0) {
    return Status::InvalidArgument(reply.substr(7, reply.size() - 8));
  }
  return Status::IoError("the daemon gave no answer");
}

}  // namespace layerfs
