// Status and Result<T>: how fs/ reports failure without exceptions.
//
// A Status is ok or carries a code and a message that names what failed
// (the layer file and the entry, where known). Result<T> holds either a
// value or a non-ok Status, shaped like C++23's std::expected so call
// sites read the same once we move to it. Both are plain values: safe to
// copy and to hand between threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace layerfs {

enum class ErrorCode {
  kOk = 0,
  kNotFound,         // no such entry, file or layer
  kNotADirectory,    // a path component is not a directory
  kInvalidArgument,  // the caller asked for something malformed
  kCorrupt,          // the archive's bytes contradict the zip format
  kUnsupported,      // valid but not readable here (method, encryption)
  kIoError,          // the operating system failed a read
  kAlreadyExists,    // a store object that must be unique already exists
};

// How many codes there are, for arrays indexed by ErrorCode: follows the
// last enumerator above.
inline constexpr size_t kErrorCodeCount = size_t(ErrorCode::kAlreadyExists) + 1;

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status Ok() { return Status(); }
  static Status NotFound(std::string msg) {
    return Status(ErrorCode::kNotFound, std::move(msg));
  }
  static Status NotADirectory(std::string msg) {
    return Status(ErrorCode::kNotADirectory, std::move(msg));
  }
  static Status InvalidArgument(std::string msg) {
    return Status(ErrorCode::kInvalidArgument, std::move(msg));
  }
  static Status Corrupt(std::string msg) {
    return Status(ErrorCode::kCorrupt, std::move(msg));
  }
  static Status Unsupported(std::string msg) {
    return Status(ErrorCode::kUnsupported, std::move(msg));
  }
  static Status IoError(std::string msg) {
    return Status(ErrorCode::kIoError, std::move(msg));
  }
  static Status AlreadyExists(std::string msg) {
    return Status(ErrorCode::kAlreadyExists, std::move(msg));
  }

  // The same failure (same code) with context around its message, e.g.
  // s.WithContext("f.json: Layers[2]: "). An ok status stays ok.
  Status WithContext(std::string_view before, std::string_view after = "") const {
    if (ok()) return *this;
    return Status(code_, std::string(before) + message_ + std::string(after));
  }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "corrupt: layer.zip: entry a/b: bad local header" style text for logs.
  std::string ToString() const;

 private:
  Status(ErrorCode code, std::string msg)
      : code_(code), message_(std::move(msg)) {}

  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or the reason there is none. Constructing from a Status that is
// ok is a programming error and is turned into an kInvalidArgument status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    if (std::get<Status>(data_).ok()) {
      data_ = Status::InvalidArgument("Result built from an ok Status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace layerfs
