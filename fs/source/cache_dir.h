// CacheDir and CacheLayer: the on-disk cache of remote layers' bytes, a
// directory shared by every layerfs daemon of one user on one host.
//
//   DIR/layers/KEY/meta     what the layer is (LayerMeta), touched on use:
//                           its mtime is the layer's last use, for LRU
//   DIR/layers/KEY/lock     in use: each daemon holds a shared flock on it
//                           while the layer is mounted; eviction takes it
//                           exclusively (LOCK_NB) and skips busy layers. Also
//                           carries OFD byte-range locks, byte i = block i,
//                           so one block is downloaded by one daemon while
//                           the others wait and then read its file
//   DIR/layers/KEY/bN, tail the blocks and the tail (end record and central
//                           directory), each written to a temp file and
//                           renamed, with a trailer (magic, CRC-32, length)
//                           so a truncated or altered file reads as missing
//   DIR/urls/HASH           the key last seen for a URL (query stripped),
//                           for an offline remount of a URL-only layer
//   DIR/trash/              layers being deleted by an eviction
//
// KEY is "s" + the hex SHA-256 of the zip when known (content-addressed),
// else "u" + the hex of the remote source's identity (URL, ETag, size).
// Nothing scans the whole cache at mount: a layer is found by its key;
// only an eviction pass (run when this process's writes pass the bound)
// lists the layer directories.
//
// Thread-safety: CacheDir is internally locked (mu_ guards the usage
// estimate); CacheLayer is immutable after OpenLayer() and its methods may
// be called from any thread (callers keep block ranges they lock disjoint
// within one CacheLayer: OFD locks of one descriptor do not exclude each
// other). Both are shared across processes through the file system only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "fs/base/status.h"
#include "fs/base/unique_fd.h"

namespace layerfs {

// What a cached layer is; its `meta` file.
struct LayerMeta {
  std::string url;  // without query: names it in messages
  uint64_t size = 0;
  int64_t mtime = 0;
  uint64_t block_size = 0;
  uint64_t tail_offset = 0;  // blocks cover [0, tail_offset), `tail` the rest
  std::string sha256;        // hex, empty when unknown
  bool complete = false;     // every block and the tail present and verified

  bool SameObject(const LayerMeta& o) const {
    return size == o.size && block_size == o.block_size && tail_offset == o.tail_offset &&
           sha256 == o.sha256;
  }
};

class CacheLayer;

class CacheDir : public std::enable_shared_from_this<CacheDir> {
 public:
  // The default directory: /var/cache/layerfs for root, else
  // $XDG_CACHE_HOME/layerfs or ~/.cache/layerfs.
  static std::string DefaultPath();

  // Opens (creating it, mode 0700) the cache directory at `path`. Fails
  // naming it when it is not a directory, not owned by this user, writable
  // by group or others, or not writable.
  static Result<std::shared_ptr<CacheDir>> Open(const std::string& path, uint64_t max_bytes);

  const std::string& path() const { return path_; }
  uint64_t max_bytes() const { return max_bytes_; }

  // The layer directory for `key` (created if missing), marked in use
  // until the CacheLayer dies. `key` must be [a-z0-9]+.
  Result<std::unique_ptr<CacheLayer>> OpenLayer(const std::string& key);

  // The URL index: the key last opened online for `url` (query stripped).
  std::optional<std::string> LayerForUrl(const std::string& url) const;
  void RememberUrl(const std::string& url, const std::string& key) const;

  // True when `bytes` more may be written now, counting them as used:
  // the file system keeps its reserve free and the cache stays within
  // max_bytes (evicting unused layers, oldest use first, when it would
  // not). False means "do not cache this", never an error.
  bool Reserve(uint64_t bytes);

  // One eviction pass: measures the layers and, when they exceed
  // max_bytes, deletes unused ones (oldest first) down to 90% of it.
  // Returns the bytes in use after it.
  uint64_t Evict();

 private:
  CacheDir(std::string path, uint64_t max_bytes) : path_(std::move(path)), max_bytes_(max_bytes) {}
  uint64_t EvictLocked();  // mu_ held

  const std::string path_;
  const uint64_t max_bytes_;

  std::mutex mu_;
  // Guarded by mu_: bytes in use as last measured plus what this process
  // wrote since; when the last pass ran.
  uint64_t usage_ = 0;
  bool measured_ = false;
  std::chrono::steady_clock::time_point last_pass_{};
};

class CacheLayer {
 public:
  ~CacheLayer();  // touches meta (last use) and drops the in-use lock
  CacheLayer(const CacheLayer&) = delete;
  CacheLayer& operator=(const CacheLayer&) = delete;

  const std::string& key() const { return key_; }

  std::optional<LayerMeta> ReadMeta() const;
  Status WriteMeta(const LayerMeta& meta) const;
  void Touch() const;

  // The verified bytes of a block file ("b<index>" or "tail") of exactly
  // `length` bytes, or nullopt when missing, truncated or altered.
  std::optional<std::string> ReadBlock(const std::string& name, uint64_t length) const;
  // Whether a block file of the right size exists (no checksum read).
  bool HasBlock(const std::string& name, uint64_t length) const;
  // Writes a block file atomically if the cache has room; false if not
  // written (no room, or the write failed: the cache is best effort).
  bool WriteBlock(const std::string& name, std::string_view data) const;

  // Takes the cross-process lock on blocks [from, to), waiting until
  // `deadline`; false if it could not (the caller fetches unlocked).
  bool LockBlocks(uint64_t from, uint64_t to, std::chrono::steady_clock::time_point deadline) const;
  void UnlockBlocks(uint64_t from, uint64_t to) const;

 private:
  friend class CacheDir;
  uint32_t Checksum(const std::string& name, std::string_view data) const;
  CacheLayer(std::shared_ptr<CacheDir> dir, std::string key, std::string path, UniqueFd lock)
      : dir_(std::move(dir)), key_(std::move(key)), path_(std::move(path)), lock_(std::move(lock)) {}

  const std::shared_ptr<CacheDir> dir_;
  const std::string key_;
  const std::string path_;  // DIR/layers/KEY
  const UniqueFd lock_;     // holds the shared flock and the block locks
};

}  // namespace layerfs
