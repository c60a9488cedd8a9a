// CheckpointStore: the inflate checkpoints (fs/zip/inflate_checkpoints.h)
// of every large deflated entry a mount has read, kept within a byte
// budget: when over it, the least recently used indexes are dropped (open
// files keep theirs alive through shared_ptr).
//
// Internally locked by mu_; shared by every open file of a mount.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "fs/read/read_cache.h"
#include "fs/zip/inflate_checkpoints.h"

namespace layerfs {

class CheckpointStore {
 public:
  explicit CheckpointStore(uint64_t budget_bytes) : budget_(budget_bytes) {}

  // The index for an entry (key.block is ignored), created if needed.
  std::shared_ptr<CheckpointIndex> IndexFor(const CacheKey& key, uint64_t uncompressed_size);

  // Spacing for an entry of this size: every 256 KiB, so a random read
  // inflates 128 KiB on average before its block, but wider when that
  // many windows would not fit the budget (one entry may fill all of it).
  uint64_t SpacingFor(uint64_t uncompressed_size) const;

 private:
  void TrimLocked();

  const uint64_t budget_;
  std::mutex mu_;  // guards lru_ and map_
  std::list<std::pair<CacheKey, std::shared_ptr<CheckpointIndex>>> lru_;
  std::unordered_map<CacheKey, decltype(lru_)::iterator, CacheKeyHash> map_;
};

}  // namespace layerfs
