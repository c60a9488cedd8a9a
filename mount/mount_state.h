// MountState: what a mounted layerfs serves, reached by every FUSE handler
// through the session's userdata (never through a global).
//
// Ownership: the daemon creates it before the session and destroys it
// after the session is gone. Views are immutable and shared: the current
// one in view_ (view_mu_), replaced ones in retired_
// (retired_mu_) until the kernel forgets their nodes. The cache and the
// reader pool are internally locked; the counters are atomics. So
// handlers on any worker thread use it without further locking.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "fs/read/file_reader.h"
#include "fs/read/read_cache.h"
#include "fs/read/reader_pool.h"
#include "fs/base/status.h"
#include "fs/union/union_view.h"
#include "mount/access_log.h"

namespace layerfs {

class PagePusher;
class PackageLibraries;
class BytecodeWarm;

struct MountCounters {
  std::atomic<uint64_t> lookups{0};
  std::atomic<uint64_t> negative_lookups{0};
  // Files the daemon opened for reading (readers made; the kernel opens
  // files without telling us, see MountState::zero_message_open).
  std::atomic<uint64_t> opens{0};
  std::atomic<uint64_t> reads{0};
  std::atomic<uint64_t> bytes_served{0};
  std::atomic<uint64_t> read_errors{0};
  // Files handed to the kernel's page cache before anyone read them
  // (mount/page_push.h), their bytes, and pushes that did not happen.
  std::atomic<uint64_t> files_pushed{0};
  std::atomic<uint64_t> bytes_pushed{0};
  std::atomic<uint64_t> push_failures{0};
  // Failed requests by kind, indexed by ErrorCode (see CountError).
  std::array<std::atomic<uint64_t>, kErrorCodeCount> errors{};

  void CountError(ErrorCode code) {
    size_t kind = size_t(code);
    if (kind < errors.size()) errors[kind].fetch_add(1, std::memory_order_relaxed);
  }
};

struct MountState {
  MountState(std::unique_ptr<UnionView> v, uint64_t cache_size, uid_t u, gid_t g,
             SpillOptions spill = {})
      : view_(std::shared_ptr<const UnionView>(std::move(v))),
        resources(cache_size, std::move(spill)),
        uid(u),
        gid(g) {}

  // The stack served now, kept alive by the returned pointer for as long
  // as the caller holds it (a remount may retire it meanwhile).
  std::shared_ptr<const UnionView> Current() const {
    std::lock_guard lock(view_mu_);
    return view_;
  }

  // Makes `next` the stack new lookups see; returns the one it replaces,
  // which is retired: kept while the kernel holds lookup references to its
  // nodes (open files, cwds, cached dentries), freed by ReleaseRetired()
  // once none are left.
  std::shared_ptr<const UnionView> Swap(std::shared_ptr<const UnionView> next) {
    std::shared_ptr<const UnionView> old;
    {
      std::lock_guard lock(view_mu_);
      old = std::exchange(view_, std::move(next));
    }
    std::lock_guard lock(retired_mu_);
    retired_.push_back(old);
    return old;
  }

  // Frees the retired stacks nothing can reach any more: no kernel lookup
  // reference to any of their nodes (UnionView::holds) and no pointer but
  // the retired list's. A retired stack gains neither once both are gone:
  // new requests reach only the current stack or nodes the kernel holds.
  // Called when a forget drops a stack's holds to zero and after a swap.
  void ReleaseRetired() {
    std::vector<std::shared_ptr<const UnionView>> unreachable;
    {
      std::lock_guard lock(retired_mu_);
      for (auto it = retired_.begin(); it != retired_.end();) {
        if ((*it)->holds() == 0 && it->use_count() == 1) {
          unreachable.push_back(std::move(*it));
          it = retired_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (const auto& view : unreachable) readers.DropView(*view);
  }

  size_t retired_count() const {
    std::lock_guard lock(retired_mu_);
    return retired_.size();
  }

 private:
  // A plain mutex, not std::atomic<shared_ptr>: libstdc++ 12 implements
  // that with a lock bit ThreadSanitizer cannot see, so every remount under
  // traffic read as a race. Held only to copy or swap one pointer (a leaf,
  // taken before retired_mu_, never with it).
  mutable std::mutex view_mu_;
  std::shared_ptr<const UnionView> view_;  // guarded by view_mu_
  mutable std::mutex retired_mu_;  // guards retired_
  std::vector<std::shared_ptr<const UnionView>> retired_;

 public:
  ReadResources resources;
  const uid_t uid;
  const gid_t gid;
  MountCounters counters;
  // When this mount began serving: wall time for people, steady time for
  // uptime and for the access log's offsets.
  const std::chrono::system_clock::time_point mounted_at = std::chrono::system_clock::now();
  const std::chrono::steady_clock::time_point mounted_steady = std::chrono::steady_clock::now();
  // First opens are logged here with --access-log; null otherwise. Set by
  // the daemon before the session starts, constant while it serves.
  std::unique_ptr<AccessLog> access_log;
  // Path of the remount control socket (root xattr user.layerfs.control);
  // set before the session loop starts, constant after.
  std::string control_socket;
  // Warms the files after each first read (null: --no-prefetch). Owned by
  // the daemon's Serve, set before the session loop starts and kept until
  // it ends.
  PagePusher* pusher = nullptr;
  // Decompresses a package's libraries at its first read (null:
  // --no-prefetch); owned and set like pusher.
  PackageLibraries* package_libraries = nullptr;
  // Decompresses a __pycache__'s compiled modules at the first read of
  // one (null: --no-prefetch); owned and set like pusher.
  BytecodeWarm* bytecode_warm = nullptr;
  // Whether the kernel opens files and directories without asking us
  // (FUSE_CAP_NO_OPEN_SUPPORT / NO_OPENDIR_SUPPORT); set by init, before
  // any open arrives. Opens are still served with --access-log, which must
  // see every open, even of an empty file that is never read.
  std::atomic<bool> zero_message_open{false};
  std::atomic<bool> zero_message_opendir{false};
  // Declared last so it is destroyed first: its readers use resources and
  // the views above. 64 readers: a streamed one holds ~170 KiB.
  ReaderPool readers{64};
};

}  // namespace layerfs
