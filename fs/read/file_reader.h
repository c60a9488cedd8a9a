// FileReader: reads byte ranges of one file of the union, shared by all
// who read that file (see fs/read/reader_pool.h).
//
// It picks a strategy when the file is opened:
//  - stored entries are read in place with pread() (their CRC-32 checked
//    once, on first open, for entries up to 256 MiB);
//  - compressed entries up to ReadResources::whole_entry_limit() are
//    decompressed whole, once, into the shared ReadCache (libdeflate for
//    deflate, libzip for other methods) and copied out of it;
//  - larger compressed entries (deflate, LZMA, XZ, Zstandard) are
//    decompressed once, in the background, into the on-disk spill
//    (fs/read/spill_store.h) and read back from it; until the spill
//    reaches a read's bytes (or when there is no spill) deflated ones go
//    through an InflateStream that resumes where the last read ended,
//    restarts at checkpoints for seeks, and caches fixed-size blocks of
//    output, and the others through a forward-only EntryDecoder.
// Read() may be called from several FUSE workers at once (parallel reads
// of one file, by one process or many); readers lock what state they keep.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "fs/read/checkpoint_store.h"
#include "fs/read/read_cache.h"
#include "fs/read/spill_store.h"
#include "fs/base/status.h"
#include "fs/union/union_view.h"

namespace layerfs {

// The shared, bounded memory of the read path: a quarter of the budget for
// inflate checkpoints, the rest for decompressed data; and the on-disk
// spill of large entries (disabled unless given). Internally locked.
class ReadResources {
 public:
  explicit ReadResources(uint64_t budget_bytes, SpillOptions spill = {})
      : cache_(budget_bytes - budget_bytes / 4),
        checkpoints_(budget_bytes / 4),
        spill_(std::move(spill)) {}

  ReadCache& cache() { return cache_; }
  CheckpointStore& checkpoints() { return checkpoints_; }
  SpillStore& spill() { return spill_; }
  // Entries up to this size are decompressed whole: small enough that
  // several fit in the cache at once.
  uint64_t whole_entry_limit() const {
    return std::min<uint64_t>(16ull << 20, cache_.capacity() / 4);
  }

 private:
  ReadCache cache_;
  CheckpointStore checkpoints_;
  SpillStore spill_;  // last: its workers stop before the rest goes
};

class FileReader {
 public:
  virtual ~FileReader() = default;

  // `node` must be a regular file of `view`. The view's layers and the
  // resources must outlive the reader.
  static Result<std::unique_ptr<FileReader>> Open(const UnionView& view,
                                                  const UnionNode& node,
                                                  ReadResources& resources);

  // Fills `out` from `offset`; returns the bytes read (short only at the
  // end of the file).
  virtual Result<size_t> Read(uint64_t offset, std::span<char> out) = 0;

  // Bytes of the file that `owner` keeps alive.
  struct Slice {
    std::shared_ptr<const void> owner;
    std::span<const char> bytes;
  };
  // As Read, but the bytes stay where the reader has them when it holds
  // the file whole in memory (small compressed entries, in the shared
  // cache), so a FUSE reply is written straight from there, with no
  // buffer to allocate and no copy. Otherwise Read into a fresh buffer.
  virtual Result<Slice> ReadSlice(uint64_t offset, size_t size);

  // "layer.zip: entry path" for log lines.
  virtual std::string Label() const = 0;
};

// The cache key of an entry's bytes; `block` is set by the caller.
CacheKey EntryCacheKey(const Archive& archive, uint32_t record);

}  // namespace layerfs
