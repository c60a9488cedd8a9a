// The `layerfs publish` and `layerfs layers` commands: the command-line face
// of the layer store (fs/lambda/layer_store.h).
//
// Each function takes the arguments that follow its command word (for
// `layerfs layers get ARN`, RunLayers gets {"get", "ARN"}), writes results
// to `out` and diagnostics to `err`, and returns the exit code: 0 on
// success, 1 when the operation failed, 2 for a usage error. JSON goes out
// 2-space indented, in the shapes and key order of the Lambda API, except
// that Content.Location is the stored zip's absolute path where AWS gives a
// short-lived S3 link.
//
// The store directory is --store DIR, else $LAYERFS_STORE, else
// /var/lib/layerfs for root, else ~/.local/share/layerfs
// (DefaultStoreDir). These functions read the process environment for
// that; otherwise they hold no state and may run on any thread.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "fs/lambda/layer_store.h"
#include "mount/cli/arg_parser.h"

namespace layerfs {

// layerfs publish NAME ZIP [--description D] [--compatible-runtime R]...
//     [--compatible-architecture A]... [--license L] [--store DIR]
//     [--region R] [--account A]
// layerfs publish --from-get-layer-version JSON ZIP [--store DIR]
//
// `validate` is the archive check run on the zip before the store takes it
// (the zip opens, its names are safe, ...). It is required: publishing
// refuses to run without one, rather than accept zips unchecked.
// `extra_options` join publish's own table (the caller's flags, such as
// --allow-unreadable, parsed in the same pass) and `extra_help` follows its
// usage text under --help.
int RunPublish(const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err, const ZipValidator& validate,
               const std::vector<ArgOption>& extra_options = {},
               std::string_view extra_help = {});

// layerfs layers list [--json] [--store DIR]
// layerfs layers versions NAME|LAYER_ARN [--json] [--store DIR]
// layerfs layers get LAYER_VERSION_ARN [--store DIR]
// layerfs layers delete LAYER_VERSION_ARN [--store DIR]
//
// list and versions print a table unless --json, which prints the
// ListLayers / ListLayerVersions response. get always prints the
// GetLayerVersion response (--json is accepted and changes nothing).
// delete prints nothing.
int RunLayers(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

// The usage text of each command, for the CLI's help.
std::string PublishUsage();
std::string LayersUsage();

}  // namespace layerfs
