// The counters of a running mount: published as the extended attribute
// user.layerfs.stats of the mount root, a JSON document built afresh on
// each read (so nothing is added to the mounted tree and no socket is
// needed), and read back by `layerfs stats` (mount/cli/stats_command.h).
//
// StatsJson is called from FUSE workers: it reads atomics, the read
// cache's own locked snapshot and the immutable view, and takes no lock of
// its own. The counters are read one by one, so a document taken during
// traffic may be a few requests off between fields; each field is exact.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "fs/base/status.h"

namespace layerfs {

struct MountState;

// The JSON document for `state` now. Keys: mounted_at (UTC, ISO 8601),
// mounted_at_unix, uptime_seconds, pid, lookups, negative_lookups, opens,
// reads, bytes_served, bytes_decompressed, cache {hits, misses, evictions,
// bytes_held, capacity}, errors {kind: count, for every kind}, entries (of
// all layers, overridden ones included), layers [{path, entries, files}]
// in stack order.
std::string StatsJson(MountState& state);

}  // namespace layerfs
