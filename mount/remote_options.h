// RemoteContext: what a mount's remote (URL) layers share for the daemon's
// whole life, and the options each layer is opened with. Made by the
// command line for the first stack and handed to the daemon, which opens
// every later stack (`layerfs remount`, SIGHUP) with it.
//
// Shared, made on the first stack that has a remote layer and kept:
//  - the on-disk cache (fs/source/cache_dir.h) as `layerfs mount` asked
//    for it. A cache directory that cannot be used (not a directory, owned
//    by another user, writable by others, not writable) is logged as a
//    warning and the layers are mounted without it: the cache only saves
//    downloads;
//  - one BlockBudget (fs/source/block_budget.h) for the in-memory blocks of
//    every remote layer of every stack, so the daemon's peak stays within
//    its read cache (--cache-size) plus a fixed amount however many remote
//    layers it mounts and however often it remounts (issue 11: cache +
//    32 MiB); the blocks of a retired stack are evicted, least recently
//    used first, like any others, and dropped when its sources close:
//      - without the disk cache the blocks in memory are the only copy:
//        kRemoteMemory, room for two full read-aheads (8 MiB each) with
//        the blocks being fetched counted in it, so a sequential
//        reader's read-ahead survives a second reader;
//      - with it, the block files are in the kernel's page cache (not the
//        daemon's memory), so memory only spares a sequential reader
//        re-reading and re-checking the blocks its next few reads fall
//        in: kRemoteMemoryWithDiskCache, a few readers' read-aheads.
// Per layer: a layer version known by its ARN and read remotely renews its
// expired URL through GetLayerVersion and is checked against its
// CodeSha256 and CodeSize (fs/lambda/layer_refresh.h).
//
// Thread-safety: internally locked (mu_); the command line uses it before
// the daemon forks, then only the daemon's control thread does.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fs/lambda/stack_resolver.h"
#include "fs/source/http_source.h"
#include "mount/mount_options.h"

namespace layerfs {

constexpr uint64_t kRemoteMemory = 16ull << 20;
constexpr uint64_t kRemoteMemoryWithDiskCache = 4ull << 20;

class RemoteContext {
 public:
  explicit RemoteContext(const MountOptions& options);
  RemoteContext(const RemoteContext&) = delete;
  RemoteContext& operator=(const RemoteContext&) = delete;

  // The options of each layer of `stack` (`stack.zips[i]`), in order.
  // `store_dir` is where its ARNs were resolved ("": the default store):
  // a renewed URL of a store version is recorded there.
  std::vector<RemoteOptions> ForStack(const ResolvedStack& stack, const std::string& store_dir);

  // The options shared by every layer of `locations`; the cache and the
  // budget are made on the first call with a remote location.
  RemoteOptions Base(const std::vector<std::string>& locations);

  // The budget; null while no remote layer was opened.
  std::shared_ptr<BlockBudget> memory() const;

 private:
  // Constant after construction.
  const RemoteOptions plain_;  // timeout, AWS settings, log
  const std::string cache_dir_;
  const uint64_t cache_dir_size_;

  mutable std::mutex mu_;
  bool shared_made_ = false;              // guarded by mu_
  std::shared_ptr<BlockBudget> memory_;   // guarded by mu_
  std::shared_ptr<CacheDir> cache_;       // guarded by mu_
};

}  // namespace layerfs
