// ReaderPool: the FileReader of each recently read file, shared by every
// reader of that file, at most `capacity` of them.
//
// The mount lets the kernel open files without asking the daemon (FUSE's
// zero-message open): a read names only the file, never a handle, and the
// daemon never learns when a file is closed. So readers live here instead
// of in per-open handles, and the least recently used is dropped when the
// pool is full. A dropped reader loses nothing shared: its cached blocks
// and inflate checkpoints stay in ReadResources; the next read of the file
// makes a new reader (cheap, except a streamed entry's position).
//
// Thread-safe: mu_ guards the map and the LRU list. Readers are made
// outside the lock (opening one may read the entry to check its CRC), and
// callers use them outside it through shared_ptr, so a reader dropped from
// the pool stays alive until its last read returns.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "fs/read/file_reader.h"
#include "fs/base/status.h"
#include "fs/union/union_view.h"

namespace layerfs {

class ReaderPool {
 public:
  explicit ReaderPool(size_t capacity) : capacity_(capacity) {}

  // The reader for `node` (a regular file of `view`), made if the pool has
  // none; `*made` tells whether this call opened the file (for counters
  // and the access log), whether or not that succeeded. Failures are not
  // kept: the next read tries again.
  Result<std::shared_ptr<FileReader>> Get(const UnionView& view, const UnionNode& node,
                                          ReadResources& resources, bool* made);

  // Drops the readers of `view`'s nodes, before the view is freed (node
  // addresses may then be reused by another view).
  void DropView(const UnionView& view);

  size_t size() const;

 private:
  struct Entry {
    const UnionNode* node;
    std::shared_ptr<FileReader> reader;
  };

  const size_t capacity_;
  mutable std::mutex mu_;  // guards lru_ and map_
  std::list<Entry> lru_;   // most recently used first
  std::unordered_map<const UnionNode*, std::list<Entry>::iterator> map_;
};

}  // namespace layerfs
