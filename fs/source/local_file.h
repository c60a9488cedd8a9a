// LocalFile: a ByteSource over a file on a local filesystem, read with
// pread() on one descriptor opened at Open(). A layer renamed over or
// deleted while mounted keeps serving its old bytes from that descriptor.
//
// Immutable after Open(); any number of threads may read at once (pread
// moves no shared offset).
#pragma once

#include <sys/stat.h>

#include <memory>
#include <string>

#include "fs/base/unique_fd.h"
#include "fs/source/byte_source.h"

namespace layerfs {

class LocalFile final : public ByteSource {
 public:
  // Opens `path`, which must be a regular file. Fails naming it: kNotFound
  // when missing, kInvalidArgument when not a regular file, else kIoError.
  static Result<std::unique_ptr<LocalFile>> Open(const std::string& path);

  const std::string& name() const override { return path_; }
  uint64_t size() const override { return size_; }
  int64_t mtime() const override { return mtime_; }
  SourceIdentity identity() const override { return identity_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override;
  bool cheap_small_reads() const override { return true; }

  // The open descriptor, for code that must hand a file to another library.
  int fd() const { return fd_.get(); }

 private:
  LocalFile(std::string path, UniqueFd fd, const struct stat& st);

  // Constant after construction.
  const std::string path_;
  const UniqueFd fd_;
  const uint64_t size_;
  const int64_t mtime_;
  const SourceIdentity identity_;
};

// Reads through pread() until `out` is full or the file ends.
Result<size_t> PreadFully(int fd, uint64_t offset, std::span<char> out);

}  // namespace layerfs
