// MountState: what a mounted layerfs serves, reached by every FUSE handler
// through the session's userdata (never through a global).
//
// Ownership: the daemon creates it before the session and destroys it
// after the session is gone. The view is immutable; the cache is
// internally locked; the counters are atomics. So handlers on any worker
// thread use it without further locking.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "fs/file_reader.h"
#include "fs/read_cache.h"
#include "fs/union_view.h"

namespace layerfs {

struct MountCounters {
  std::atomic<uint64_t> lookups{0};
  std::atomic<uint64_t> negative_lookups{0};
  std::atomic<uint64_t> opens{0};
  std::atomic<uint64_t> reads{0};
  std::atomic<uint64_t> bytes_served{0};
  std::atomic<uint64_t> read_errors{0};
};

struct MountState {
  MountState(std::unique_ptr<UnionView> v, uint64_t cache_size, uid_t u, gid_t g)
      : view(std::move(v)), resources(cache_size), uid(u), gid(g) {}

  const std::unique_ptr<UnionView> view;
  ReadResources resources;
  const uid_t uid;
  const gid_t gid;
  MountCounters counters;
};

}  // namespace layerfs
