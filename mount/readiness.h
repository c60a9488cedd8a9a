// Readiness: tells whoever waits for a mount that it is serving, or why it
// never will be. Three listeners, any combination:
//  - the parent of a daemonised `layerfs mount`, through a pipe: it exits
//    0 on "ready", or prints the failure and exits 1;
//  - systemd, through $NOTIFY_SOCKET (READY=1, STOPPING=1);
//  - a script or sidecar, through --ready-fd N (one line, "ready").
// Each is told at most once. Used from the daemon's readiness thread and
// its main thread, never both at once for one event; the once-only flags
// are atomics.
#pragma once

#include <atomic>
#include <string>

#include "fs/base/unique_fd.h"

namespace layerfs {

class Readiness {
 public:
  Readiness(UniqueFd parent_pipe, int ready_fd);

  void Ready();
  void Failed(const std::string& message);
  void Stopping();

 private:
  void Notify(const std::string& state);

  UniqueFd parent_pipe_;
  UniqueFd ready_fd_;
  std::atomic<bool> told_{false};
};

}  // namespace layerfs
