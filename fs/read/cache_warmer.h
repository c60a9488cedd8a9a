// CacheWarmer: decompresses files into the read cache on one background
// thread, ahead of the reader that is expected to ask for them. What
// PackageLibraries (a package's shared libraries) and BytecodeWarm (a
// __pycache__'s compiled modules) do once they have planned which files.
//
// Each file is read through the mount's reader pool: one byte is enough,
// since an entry up to the whole-entry limit is decompressed whole into
// the cache, where the reader's own read then finds it. A damaged entry
// fails here silently; the reader's own read reports it.
//
// Thread-safety: Warm() may be called from any thread; the WorkQueue's
// thread decompresses; the counts are atomics. Jobs pin their view, so
// nodes stay valid while queued. The destructor drops the jobs not
// started, waits for the one running and joins; the pool and the
// resources must outlive this object.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "fs/base/work_queue.h"
#include "fs/read/reader_pool.h"
#include "fs/union/union_view.h"

namespace layerfs {

// True for a non-empty file of a local layer (a remote one would download
// it) whose entry needs decompressing: stored entries are read in place.
bool WorthWarming(const UnionNode& file);

class CacheWarmer {
 public:
  struct Stats {
    uint64_t files = 0;  // decompressed ahead of their reader
    uint64_t bytes = 0;  // their uncompressed bytes
  };

  CacheWarmer(ReaderPool& readers, ReadResources& resources);
  CacheWarmer(const CacheWarmer&) = delete;
  CacheWarmer& operator=(const CacheWarmer&) = delete;

  // Queues `files`, nodes of `view`, in this order.
  void Warm(const std::shared_ptr<const UnionView>& view,
            const std::vector<const UnionNode*>& files);

  Stats stats() const;

 private:
  struct Job {
    std::shared_ptr<const UnionView> view;  // pins node
    const UnionNode* node;
  };
  void Decompress(const Job& job);

  ReaderPool& readers_;
  ReadResources& resources_;
  std::atomic<uint64_t> files_{0};
  std::atomic<uint64_t> bytes_{0};
  WorkQueue<Job> queue_;  // last: its thread stops before the rest goes
};

}  // namespace layerfs
