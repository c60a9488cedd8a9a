// SpillStore: the bounded on-disk area where large compressed entries are
// decompressed once per mount (each an EntrySpill, fs/read/entry_spill.h),
// and the small pool of worker threads that fill them, several entries in
// parallel.
//
// Bounds: the bytes of all spills together stay within `capacity`, and a
// spill is started only if the file system keeps kFreeMargin free after
// it (statvfs, checked before every new spill). A full store evicts whole
// spills, least recently used first, among those no reader holds; if that
// is not enough, the new entry is not spilled and its readers use the
// checkpoint path. Spill files are unlinked from the start (O_TMPFILE, or
// open then unlink), so nothing outlives the daemon; an evicted spill's
// space returns when its last reader lets go of it.
//
// A spill directory that cannot be used, or a spill that fails to write,
// is reported once through `log` and never as an error to a reader.
//
// Thread-safety: all methods may be called from any thread. mu_ guards the
// LRU, the map, used_, the queue and stop_; work_cv_ wakes the workers.
// Counters are atomics. The workers hold what they fill (the EntrySpill
// and its layer) by shared_ptr, so eviction or a remount never frees them
// under a worker; the destructor stops and joins the workers. Workers block
// every signal (they inherit a full mask from the constructor).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fs/read/entry_spill.h"
#include "fs/read/read_cache.h"
#include "fs/union/layer.h"

namespace layerfs {

struct SpillOptions {
  std::string dir;        // where spill files are made (unlinked)
  uint64_t capacity = 0;  // 0: no spill
  unsigned workers = 1;   // entries inflated at once
  // Receives the one-line reasons a spill could not be made or written.
  std::function<void(const std::string&)> log;
};

struct SpillStats {
  uint64_t bytes_held = 0;      // spill space reserved by current spills
  uint64_t entries = 0;         // spills held now
  uint64_t entries_spilled = 0; // spills completed since mount
  uint64_t bytes_inflated = 0;  // bytes decompressed by the workers
  uint64_t evictions = 0;
  uint64_t failures = 0;        // spills that could not be made or written
  uint64_t capacity = 0;
};

// The spill directory and size used when none is given: $TMPDIR or
// /var/tmp, and a quarter of the free space there, at most 4 GiB.
std::string DefaultSpillDir();
uint64_t DefaultSpillSize(const std::string& dir);

class SpillStore {
 public:
  // Space a spill must leave free on the file system of the spill dir.
  static constexpr uint64_t kFreeMargin = 256ull << 20;

  explicit SpillStore(SpillOptions options);
  ~SpillStore();
  SpillStore(const SpillStore&) = delete;
  SpillStore& operator=(const SpillStore&) = delete;

  // The spill of `record` of `layer`'s archive (its cache key `key`),
  // started in the background if there is none; null when it cannot be
  // spilled (disabled, no room, directory unusable).
  //
  // A reader's spill is filled before every prefetched one still waiting
  // (Prefetch below): a reader asking for an entry whose prefetch has not
  // started moves it to the head of the queue.
  std::shared_ptr<EntrySpill> Acquire(std::shared_ptr<const Layer> layer, uint32_t record,
                                      uint64_t data_offset, const CacheKey& key);

  // Starts the spill of an entry no reader has asked for yet (the shared
  // libraries a loader is about to map, fs/read/library_prefetch.h): queued
  // behind every reader's, not held, so the LRU evicts it first when room
  // is needed. False when it cannot be spilled (as Acquire's null).
  bool Prefetch(std::shared_ptr<const Layer> layer, uint32_t record, uint64_t data_offset,
                const CacheKey& key);

  SpillStats stats() const;
  bool enabled() const { return options_.capacity > 0; }

 private:
  struct Held {
    CacheKey key;
    std::shared_ptr<EntrySpill> spill;
  };
  using Lru = std::list<Held>;  // front = most recently used
  struct Job {
    std::shared_ptr<EntrySpill> spill;
    std::shared_ptr<const Layer> layer;
    uint32_t record = 0;
    uint64_t data_offset = 0;
    bool prefetch = false;  // queued by Prefetch, not by a reader
  };

  std::shared_ptr<EntrySpill> AcquireImpl(std::shared_ptr<const Layer> layer, uint32_t record,
                                          uint64_t data_offset, const CacheKey& key,
                                          bool prefetch);
  // Queues a job: a reader's before the first prefetched one, a
  // prefetched one last. mu_ held.
  void EnqueueLocked(Job job);
  // Moves the queued prefetch job of `spill`, if any, to the readers' part
  // of the queue. mu_ held.
  void PromoteLocked(const std::shared_ptr<EntrySpill>& spill);

  bool MakeRoomLocked(uint64_t size);
  Result<UniqueFd> OpenSpillFile() const;
  void Log(const std::string& line);
  void Work();
  void Run(Job& job);
  Status Fill(Job& job);
  void Forget(const std::shared_ptr<EntrySpill>& spill);

  const SpillOptions options_;

  mutable std::mutex mu_;  // guards everything below up to the counters
  std::condition_variable work_cv_;
  Lru lru_;
  std::unordered_map<CacheKey, Lru::iterator, CacheKeyHash> map_;
  uint64_t used_ = 0;
  std::deque<Job> queue_;
  size_t running_ = 0;  // jobs the workers are filling
  bool dir_failed_ = false;  // logged once, then no more spills

  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> bytes_inflated_{0};
  std::atomic<uint64_t> entries_spilled_{0};
  std::atomic<uint64_t> evictions_{0};
  std::atomic<uint64_t> failures_{0};

  std::vector<std::thread> workers_;  // last: started once the rest exists
};

}  // namespace layerfs
