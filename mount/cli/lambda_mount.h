// What `layerfs mount` does before it hands a stack to the daemon: turns
// layer version ARNs given in place of zips (or a function configuration)
// into the stored zips, opens each layer once, and checks Lambda's rules on
// the opened stack (fs/lambda/stack_rules.h): more than 5 layers or a layer
// attached twice refuse the mount (the first unless --no-limits); the
// 250 MB unzipped limit (counting --code ZIP_OR_DIR), advisory
// CompatibleRuntimes/Architectures and deleted versions are logged.
//
// The layers come back open, so the daemon serves the very archives whose
// central directories the checks read: each directory is parsed once per
// mount. The mount.fuse3 form (`layerfs SOURCE MOUNTPOINT -o ...`, as fstab
// runs it) opens the same way but skips the checks: a boot-time mount
// should not fail on advice. It still logs what resolving a function
// found (a deleted version, more than 5 layers).
//
// Runs on the main thread before anything is mounted; logs via spdlog.
#pragma once

#include <string>
#include <vector>

#include "fs/base/status.h"
#include "fs/lambda/stack_resolver.h"
#include "fs/union/layer.h"
#include "mount/mount_options.h"
#include "mount/remote_options.h"

namespace layerfs {

// Filled in by ParseMountArgs (mount/cli/cli.h) for the `mount` command.
struct LambdaMountFlags {
  bool no_limits = false;  // --no-limits: more than 5 layers only warns
  std::string code;        // --code ZIP_OR_DIR: the function's own code
};

// Resolves options.layers (zips, URLs and ARNs) or options.function_config
// as mount/stack_request.h says, and opens each layer with `remote` (the
// context the daemon then keeps: mount/remote_options.h); options.layers
// keeps the layers as named, for the daemon to re-read on SIGHUP. With
// `flags` (the
// `mount` command) the rules are checked and findings logged; without (the
// mount.fuse3 form) only the function's resolution warnings are logged.
// Fails naming the file or ARN and the reason, or with "Lambda would
// refuse this stack" after logging the findings that say why.
Result<LayerStack> OpenMountStack(MountOptions& options, const LambdaMountFlags* flags,
                                  RemoteContext& remote);
// The same with a context of its own (tests, checks).
Result<LayerStack> OpenMountStack(MountOptions& options, const LambdaMountFlags* flags);

// OpenMountStack in its two steps, for `layerfs mount`, which resolves
// before it forks and opens in the daemon: ResolveMountStack fails as
// OpenMountStack does for what resolving finds (an unknown ARN, a bad
// configuration); OpenResolvedStack opens and checks the rest.
Result<ResolvedStack> ResolveMountStack(const MountOptions& options);
Result<LayerStack> OpenResolvedStack(ResolvedStack stack, const MountOptions& options,
                                     const LambdaMountFlags* flags, RemoteContext& remote);

}  // namespace layerfs
