// Writing a whole buffer to a descriptor, retrying short writes and
// EINTR: the store's files, readiness lines, log lines and the control
// socket all need exactly this, so it is written once.
//
// Pure functions; safe from any thread (concurrent writers to one
// descriptor must serialise themselves).
#pragma once

#include <string_view>

namespace layerfs {

// write() until all of `data` is written. Returns 0, or the errno of the
// failure (EPIPE, ENOSPC, ...); a write of 0 bytes counts as EIO.
int WriteAll(int fd, std::string_view data);

// The same over a connected socket with send(MSG_NOSIGNAL): a peer that
// went away gives EPIPE instead of killing the process with SIGPIPE.
int SendAll(int socket_fd, std::string_view data);

}  // namespace layerfs
