#include "fs/read/checkpoint_store.h"

#include <algorithm>

namespace layerfs {

uint64_t CheckpointStore::SpacingFor(uint64_t uncompressed_size) const {
  constexpr uint64_t kMinSpacing = 256 << 10;
  constexpr uint64_t kCheckpointBytes = (32 << 10) + sizeof(InflateCheckpoint);
  uint64_t max_checkpoints = std::max<uint64_t>(1, budget_ / kCheckpointBytes);
  return std::max(kMinSpacing, uncompressed_size / max_checkpoints + 1);
}

std::shared_ptr<CheckpointIndex> CheckpointStore::IndexFor(const CacheKey& key,
                                                           uint64_t uncompressed_size) {
  CacheKey entry = key;
  entry.block = 0;
  std::lock_guard lock(mu_);
  if (auto it = map_.find(entry); it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    TrimLocked();
    return it->second->second;
  }
  auto index = std::make_shared<CheckpointIndex>(SpacingFor(uncompressed_size));
  lru_.emplace_front(entry, index);
  map_.emplace(entry, lru_.begin());
  TrimLocked();
  return index;
}

void CheckpointStore::TrimLocked() {
  // Sizes change as streams record checkpoints, so they are re-added on
  // each call; the store holds few indexes (one per large open entry).
  uint64_t total = 0;
  for (const auto& [key, index] : lru_) total += index->bytes();
  while (total > budget_ && lru_.size() > 1) {
    total -= lru_.back().second->bytes();
    map_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

}  // namespace layerfs
