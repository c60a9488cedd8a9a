#include "fs/source/block_budget.h"

namespace layerfs {

uint64_t BlockBudget::NewOwner() {
  std::lock_guard lock(mu_);
  return next_owner_++;
}

BlockBudget::Block BlockBudget::Find(uint64_t owner, uint64_t index) {
  std::lock_guard lock(mu_);
  auto it = blocks_.find({owner, index});
  if (it == blocks_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.block;
}

bool BlockBudget::Contains(uint64_t owner, uint64_t index) const {
  std::lock_guard lock(mu_);
  return blocks_.count({owner, index}) != 0;
}

void BlockBudget::Insert(uint64_t owner, uint64_t index, Block block, uint64_t reserved) {
  std::lock_guard lock(mu_);
  reserved_ -= std::min(reserved_, reserved);
  const Key key{owner, index};
  if (block == nullptr || blocks_.count(key) != 0) return;
  held_ += block->size();
  lru_.push_front(key);
  blocks_.emplace(key, Entry{std::move(block), lru_.begin()});
  EvictToFit();
}

void BlockBudget::Reserve(uint64_t bytes) {
  std::lock_guard lock(mu_);
  reserved_ += bytes;
  EvictToFit();
}

void BlockBudget::Release(uint64_t bytes) {
  std::lock_guard lock(mu_);
  reserved_ -= std::min(reserved_, bytes);
}

void BlockBudget::EvictToFit() {
  while (held_ + reserved_ > capacity_ && !lru_.empty()) {
    auto victim = blocks_.find(lru_.back());
    held_ -= victim->second.block->size();
    blocks_.erase(victim);
    lru_.pop_back();
    ++evictions_;
  }
}

void BlockBudget::Forget(uint64_t owner) {
  std::lock_guard lock(mu_);
  auto it = blocks_.lower_bound({owner, 0});
  while (it != blocks_.end() && it->first.first == owner) {
    held_ -= it->second.block->size();
    lru_.erase(it->second.lru);
    it = blocks_.erase(it);
  }
}

uint64_t BlockBudget::bytes_held() const {
  std::lock_guard lock(mu_);
  return held_;
}

uint64_t BlockBudget::evictions() const {
  std::lock_guard lock(mu_);
  return evictions_;
}

}  // namespace layerfs
