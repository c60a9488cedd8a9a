// StackControl: how a running daemon is told to swap its layer stack.
//
// Two triggers, served by one thread:
//  - SIGHUP: re-open the same layers (or re-resolve the same function
//    configuration), picking up zips replaced on disk;
//  - `layerfs remount MOUNTPOINT LAYER...`: a request on the daemon's unix
//    socket (mount/control_channel.h has the wire and the client side),
//    naming the new stack as the user did (mount/stack_request.h).
// The swap itself is the `reload` callback's job; it runs on this thread,
// one at a time. SIGHUP must be blocked in every thread (BlockSighup()
// before any thread starts) so that only this thread's signalfd sees it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fs/base/status.h"
#include "fs/base/unique_fd.h"
#include "mount/stack_request.h"

namespace layerfs {

class StackControl {
 public:
  // An empty request is "re-read the same configuration".
  using Reload = std::function<Status(const StackRequest& request)>;

  // Blocks SIGHUP in the calling thread (and so in threads it starts later).
  static void BlockSighup();

  static Result<std::unique_ptr<StackControl>> Start(Reload reload);
  ~StackControl();
  StackControl(const StackControl&) = delete;
  StackControl& operator=(const StackControl&) = delete;

  const std::string& socket_path() const { return socket_path_; }

 private:
  StackControl(std::string path, UniqueFd listener, UniqueFd signals, UniqueFd stop,
               Reload reload);
  void Loop();
  void Serve(int client);

  const std::string socket_path_;
  const UniqueFd listener_;
  const UniqueFd signals_;  // signalfd for SIGHUP
  const UniqueFd stop_;     // eventfd: the destructor asks the thread to end
  const Reload reload_;
  std::thread thread_;
};

}  // namespace layerfs
