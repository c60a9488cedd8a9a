// The archive check `layerfs publish` runs before the layer store accepts
// a zip (the ZipValidator of fs/lambda/layer_store.h), and the publish command
// that supplies it.
//
// A zip is refused when:
//   - it does not open as a zip (Layer::Open);
//   - its index skipped any entry for an unsafe name ("../x", a NUL byte,
//     an over-long component, ...): layerfs would serve a different tree
//     from the one the zip describes;
//   - any file lacks o+r or any directory lacks o+rx, unless
//     --allow-unreadable. AWS refuses such layers ("Layer conversion
//     failed: Some files do not have read permissions"), and a function,
//     which runs as a user that is neither owner nor group, could not read
//     them; refusing here keeps the offline store from accepting what AWS
//     would not. The override exists for layers imported or reproduced
//     exactly as they are, bad modes included.
// Other index warnings (an absolute name made relative, a FIFO served as
// a file) and, with --allow-unreadable, the unreadable entries are
// printed on `err` as warnings.
//
// The validator may run on any thread; it writes to `err`, which the
// caller must not use concurrently.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "fs/lambda/layer_store.h"

namespace layerfs {

struct PublishCheckOptions {
  bool allow_unreadable = false;
};

ZipValidator MakePublishValidator(PublishCheckOptions options, std::ostream& err);

// `layerfs publish ARGS`: RunPublish (mount/cli/store_commands.h) with the
// check above and its --allow-unreadable flag.
int RunPublishCommand(const std::vector<std::string>& args, std::ostream& out,
                      std::ostream& err);

}  // namespace layerfs
