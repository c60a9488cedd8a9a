// Daemon life of `layerfs mount` and `layerfs unmount`: check the
// mountpoint (recovering a stale one), open the layers, fork into the
// background unless asked not to, mount, report readiness only once the
// mount answers, serve on a multithreaded loop, and unmount cleanly on
// SIGINT/SIGTERM. Returns the process exit code (0, 1 runtime error).
#pragma once

#include <string>

#include "mount/mount_options.h"

namespace layerfs {

int RunMount(const MountOptions& options);

// Unmounts `mountpoint`, stale or live. `lazy` detaches it even while
// files are open (they keep working until closed).
int RunUnmount(const std::string& mountpoint, bool lazy);

}  // namespace layerfs
