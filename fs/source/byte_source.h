// ByteSource: where one archive's bytes come from, seen as a fixed-size
// array of bytes with positional reads (in the spirit of LevelDB's
// RandomAccessFile). The zip format code (fs/zip/) reads only through this
// seam, so a local file, a remote object or a test source that injects
// faults all plug in beneath it unchanged.
//
// Implementations are immutable after construction except for what they
// lock themselves: ReadAt may be called from any number of threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "fs/base/status.h"

namespace layerfs {

// Names the bytes of a source for cache keys: two sources with one
// identity hold the same bytes, and a file replaced or rewritten gets a new
// one, so caches keyed by it never serve stale data. A local file is its
// (device, inode, size, mtime in ns); a remote object may use a digest.
struct SourceIdentity {
  std::array<uint64_t, 4> words{};

  bool operator==(const SourceIdentity&) const = default;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // A path or a URL: how errors name this source.
  virtual const std::string& name() const = 0;
  // The number of bytes; fixed for the source's life.
  virtual uint64_t size() const = 0;
  // When the bytes last changed (Unix seconds), 0 if unknown.
  virtual int64_t mtime() const = 0;
  virtual SourceIdentity identity() const = 0;

  // Reads up to out.size() bytes from `offset`, fewer only where the
  // source ends. Errors are kIoError naming the source.
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const = 0;

  // ReadAt for a reader going through one extent in order (a zip entry's
  // local header and data, ending before `extent_end`): a remote source
  // fetches more of the extent with this read, and nothing past it
  // (fs/source/read_ahead.h). Sources without read-ahead ignore the hint.
  virtual Result<size_t> ReadInExtent(uint64_t offset, std::span<char> out,
                                      uint64_t extent_end) const {
    (void)extent_end;
    return ReadAt(offset, out);
  }

  // Whether many small reads cost about what one read of the same bytes
  // does (a local file: each is a copy from the page cache). A reader of a
  // long run of bytes may then go through one small reused buffer instead
  // of a fresh one the run's size. Remote sources say no: a read may be a
  // request.
  virtual bool cheap_small_reads() const { return false; }
};

}  // namespace layerfs
