// The `layerfs` command line: parses arguments and dispatches to the
// commands. Usage errors exit 2 with one line and a pointer to --help.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fs/base/status.h"
#include "fs/union/layer.h"
#include "mount/mount_options.h"

namespace layerfs {

// What the command line hands over to the daemon (mount/daemon.h). The CLI
// does not link the libfuse adapter: main.cc, the one place that knows
// both, fills this in.
struct DaemonEntry {
  // Serves the opened `layers` as options say; returns the exit code.
  std::function<int(const MountOptions& options, LayerStack layers)> mount;
  // Unmounts a mountpoint (lazily: detached while files are open).
  std::function<int(const std::string& mountpoint, bool lazy)> unmount;
};

// Runs the whole command line; returns the process exit code.
int RunCli(const std::vector<std::string>& args, const DaemonEntry& daemon);

// Parses the arguments after `mount`.
Result<MountOptions> ParseMountArgs(const std::vector<std::string>& args);

// Parses the mount.fuse3 form `layerfs SOURCE MOUNTPOINT -o OPTS`: `args`
// follow SOURCE, which lists the zips separated by colons, or only names
// the mount when the options give function=.
// The layers of a mount.fuse3 SOURCE: split at ':', except the colons of
// an http(s):// URL's scheme and port (a URL ends at the first ':' after
// its host[:port]).
std::vector<std::string> SplitHelperSource(const std::string& source);

Result<MountOptions> ParseHelperArgs(const std::string& source,
                                     const std::vector<std::string>& args);

// Applies one -o list: our own keys are taken, mount(8)/systemd keys are
// ignored, the rest are passed on to the kernel mount.
Status ApplyMountOptionList(const std::string& list, MountOptions& options);

// "64M", "1G", "65536" -> bytes.
std::optional<uint64_t> ParseSize(const std::string& text);

}  // namespace layerfs
