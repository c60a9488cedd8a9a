// PagePusher: hands the bytes of files no one has asked for yet to the
// kernel's page cache (FUSE notify_store), from one background thread, so
// that when a process reads them the kernel answers with no request to us.
//
// Which files: the siblings fs/read/sibling_prefetch.h plans after each
// first read. Each is read whole through the mount's reader pool (so it
// lands in the read cache too, and a READ racing the push shares the
// decompression) and stored at offset 0 with its exact size, so the kernel
// never changes the file's size. A store the kernel refuses (the inode is
// not in its cache, or it is being unmounted) is only counted.
//
// Ownership and threads: the daemon owns the pusher; it is created after
// the FUSE session and destroyed before it (the destructor stops and joins
// the thread). Handlers call Plan() from any worker. mu_ guards queue_ and
// stop_. Jobs pin their view, so nodes stay valid while queued; a job for
// a view that is no longer current is dropped.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "fs/read/sibling_prefetch.h"
#include "mount/mount_state.h"

struct fuse_session;

namespace layerfs {

class PagePusher {
 public:
  PagePusher(MountState& state, fuse_session* session, SiblingPrefetch::Options options);
  ~PagePusher();
  PagePusher(const PagePusher&) = delete;
  PagePusher& operator=(const PagePusher&) = delete;

  // `file` was just read for the first time: queue the pushes of the files
  // after it (SiblingPrefetch).
  void AfterFirstRead(const UnionNode& file);
  // The kernel was handed `dir`'s entries and their attributes.
  void Listed(const UnionNode& dir) { plan_.Listed(dir); }

 private:
  struct Job {
    std::shared_ptr<const UnionView> view;  // pins node
    const UnionNode* node;
  };
  // Jobs beyond this are dropped oldest first: a reader that got ahead of
  // the pushes reads those files itself.
  static constexpr size_t kMaxQueued = 256;

  void Run();
  void PushOne(const Job& job);

  MountState& state_;
  fuse_session* const session_;
  SiblingPrefetch plan_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> queue_;  // guarded by mu_
  bool stop_ = false;      // guarded by mu_
  std::thread thread_;     // last: starts once the rest is ready
};

}  // namespace layerfs
