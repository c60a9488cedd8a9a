// RemoteOptions for a mount: what `layerfs mount` asked for remote (URL)
// layers, with the shared on-disk cache opened (fs/source/cache_dir.h).
// Used by the command line (the first stack) and the daemon (remounts).
//
// A cache directory that cannot be used (not a directory, owned by another
// user, writable by others, not writable) is logged as a warning and the
// layers are mounted without it: the cache only saves downloads.
//
// Stateless; callable from any thread.
#pragma once

#include <string>
#include <vector>

#include "fs/source/http_source.h"
#include "mount/mount_options.h"

namespace layerfs {

// The cache is opened only when `layers` has a remote one.
RemoteOptions MakeRemoteOptions(const MountOptions& options,
                                const std::vector<std::string>& layers);

}  // namespace layerfs
