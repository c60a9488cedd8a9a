// PagePusher: hands the bytes of files no one has asked for yet to the
// kernel's page cache (FUSE notify_store), from one background thread (or,
// for PushOpened, the calling one), so that when a process reads them the
// kernel answers with no request to us.
//
// Which files: the siblings fs/read/sibling_prefetch.h plans after each
// first read; a shared library or Node addon whole at its first read (a
// loader maps it and touches it all over: each page it faults in would
// otherwise be a READ while it waits), up to `library_limit` (larger
// ones are the spill's); and a file a process asks isatty() of, at once
// (PushOpened). Each is read whole through the mount's reader pool (so it
// lands in the read cache too, and a READ racing the push shares the
// decompression) and stored at offset 0 with its exact size, so the kernel
// never changes the file's size. A store the kernel refuses (the inode is
// not in its cache, or it is being unmounted) is only counted.
//
// Ownership and threads: the daemon owns the pusher; it is created after
// the FUSE session and destroyed before it (its WorkQueue stops and joins
// the thread). Handlers call AfterFirstRead(), PushOpened() and Listed()
// from any worker, so pushes run on the queue's thread and on workers at
// once: they share only the reader pool and counters (each thread-safe)
// and libfuse's notify_store (safe from any thread); SiblingPrefetch and
// WorkQueue lock what they keep. Jobs pin their view,
// so nodes stay valid while queued; a file of a view that is no longer
// current is not planned.
#pragma once

#include <cstdint>
#include <memory>

#include "fs/base/work_queue.h"
#include "fs/read/sibling_prefetch.h"
#include "mount/mount_state.h"

struct fuse_session;

namespace layerfs {

class PagePusher {
 public:
  PagePusher(MountState& state, fuse_session* session, SiblingPrefetch::Options options,
             uint64_t library_limit);
  PagePusher(const PagePusher&) = delete;
  PagePusher& operator=(const PagePusher&) = delete;

  // `file` was just read for the first time; `view` is the current stack.
  // Queues the pushes of the files after it (SiblingPrefetch).
  void AfterFirstRead(const std::shared_ptr<const UnionView>& view, const UnionNode& file);
  // `file`, of the current stack `view`, is open and about to be read (a
  // process asked isatty() of it): pushes it now, on the calling thread,
  // unless it was pushed or read before. True if the kernel took it.
  bool PushOpened(const std::shared_ptr<const UnionView>& view, const UnionNode& file);
  // The kernel was handed `dir`'s entries and their attributes.
  void Listed(const UnionNode& dir) { plan_.Listed(dir); }

 private:
  struct Job {
    std::shared_ptr<const UnionView> view;  // pins node
    const UnionNode* node;
  };
  // Jobs beyond this are dropped oldest first: a reader that got ahead of
  // the pushes reads those files itself. (A grown window plans up to 256.)
  static constexpr size_t kMaxQueued = 1024;

  bool PushOne(const Job& job);

  MountState& state_;
  fuse_session* const session_;
  const uint64_t library_limit_;
  SiblingPrefetch plan_;
  WorkQueue<Job> queue_;  // last: its thread stops before the rest goes
};

}  // namespace layerfs
