// The one map from a failure in fs/ to the errno a FUSE request gets.
// Every handler that fails goes through ReplyError(), which also logs the
// failure once, with the layer and entry the Status names.
#pragma once

#include <fuse_lowlevel.h>

#include "fs/base/status.h"

namespace layerfs {

// ENOENT, ENOTDIR, EINVAL, EEXIST for what the caller asked wrongly; EIO
// for every failure to produce data (corrupt, unsupported, I/O), whose log
// line says which.
int ErrnoFor(const Status& status);

// Logs `status` under the operation name (at error for EIO, which a reader
// sees as a failure; at debug for misses and bad requests, which are
// routine), then replies with its errno.
void ReplyError(fuse_req_t req, const char* op, const Status& status);

}  // namespace layerfs
