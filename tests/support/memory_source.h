// Test ByteSources (fs/source/byte_source.h): the bytes of an archive held
// in memory, optionally failing every read that touches a given range of
// bytes, as a remote source whose request fails would. They
// prove that the zip code reads only through the seam and that a failing
// source gives an error, never other bytes. Safe to read from any thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>

#include "fs/source/byte_source.h"

namespace layerfs::testing_source {

class MemorySource final : public ByteSource {
 public:
  // Reads touching [fail_begin, fail_end) fail.
  MemorySource(std::string name, std::string bytes, uint64_t fail_begin = UINT64_MAX,
               uint64_t fail_end = UINT64_MAX)
      : name_(std::move(name)),
        bytes_(std::move(bytes)),
        fail_begin_(fail_begin),
        fail_end_(fail_end) {}

  const std::string& name() const override { return name_; }
  uint64_t size() const override { return bytes_.size(); }
  int64_t mtime() const override { return 1700000000; }
  SourceIdentity identity() const override { return {{7, bytes_.size(), 0, 0}}; }

  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override {
    reads_.fetch_add(1, std::memory_order_relaxed);
    if (offset >= bytes_.size()) return size_t(0);
    size_t n = size_t(std::min<uint64_t>(out.size(), bytes_.size() - offset));
    if (n > 0 && offset < fail_end_ && offset + n > fail_begin_) {
      return Status::IoError(name_ + ": connection reset (injected)");
    }
    std::memcpy(out.data(), bytes_.data() + offset, n);
    return n;
  }

  uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }

 private:
  const std::string name_;
  const std::string bytes_;
  const uint64_t fail_begin_;
  const uint64_t fail_end_;
  mutable std::atomic<uint64_t> reads_{0};
};

}  // namespace layerfs::testing_source
