#include "fs/inflate_checkpoints.h"

#include <algorithm>

namespace layerfs {

std::optional<InflateCheckpoint> CheckpointIndex::Before(uint64_t out_offset) const {
  std::lock_guard lock(mu_);
  auto it = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), out_offset,
                             [](uint64_t off, const InflateCheckpoint& c) { return off < c.out_offset; });
  if (it == checkpoints_.begin()) return std::nullopt;
  return *std::prev(it);
}

bool CheckpointIndex::Wants(uint64_t out_offset) const {
  std::lock_guard lock(mu_);
  uint64_t last = checkpoints_.empty() ? 0 : checkpoints_.back().out_offset;
  return out_offset >= last + spacing_;
}

void CheckpointIndex::Add(InflateCheckpoint checkpoint) {
  std::lock_guard lock(mu_);
  uint64_t last = checkpoints_.empty() ? 0 : checkpoints_.back().out_offset;
  // Only extend the frontier: two streams passing the same region record
  // it once.
  if (checkpoint.out_offset < last + spacing_) return;
  checkpoints_.push_back(std::move(checkpoint));
}

uint64_t CheckpointIndex::bytes() const {
  std::lock_guard lock(mu_);
  uint64_t total = 0;
  for (const InflateCheckpoint& c : checkpoints_) total += c.window.size() + sizeof c;
  return total;
}

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
