// BlockBudget: the one byte-bounded LRU of remote blocks that every remote
// layer of a daemon keeps its in-memory blocks in (HttpSource,
// DiskCachedSource), so the daemon's memory for them is bounded however
// many remote layers it mounts, and a busy layer may use what idle ones
// do not. A daemon makes one for its whole life (RemoteContext,
// mount/remote_options.h), shared by every stack it mounts or remounts, and
// passes it to every source through RemoteOptions::memory.
//
// Each source takes an owner id (NewOwner) and keys its blocks by it and
// the block's index; Forget drops a closed source's blocks. Blocks are
// shared_ptr<const>: a reader keeps the block it copies from alive even if
// the budget evicts it meanwhile, so the budget bounds what is cached, and
// a load in flight reserves its bytes first (Reserve/Release), evicting
// cached blocks to make room, so the blocks being fetched count too; only
// blocks a reader still copies from after their eviction come on top.
//
// Thread-safety: internally locked by mu_, which guards everything below
// it and is a leaf: callers may hold their own mutex while calling in, the
// budget never calls out.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace layerfs {

class BlockBudget {
 public:
  using Block = std::shared_ptr<const std::string>;

  explicit BlockBudget(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}
  BlockBudget(const BlockBudget&) = delete;
  BlockBudget& operator=(const BlockBudget&) = delete;

  // A key space for one source's blocks.
  uint64_t NewOwner();
  // The block, made the most recently used; null when not held.
  Block Find(uint64_t owner, uint64_t index);
  bool Contains(uint64_t owner, uint64_t index) const;
  // Keeps `block` (unless one is already kept under that key), then evicts
  // the least recently used blocks of any owner until the bytes held fit
  // the capacity; a block larger than the capacity is not kept.
  // `reserved`: the bytes its load reserved, given back as it is kept.
  void Insert(uint64_t owner, uint64_t index, Block block, uint64_t reserved = 0);
  // Drops every block of `owner`.
  void Forget(uint64_t owner);
  // Counts `bytes` about to be loaded as held, evicting cached blocks to
  // fit them; Insert or Release gives them back.
  void Reserve(uint64_t bytes);
  void Release(uint64_t bytes);

  uint64_t capacity() const { return capacity_; }
  uint64_t bytes_held() const;
  uint64_t evictions() const;

 private:
  // Evicts least recently used blocks until held and reserved bytes fit
  // the capacity (mu_ held).
  void EvictToFit();

  using Key = std::pair<uint64_t, uint64_t>;  // owner, block index
  struct Entry {
    Block block;
    std::list<Key>::iterator lru;
  };

  const uint64_t capacity_;

  mutable std::mutex mu_;
  uint64_t next_owner_ = 1;     // guarded by mu_
  std::list<Key> lru_;          // guarded by mu_; most recent first
  std::map<Key, Entry> blocks_;  // guarded by mu_; ordered so Forget is one range
  uint64_t held_ = 0;           // guarded by mu_
  uint64_t reserved_ = 0;       // guarded by mu_: loads in flight
  uint64_t evictions_ = 0;      // guarded by mu_
};

}  // namespace layerfs
