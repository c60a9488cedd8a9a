// `layerfs stats [--json] MOUNTPOINT`: reads the counters a running daemon
// publishes on its root (mount/control_channel.h) and prints them.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "fs/base/status.h"

namespace layerfs {

// The human-readable form of a stats document, one "name: value" a line;
// `mountpoint` heads it.
Result<std::string> FormatStats(std::string_view json, const std::string& mountpoint);

// Prints the stats of the mount at MOUNTPOINT; returns the exit code (0, 1
// not a live layerfs mount, 2 usage).
int RunStats(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace layerfs
