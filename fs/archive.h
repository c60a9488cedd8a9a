// Archive: one open layer zip file: its central directory and the bytes of
// its entries.
//
// The file is opened once and read only with pread(), so any number of
// threads may read through one Archive at once, and a layer file renamed
// over or deleted while mounted keeps serving from the open descriptor.
// Stored entries are read in place; deflated entries are inflated here
// with libdeflate (whole entries) or by fs/inflate_stream.h (ranges of
// large ones); every other method libzip reads (bzip2, xz, zstd) goes
// through libzip. libzip handles are not safe for concurrent use, so a
// libzip handle is never shared: each read opens its own over a new open
// file description of the same file (not a dup(), which would share the
// file offset that libzip moves).
//
// This is the only file of layerfs that includes <zip.h>.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <sys/stat.h>

#include "fs/central_directory.h"
#include "fs/status.h"
#include "fs/unique_fd.h"

namespace layerfs {

class Archive {
 public:
  // Opens `path` and reads its central directory. Fails naming the file
  // and the reason: missing, not a regular file, not a zip, corrupt.
  static Result<std::unique_ptr<Archive>> Open(const std::string& path);

  const std::string& path() const { return path_; }
  int fd() const { return fd_.get(); }
  uint64_t file_size() const { return file_size_; }
  int64_t file_mtime() const { return file_mtime_; }
  // Identifies the file's bytes: a layer renamed over or rewritten in place
  // gets a new identity, so caches keyed by it never serve stale data.
  uint64_t file_device() const { return file_device_; }
  uint64_t file_inode() const { return file_inode_; }
  int64_t file_mtime_ns() const { return file_mtime_ns_; }
  const CentralDirectory& directory() const { return directory_; }
  const ZipRecord& record(uint32_t index) const { return directory_.records()[index]; }
  std::string EntryLabel(uint32_t index) const;  // "layer.zip: entry a/b"

  // Where the entry's data starts (after its local header); checks that
  // the data lies inside the file. Fails for encrypted entries.
  Result<uint64_t> DataOffset(uint32_t index) const;

  // Reads up to out.size() bytes of a stored entry from `offset`.
  Result<size_t> ReadStored(uint32_t index, uint64_t data_offset, uint64_t offset,
                            std::span<char> out) const;

  // Decompresses a whole entry and checks its CRC-32.
  Result<std::vector<char>> ReadWhole(uint32_t index) const;

  // Checks a stored entry's CRC-32 by reading it once; the verdict is
  // remembered, so later opens cost nothing. Entries over `max_bytes` are
  // not checked (reading gigabytes on open would be worse).
  Status VerifyStored(uint32_t index, uint64_t data_offset, uint64_t max_bytes) const;

  // Whether ranges of this entry can be read without decoding from the
  // start through libzip: stored and deflated entries.
  bool HasNativeReader(uint32_t index) const;

 private:
  Archive(std::string path, UniqueFd fd, const struct stat& st, CentralDirectory directory);

  Result<std::vector<char>> InflateWhole(uint32_t index, uint64_t data_offset) const;
  Result<std::vector<char>> ReadWithLibzip(uint32_t index) const;

  // Constant after construction.
  const std::string path_;
  const UniqueFd fd_;
  const uint64_t file_size_;
  const int64_t file_mtime_;
  const uint64_t file_device_;
  const uint64_t file_inode_;
  const int64_t file_mtime_ns_;
  const CentralDirectory directory_;
  // Per record: 0 unchecked, 1 CRC good, 2 CRC bad. Benign races: two
  // threads may both check one entry and store the same verdict.
  const std::unique_ptr<std::atomic<uint8_t>[]> stored_verdict_;
};

// Reads through pread() until `out` is full or the file ends.
Result<size_t> PreadFully(int fd, uint64_t offset, std::span<char> out);

}  // namespace layerfs
