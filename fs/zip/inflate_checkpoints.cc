#include "fs/zip/inflate_checkpoints.h"

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

}  // namespace layerfs
