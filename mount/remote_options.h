// RemoteOptions for a mount: what `layerfs mount` asked for remote (URL)
// layers, with the shared on-disk cache opened (fs/source/cache_dir.h).
// Used by the command line (the first stack) and the daemon (remounts).
//
// A cache directory that cannot be used (not a directory, owned by another
// user, writable by others, not writable) is logged as a warning and the
// layers are mounted without it: the cache only saves downloads.
//
// Memory: every remote layer of the stack keeps its in-memory blocks in
// one BlockBudget (fs/source/block_budget.h) made here, so the daemon's
// peak stays within its read cache (--cache-size) plus a fixed amount
// however many remote layers it mounts (issue 11: cache + 32 MiB):
//  - without the disk cache the blocks in memory are the only copy:
//    kRemoteMemory, two full read-aheads (8 MiB), so a sequential reader's
//    read-ahead survives a second reader;
//  - with it, the block files are in the kernel's page cache (not the
//    daemon's memory), so memory only spares a sequential reader re-reading
//    and re-checking the 1 MiB block its next few reads fall in:
//    kRemoteMemoryWithDiskCache, a block for each of a few readers.
// A remount makes a new budget for the new stack; the retired stack's
// blocks go with it.
//
// Stateless; callable from any thread.
#pragma once

#include <string>
#include <vector>

#include "fs/source/http_source.h"
#include "mount/mount_options.h"

namespace layerfs {

constexpr uint64_t kRemoteMemory = 16ull << 20;
constexpr uint64_t kRemoteMemoryWithDiskCache = 4ull << 20;

// The cache is opened only when `layers` has a remote one.
RemoteOptions MakeRemoteOptions(const MountOptions& options,
                                const std::vector<std::string>& layers);

}  // namespace layerfs
