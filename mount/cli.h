// The `layerfs` command line: parses arguments and dispatches to the
// commands. Usage errors exit 2 with one line and a pointer to --help.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fs/status.h"
#include "mount/mount_options.h"

namespace layerfs {

// Runs the whole command line; returns the process exit code.
int RunCli(const std::vector<std::string>& args);

// Parses the arguments after `mount`.
Result<MountOptions> ParseMountArgs(const std::vector<std::string>& args);

// Parses the mount.fuse3 form `layerfs SOURCE MOUNTPOINT -o OPTS`: `args`
// follow SOURCE, which lists the zips separated by colons, or only names
// the mount when the options give function=.
Result<MountOptions> ParseHelperArgs(const std::string& source,
                                     const std::vector<std::string>& args);

// Applies one -o list: our own keys are taken, mount(8)/systemd keys are
// ignored, the rest are passed on to the kernel mount.
Status ApplyMountOptionList(const std::string& list, MountOptions& options);

// "64M", "1G", "65536" -> bytes.
std::optional<uint64_t> ParseSize(const std::string& text);

}  // namespace layerfs
