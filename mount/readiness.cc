#include "mount/readiness.h"
#include "fs/base/write_all.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace layerfs {

namespace {

// A listener that went away has nothing more to be told: errors are
// dropped.
void Tell(int fd, std::string_view text) { (void)WriteAll(fd, text); }

}  // namespace

Readiness::Readiness(UniqueFd parent_pipe, int ready_fd)
    : parent_pipe_(std::move(parent_pipe)), ready_fd_(ready_fd) {}

void Readiness::Notify(const std::string& state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || path[0] == '\0') return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t length = std::strlen(path);
  if (length >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, path, length);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock.valid()) return;
  ::sendto(sock.get(), state.data(), state.size(), MSG_NOSIGNAL,
           reinterpret_cast<const sockaddr*>(&addr),
           socklen_t(offsetof(sockaddr_un, sun_path) + length));
}

void Readiness::Ready() {
  if (told_.exchange(true)) return;
  Notify("READY=1");
  if (ready_fd_.valid()) {
    Tell(ready_fd_.get(), "ready\n");
    ready_fd_.Reset();
  }
  if (parent_pipe_.valid()) {
    Tell(parent_pipe_.get(), "ready\n");
    parent_pipe_.Reset();
  }
}

void Readiness::Failed(const std::string& message) {
  if (told_.exchange(true)) return;
  if (parent_pipe_.valid()) {
    Tell(parent_pipe_.get(), message + "\n");
    parent_pipe_.Reset();
  }
  ready_fd_.Reset();
}

void Readiness::Stopping() { Notify("STOPPING=1"); }

}  // namespace layerfs
