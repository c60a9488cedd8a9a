// Daemon life of `layerfs mount` and `layerfs unmount`: check the
// mountpoint (recovering a stale one), take the opened layers, fork into the
// background unless asked not to, mount, report readiness only once the
// mount answers, serve on a multithreaded loop, and unmount cleanly on
// SIGINT/SIGTERM. Returns the process exit code (0, 1 runtime error).
#pragma once

#include <string>

#include "fs/union/layer.h"
#include "mount/mount_options.h"

namespace layerfs {

// Serves `layers` (opened by the command line, in Layers order) on
// options.mountpoint. options.layers names them, for reloads and logs.
int RunMount(const MountOptions& options, LayerStack layers);

// Unmounts `mountpoint`, stale or live. `lazy` detaches it even while
// files are open (they keep working until closed).
int RunUnmount(const std::string& mountpoint, bool lazy);

}  // namespace layerfs
