// Daemon life of `layerfs mount` and `layerfs unmount`: check the
// mountpoint (recovering a stale one), take the opened layers, fork into the
// background unless asked not to, mount, report readiness only once the
// mount answers, serve on a multithreaded loop, and unmount cleanly on
// SIGINT/SIGTERM. Returns the process exit code (0, 1 runtime error).
#pragma once

#include <memory>
#include <string>

#include "fs/union/layer.h"
#include "mount/mount_options.h"
#include "mount/remote_options.h"

namespace layerfs {

// Serves the layers `open_layers` opens (the command line's opener, in
// Layers order; the daemon runs it after it forks, and its failure is the
// command's) on options.mountpoint. options.layers (or
// options.function_config) names them as the user did, for SIGHUP to
// re-read; `remote` is what opens them, kept for every later stack
// (mount/remote_options.h).
int RunMount(const MountOptions& options, const StackOpener& open_layers,
             std::shared_ptr<RemoteContext> remote);

// Unmounts `mountpoint`, stale or live. `lazy` detaches it even while
// files are open (they keep working until closed).
int RunUnmount(const std::string& mountpoint, bool lazy);

}  // namespace layerfs
