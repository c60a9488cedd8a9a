// The one map from a failure in fs/ to the errno a FUSE request gets.
// Every handler that fails goes through ReplyError(), which also logs the
// failure once, with the layer and entry the Status names.
#pragma once

#include <fuse_lowlevel.h>

#include "fs/base/status.h"

namespace layerfs {

int ErrnoFor(const Status& status);

// Logs `status` (at warn for data errors, debug for misses) under the
// operation name, then replies with its errno.
void ReplyError(fuse_req_t req, const char* op, const Status& status);

}  // namespace layerfs
