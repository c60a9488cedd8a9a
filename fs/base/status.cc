#include "fs/base/status.h"

namespace layerfs {

namespace {
const char* CodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "ok";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kNotADirectory: return "not a directory";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kIoError: return "I/O error";
    case ErrorCode::kAlreadyExists: return "already exists";
  }
  return "unknown";
}
}  // namespace

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace layerfs
