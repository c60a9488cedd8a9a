// ControlChannel: how commands reach a running daemon without libfuse.
// The daemon publishes two extended attributes on the mount root:
//  - user.layerfs.control: the path of its unix socket. A remount request
//    is a StackRequest in its wire form (mount/stack_request.h: layers as
//    named, ARNs included, or a function configuration, and the store;
//    nothing: re-read the same configuration), ended by an empty line; the
//    daemon resolves it as `layerfs mount` would, and the answer is "ok"
//    or "error: <reason>".
//  - user.layerfs.stats: a JSON document of its counters (mount/stats.h).
// Both sides of the socket use the two message helpers here, so the wire
// is written once. No state: safe from any thread.
#pragma once

#include <string>
#include <vector>

#include "fs/base/status.h"
#include "mount/stack_request.h"

namespace layerfs {

inline constexpr char kControlXattr[] = "user.layerfs.control";
inline constexpr char kStatsXattr[] = "user.layerfs.stats";

// Sends all of `text`; false if the peer is gone.
bool WriteControlMessage(int fd, const std::string& text);

// Reads until the peer closes or a blank line ends the message (at most
// 1 MiB).
std::string ReadControlMessage(int fd);

// Checks the process at the other end of a connected unix socket: it must
// run as root or as this process's user. The daemon checks who asks for a
// remount, and the client checks who answers (a socket found through an
// xattr could be another user's).
Status CheckPeer(int socket_fd);

// Asks the daemon serving `mountpoint` to swap to the stack `request`
// names (empty: re-read its configuration); relative paths are made
// absolute first (MakeAbsolute). Returns the daemon's verdict.
Status RequestRemount(const std::string& mountpoint, const StackRequest& request);

}  // namespace layerfs
