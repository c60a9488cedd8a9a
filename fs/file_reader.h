// FileReader: reads byte ranges of one file of the union, for one open
// file handle.
//
// It picks a strategy when the file is opened:
//  - stored entries are read in place with pread();
//  - compressed entries up to `whole_entry_limit` bytes are decompressed
//    whole, once, into the shared ReadCache and copied out of it;
//  - larger deflated entries go through an InflateStream (see
//    fs/inflate_stream.h) and cache blocks of it.
// Read() may be called from several FUSE workers at once for one handle
// (the kernel issues parallel reads); the reader is internally locked
// where it keeps state.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "fs/read_cache.h"
#include "fs/status.h"
#include "fs/union_view.h"

namespace layerfs {

struct ReadOptions {
  // Compressed entries up to this size are decompressed whole.
  uint64_t whole_entry_limit = 16 << 20;
};

class FileReader {
 public:
  virtual ~FileReader() = default;

  // `node` must be a regular file of `view`. The view's layers and the
  // cache must outlive the reader.
  static Result<std::unique_ptr<FileReader>> Open(const UnionView& view,
                                                  const UnionNode& node, ReadCache& cache,
                                                  const ReadOptions& options);

  // Fills `out` from `offset`; returns the bytes read (short only at the
  // end of the file).
  virtual Result<size_t> Read(uint64_t offset, std::span<char> out) = 0;

  // "layer.zip: entry path" for log lines.
  virtual std::string Label() const = 0;
};

// The cache key of an entry's bytes; `block` is set by the caller.
CacheKey EntryCacheKey(const Archive& archive, uint32_t record);

}  // namespace layerfs
