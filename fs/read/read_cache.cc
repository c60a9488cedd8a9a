#include "fs/read/read_cache.h"

namespace layerfs {

size_t CacheKeyHash::operator()(const CacheKey& k) const {
  // FNV-style mix of the fields; collisions only cost a compare.
  uint64_t h = 1469598103934665603ull;
  const auto& s = k.source.words;
  for (uint64_t v : {s[0], s[1], s[2], s[3], k.local_header_offset, k.compressed_size,
                     k.uncompressed_size, k.block}) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  }
  return size_t(h);
}

ReadCache::ReadCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {
  stats_.capacity = capacity_bytes;
}

CachedBytes ReadCache::Find(const CacheKey& key) {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  ++stats_.hits;
  return it->second->value;
}

Result<CachedBytes> ReadCache::GetOrLoad(const CacheKey& key,
                                         const std::function<Result<CachedBytes>()>& load) {
  std::promise<Result<CachedBytes>> promise;
  {
    std::unique_lock lock(mu_);
    if (auto it = map_.find(key); it != map_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      ++stats_.hits;
      return it->second->value;
    }
    if (auto it = in_flight_.find(key); it != in_flight_.end()) {
      std::shared_future<Result<CachedBytes>> pending = it->second;
      ++stats_.hits;
      lock.unlock();
      return pending.get();
    }
    ++stats_.misses;
    in_flight_.emplace(key, promise.get_future().share());
  }
  Result<CachedBytes> loaded = load();
  {
    std::lock_guard lock(mu_);
    if (loaded.ok()) {
      stats_.bytes_loaded += (*loaded)->size();
      InsertLocked(key, *loaded);
    }
    in_flight_.erase(key);
  }
  promise.set_value(loaded);
  return loaded;
}

void ReadCache::Insert(const CacheKey& key, CachedBytes value) {
  std::lock_guard lock(mu_);
  stats_.bytes_loaded += value->size();
  InsertLocked(key, std::move(value));
}

void ReadCache::InsertLocked(const CacheKey& key, CachedBytes value) {
  uint64_t size = value->size();
  if (size > capacity_ || map_.count(key) != 0) return;
  while (!lru_.empty() && stats_.bytes_held + size > capacity_) {
    Item& victim = lru_.back();
    stats_.bytes_held -= victim.value->size();
    ++stats_.evictions;
    map_.erase(victim.key);
    lru_.pop_back();
  }
  lru_.push_front(Item{key, std::move(value)});
  map_.emplace(key, lru_.begin());
  stats_.bytes_held += size;
}

CacheStats ReadCache::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace layerfs
