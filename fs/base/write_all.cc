#include "fs/base/write_all.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace layerfs {

namespace {

template <typename WriteOnce>
int WriteLoop(std::string_view data, WriteOnce write_once) {
  while (!data.empty()) {
    ssize_t n = write_once(data);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;
    data.remove_prefix(size_t(n));
  }
  return 0;
}

}  // namespace

int WriteAll(int fd, std::string_view data) {
  return WriteLoop(data, [fd](std::string_view d) { return ::write(fd, d.data(), d.size()); });
}

int SendAll(int socket_fd, std::string_view data) {
  return WriteLoop(data, [socket_fd](std::string_view d) {
    return ::send(socket_fd, d.data(), d.size(), MSG_NOSIGNAL);
  });
}

}  // namespace layerfs
