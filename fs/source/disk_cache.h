// DiskCachedSource: a ByteSource decorator that keeps a remote layer's
// bytes in the shared on-disk cache (fs/source/cache_dir.h), so a block
// is downloaded once per host, whichever daemon reads it first, and a
// layer whose blocks are all present mounts again without the network.
//
// The layer is cut into blocks of [i*block, (i+1)*block) below
// tail_offset, plus the tail (the end record and central directory,
// which the remote source fetched at open anyway). A read takes its
// blocks from memory (verified blocks kept in the daemon's shared
// BlockBudget, RemoteOptions::memory), else from the
// block files, else from the remote source in one read per contiguous run
// of misses, then writes them to the cache. What is loaded with a read
// follows fs/source/read_ahead.h (the rest of a zip entry's first window,
// doubling up to RemoteOptions::max_read_ahead for a sequential reader,
// never past the entry); the remote source's own read-ahead is turned
// off, so what is read ahead is cached and shared too. Missing blocks are claimed first (fs/source/block_claims.h): a
// second thread of this process wanting a claimed block waits for it,
// and another daemon waits on the block's byte-range lock and
// then reads the file the first one wrote.
//
// Offline: a layer whose cache entry is complete (all blocks and the tail
// present and verified, against the expected SHA-256 when one was given)
// is opened from the cache alone: with an expected SHA-256 always (the
// bytes cannot be stale), without one only when the server cannot be
// reached (the cache remembers the URL's last ETag and size). The remote
// source is then opened only if a cached block proves damaged.
//
// Thread-safety: name, size, mtime and identity are constant after Open;
// the present-block map, the completion state and the read-ahead state
// are guarded by mu_; the blocks in memory and their claims are locked
// inside claims_ (which calls back under its lock into the present-block
// map: claims_ before mu_); the lazily opened remote source by
// remote_mu_.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fs/source/block_claims.h"
#include "fs/source/byte_source.h"
#include "fs/source/cache_dir.h"
#include "fs/source/http_source.h"
#include "fs/source/read_ahead.h"

namespace layerfs {

// Opens the remote object at a URL (without any #sha256= fragment).
using RemoteOpener = std::function<Result<std::unique_ptr<ByteSource>>(const std::string& url)>;

// The hex SHA-256 of `text`, given as 64 hex digits or as Lambda's
// CodeSha256 (44 characters of base64); nullopt when it is neither.
std::optional<std::string> Sha256Hex(const std::string& text);

// Splits "URL#sha256=DIGEST" into the URL and the digest ("" when absent).
std::pair<std::string, std::string> SplitSha256Fragment(const std::string& arg);

// Opens the remote layer `arg` through `open_remote`, cached in
// `remote.cache` when set. The expected SHA-256 comes from
// remote.expected_sha256 or a "#sha256=" fragment of `arg`; a malformed
// one is kInvalidArgument naming the URL.
Result<std::unique_ptr<ByteSource>> OpenCachedRemote(const std::string& arg,
                                                     const RemoteOptions& remote,
                                                     const RemoteOpener& open_remote);

class DiskCachedSource final : public ByteSource {
 public:
  ~DiskCachedSource() override;

  const std::string& name() const override { return name_; }
  uint64_t size() const override { return meta_.size; }
  int64_t mtime() const override { return meta_.mtime; }
  SourceIdentity identity() const override { return identity_; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override;
  Result<size_t> ReadInExtent(uint64_t offset, std::span<char> out,
                              uint64_t extent_end) const override;

  // True when opened from the cache alone (no request at open).
  bool offline() const { return offline_; }

  // Internal: use OpenCachedRemote. `remote` is null when offline.
  static Result<std::unique_ptr<DiskCachedSource>> Create(
      std::string url, std::unique_ptr<CacheLayer> layer, LayerMeta meta,
      SourceIdentity identity, std::unique_ptr<ByteSource> remote,
      std::function<Result<std::unique_ptr<ByteSource>>()> reopen,
      const RemoteOptions& options);

 private:
  using Block = std::shared_ptr<const std::string>;

  DiskCachedSource(std::string url, std::unique_ptr<CacheLayer> layer, LayerMeta meta,
                   SourceIdentity identity, std::unique_ptr<ByteSource> remote,
                   std::function<Result<std::unique_ptr<ByteSource>>()> reopen,
                   const RemoteOptions& options);

  uint64_t block_count() const;
  uint64_t BlockLength(uint64_t index) const;
  Status LoadTail();
  Status ReadBlocks(uint64_t offset, std::span<char> out, uint64_t extent_end) const;
  // Loads the claimed blocks (ascending) into `have` (indexed from
  // `first`) and memory.
  Status Load(const std::vector<uint64_t>& claimed, uint64_t first, std::vector<Block>& have,
              std::chrono::steady_clock::time_point deadline) const;
  Status LoadRun(uint64_t from, uint64_t to, uint64_t first, std::vector<Block>& have,
                 std::chrono::steady_clock::time_point deadline) const;
  Result<const ByteSource*> Remote() const;
  void MarkPresent(uint64_t index) const;               // mu_ held
  // Marks the entry complete once every block and the tail verify.
  void CompleteIfWhole() const;

  // Constant after Create().
  const std::string name_;
  const std::unique_ptr<CacheLayer> layer_;
  const LayerMeta meta_;
  const SourceIdentity identity_;
  const RemoteOptions options_;
  const bool offline_;
  std::string tail_;  // verified bytes [tail_offset, size)

  mutable std::mutex remote_mu_;
  mutable std::unique_ptr<ByteSource> remote_;  // guarded by remote_mu_
  const std::function<Result<std::unique_ptr<ByteSource>>()> reopen_;

  // The blocks in memory and those being loaded; internally locked.
  const std::unique_ptr<BlockClaims> claims_;

  mutable std::mutex mu_;
  // Guarded by mu_.
  mutable std::vector<bool> present_;  // known to be in the cache
  mutable uint64_t present_count_ = 0;
  mutable bool complete_ = false;
  mutable bool completing_ = false;
  mutable ReadAhead read_ahead_;
};

}  // namespace layerfs
