// The counters of a running mount: published as the extended attribute
// user.layerfs.stats of the mount root, a JSON document built afresh on
// each read (so nothing is added to the mounted tree and no socket is
// needed), and read back by `layerfs stats MOUNTPOINT [--json]`.
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

#include "fs/status.h"

namespace layerfs {

struct MountState;

inline constexpr char kStatsXattr[] = "user.layerfs.stats";

// The JSON document for `state` now. Keys: mounted_at (UTC, ISO 8601),
// mounted_at_unix, uptime_seconds, pid, lookups, negative_lookups, opens,
// reads, bytes_served, bytes_decompressed, cache {hits, misses, evictions,
// bytes_held, capacity}, errors {kind: count, for every kind}, entries (of
// all layers, overridden ones included), layers [{path, entries, files}]
// in stack order.
std::string StatsJson(MountState& state);

// The human-readable form of a StatsJson document, one "name: value" a
// line; `mountpoint` heads it.
Result<std::string> FormatStats(std::string_view json, const std::string& mountpoint);

// layerfs stats [--json] MOUNTPOINT: prints the stats of the mount at
// MOUNTPOINT; returns the exit code (0, 1 not a live layerfs mount, 2 usage).
int RunStats(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace layerfs
