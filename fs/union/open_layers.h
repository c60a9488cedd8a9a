// OpenLayers: opens the layers of a stack at once, one thread per core.
//
// Opening a layer is reading its central directory and indexing it, a few
// milliseconds of CPU per 10,000 entries and independent of every other
// layer; a mount is not ready until all are open, so on a multi-core host
// they are opened side by side (the two big layers of a typical stack no
// longer wait for each other).
//
// Thread-safety: callable from any thread. The worker threads share only
// `remote` (read-only, and whose cache is itself thread-safe) and write
// each to its own result slot; all are joined before it returns.
#pragma once

#include <string>
#include <vector>

#include "fs/union/layer.h"

namespace layerfs {

// The layers of `paths`, in order. Fails with the error of the first path,
// in list order, that failed, as opening them one by one would.
Result<LayerStack> OpenLayers(const std::vector<std::string>& paths,
                              const RemoteOptions& remote = {});

// The same with each layer's own options (`remote[i]` for `paths[i]`; a
// remote layer store version renews its URL its own way).
Result<LayerStack> OpenLayers(const std::vector<std::string>& paths,
                              const std::vector<RemoteOptions>& remote);

}  // namespace layerfs
