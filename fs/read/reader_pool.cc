#include "fs/read/reader_pool.h"

namespace layerfs {

Result<std::shared_ptr<FileReader>> ReaderPool::Get(const UnionView& view,
                                                    const UnionNode& node,
                                                    ReadResources& resources, bool* made) {
  *made = false;
  {
    std::lock_guard lock(mu_);
    if (auto it = map_.find(&node); it != map_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->reader;
    }
  }
  *made = true;
  Result<std::unique_ptr<FileReader>> opened = FileReader::Open(view, node, resources);
  if (!opened.ok()) return opened.status();
  std::shared_ptr<FileReader> reader = std::move(*opened);
  std::shared_ptr<FileReader> dropped;  // freed outside the lock
  std::lock_guard lock(mu_);
  if (auto it = map_.find(&node); it != map_.end()) {
    // Another read made one meanwhile: keep that one, so all share it.
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->reader;
  }
  lru_.push_front({&node, reader});
  map_.emplace(&node, lru_.begin());
  if (lru_.size() > capacity_) {
    dropped = std::move(lru_.back().reader);
    map_.erase(lru_.back().node);
    lru_.pop_back();
  }
  return reader;
}

void ReaderPool::DropView(const UnionView& view) {
  std::list<Entry> dropped;  // freed outside the lock
  std::lock_guard lock(mu_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (&it->node->view() == &view) {
      map_.erase(it->node);
      dropped.splice(dropped.end(), lru_, it);
    }
    it = next;
  }
}

size_t ReaderPool::size() const {
  std::lock_guard lock(mu_);
  return lru_.size();
}

}  // namespace layerfs
