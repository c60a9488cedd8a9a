#include "mount/page_push.h"

#include <fuse_lowlevel.h>
#include <spdlog/spdlog.h>

#include <cstring>

#include "fs/read/package_libraries.h"
#include "fs/source/open_source.h"

namespace layerfs {

namespace {

// Remote layers are read only when asked: a push would download them.
bool IsLocal(const UnionNode& node) {
  return !IsRemoteSource(node.view().SourceLayer(node).path());
}

}  // namespace

PagePusher::PagePusher(MountState& state, fuse_session* session,
                       SiblingPrefetch::Options options, uint64_t library_limit)
    : state_(state),
      session_(session),
      library_limit_(library_limit),
      plan_(options, IsLocal),
      queue_([this](Job& job) { (void)PushOne(job); }, kMaxQueued) {}

void PagePusher::AfterFirstRead(const std::shared_ptr<const UnionView>& view,
                                const UnionNode& file) {
  if (&file.view() != view.get()) return;  // an older stack: not worth warming
  std::vector<Job> jobs;
  if (IsLoadableName(file.name()) && plan_.Claim(file, library_limit_)) {
    jobs.push_back({view, &file});
  }
  for (const UnionNode* node : plan_.Plan(file)) jobs.push_back({view, node});
  queue_.Push(std::move(jobs));
}

bool PagePusher::PushOpened(const std::shared_ptr<const UnionView>& view,
                            const UnionNode& file) {
  if (&file.view() != view.get() || !plan_.Claim(file, plan_.options().max_file_size)) {
    return false;
  }
  return PushOne({view, &file});
}

bool PagePusher::PushOne(const Job& job) {
  const UnionNode& node = *job.node;
  MountCounters& counters = state_.counters;
  bool made = false;
  Result<std::shared_ptr<FileReader>> reader =
      state_.readers.Get(*job.view, node, state_.resources, &made);
  if (made) counters.opens.fetch_add(1, std::memory_order_relaxed);
  if (!reader.ok()) {
    // Not an error of anyone's read: the reader that asks will see it.
    counters.push_failures.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  Result<FileReader::Slice> got = (*reader)->ReadSlice(0, size_t(node.size()));
  if (!got.ok() || got->bytes.size() != node.size()) {
    counters.push_failures.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  fuse_bufvec data = FUSE_BUFVEC_INIT(got->bytes.size());
  data.buf[0].mem = const_cast<char*>(got->bytes.data());
  fuse_ino_t ino = reinterpret_cast<fuse_ino_t>(&node);
  int rc = fuse_lowlevel_notify_store(session_, ino, 0, &data, fuse_buf_copy_flags(0));
  if (rc != 0) {
    counters.push_failures.fetch_add(1, std::memory_order_relaxed);
    spdlog::debug("push: {}: kernel refused: {}", job.view->PathOf(node), std::strerror(-rc));
    return false;
  }
  counters.files_pushed.fetch_add(1, std::memory_order_relaxed);
  counters.bytes_pushed.fetch_add(node.size(), std::memory_order_relaxed);
  return true;
}

}  // namespace layerfs
