#include "mount/reply.h"

#include <spdlog/spdlog.h>

#include <cerrno>

namespace layerfs {

int ErrnoFor(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kOk: return 0;
    case ErrorCode::kNotFound: return ENOENT;
    case ErrorCode::kNotADirectory: return ENOTDIR;
    case ErrorCode::kInvalidArgument: return EINVAL;
    case ErrorCode::kAlreadyExists: return EEXIST;
    // Data that cannot be produced is an I/O error to the reader, whatever
    // the cause: the log line says which.
    case ErrorCode::kCorrupt:
    case ErrorCode::kUnsupported:
    case ErrorCode::kIoError: return EIO;
  }
  return EIO;
}

void ReplyError(fuse_req_t req, const char* op, const Status& status) {
  int err = ErrnoFor(status);
  if (err == EIO) {
    spdlog::error("{}: {}", op, status.ToString());
  } else {
    spdlog::debug("{}: {}", op, status.ToString());
  }
  fuse_reply_err(req, err);
}

}  // namespace layerfs
