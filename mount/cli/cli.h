// The `layerfs` command line: parses arguments and dispatches to the
// commands. Usage errors exit 2 with one line and a pointer to --help.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "fs/base/status.h"
#include "fs/union/layer.h"
#include "mount/cli/arg_parser.h"
#include "mount/cli/lambda_mount.h"
#include "mount/mount_options.h"

namespace layerfs {

// What the command line hands over to the daemon (mount/daemon.h). The CLI
// does not link the libfuse adapter: main.cc, the one place that knows
// both, fills this in.
struct DaemonEntry {
  // Serves the stack `open_layers` opens (it runs after the daemon forks)
  // as options say, opening later stacks with `remote`; returns the exit
  // code.
  std::function<int(const MountOptions& options, const StackOpener& open_layers,
                    std::shared_ptr<RemoteContext> remote)>
      mount;
  // Unmounts a mountpoint (lazily: detached while files are open).
  std::function<int(const std::string& mountpoint, bool lazy)> unmount;
};

// Runs the whole command line, writing results to `out` and diagnostics to
// `err` (main.cc passes std::cout and std::cerr); returns the process exit
// code (mount/cli/exit_codes.h).
int RunCli(const std::vector<std::string>& args, const DaemonEntry& daemon, std::ostream& out,
           std::ostream& err);

// Parses the arguments after `mount`. With `lambda`, also takes Lambda's
// checks (--no-limits, --code) into it; without, they are unknown options.
Result<MountOptions> ParseMountArgs(const std::vector<std::string>& args,
                                    LambdaMountFlags* lambda = nullptr);

// Parses the mount.fuse3 form `layerfs SOURCE MOUNTPOINT -o OPTS`: `args`
// follow SOURCE, which lists the zips separated by colons, or only names
// the mount when the options give function=.
// The layers of a mount.fuse3 SOURCE: split at ':', except the colons of
// an http(s):// URL's scheme and port (a URL ends at the first ':' after
// its host[:port]) and the seven of a layer version ARN
// (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION).
std::vector<std::string> SplitHelperSource(const std::string& source);

Result<MountOptions> ParseHelperArgs(const std::string& source,
                                     const std::vector<std::string>& args);

// Applies one -o list: our own keys are taken, mount(8)/systemd keys are
// ignored, the rest are passed on to the kernel mount.
Status ApplyMountOptionList(const std::string& list, MountOptions& options);

}  // namespace layerfs
