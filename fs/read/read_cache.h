// ReadCache: a byte-bounded LRU of decompressed entry data, shared by every
// open file of a mount.
//
// Keys name bytes, not files: the archive source's identity (for a local
// file its device, inode, size and mtime), the entry's local header and a
// block number. So names that
// share one local entry (a zip-bomb-like archive), or a layer opened twice,
// share one cached copy, and a layer replaced on disk never hits stale data.
//
// Internally locked by mu_. GetOrLoad() runs a loader at most once per key
// at a time: concurrent misses of one key wait for the first loader
// instead of decompressing the same bytes again. Loaders run unlocked.
// Values are shared_ptr<const>, so a reader keeps its block alive while it
// copies out of it even if the cache evicts it meanwhile.
#pragma once

#include <cstdint>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "fs/base/byte_buffer.h"
#include "fs/base/status.h"
#include "fs/source/byte_source.h"

namespace layerfs {

struct CacheKey {
  SourceIdentity source;  // the archive's bytes (fs/source/byte_source.h)
  uint64_t local_header_offset = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t block = 0;  // block number within the entry; kind-specific

  bool operator==(const CacheKey&) const = default;
};

struct CacheKeyHash {
  size_t operator()(const CacheKey& k) const;
};

using CachedBytes = std::shared_ptr<const ByteBuffer>;

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  uint64_t bytes_held = 0;
  uint64_t capacity = 0;
  uint64_t bytes_loaded = 0;  // bytes produced by loaders (decompressed)
};

class ReadCache {
 public:
  explicit ReadCache(uint64_t capacity_bytes);

  // The cached bytes for `key`, or what `load` produces (then cached when
  // they fit). Loader failures are returned and not cached.
  Result<CachedBytes> GetOrLoad(const CacheKey& key,
                                const std::function<Result<CachedBytes>()>& load);
  // Adds bytes produced as a by-product of another load (e.g. the blocks
  // a sequential inflate passes through); no-op if present.
  void Insert(const CacheKey& key, CachedBytes value);
  CachedBytes Find(const CacheKey& key);

  CacheStats stats() const;
  uint64_t capacity() const { return capacity_; }

 private:
  struct Item {
    CacheKey key;
    CachedBytes value;
  };
  using Lru = std::list<Item>;  // front = most recently used

  void InsertLocked(const CacheKey& key, CachedBytes value);

  const uint64_t capacity_;

  mutable std::mutex mu_;  // guards everything below
  Lru lru_;
  std::unordered_map<CacheKey, Lru::iterator, CacheKeyHash> map_;
  std::unordered_map<CacheKey, std::shared_future<Result<CachedBytes>>, CacheKeyHash>
      in_flight_;
  CacheStats stats_;
};

}  // namespace layerfs
