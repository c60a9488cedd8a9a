// What `layerfs mount` does for Lambda before it mounts: turns layer
// version ARNs given in place of zips into the stored zips, and checks
// Lambda's rules on the stack (fs/stack_rules.h): more than 5 layers or a
// layer attached twice refuse the mount (the first unless --no-limits);
// the 250 MB unzipped limit (counting --code ZIP_OR_DIR), advisory
// CompatibleRuntimes/Architectures and deleted versions are logged.
//
// mount/cli.cc calls it between parsing and mounting. The mount.fuse3 form
// (`layerfs SOURCE MOUNTPOINT -o ...`, as fstab runs it) does not come
// here: a boot-time mount should not fail on advice.
//
// Runs on the main thread before anything is mounted; logs via spdlog.
#pragma once

#include <string>
#include <vector>

#include "fs/status.h"
#include "mount/mount_options.h"

namespace layerfs {

struct LambdaMountFlags {
  bool no_limits = false;  // --no-limits: more than 5 layers only warns
  std::string code;        // --code ZIP_OR_DIR: the function's own code
};

// Takes --no-limits and --code (`--code X` or `--code=X`) out of the
// arguments of `mount`, leaving the rest for ParseMountArgs. Stops at "--".
Result<LambdaMountFlags> TakeLambdaMountFlags(std::vector<std::string>& args);

// Resolves ARNs in options.layers (or reads options.function_config for
// its metadata; its zips are resolved later, by ResolveFunctionLayers) and
// checks the rules. Returns 0 to go on with the mount, else the exit code
// (1), having said why on stderr.
int PrepareLambdaMount(MountOptions& options, const LambdaMountFlags& flags);

}  // namespace layerfs
