#include "fs/read/sibling_prefetch.h"

#include <algorithm>

namespace layerfs {

namespace {

// Where a depth-first walk stands: the next child to visit of `dir`.
struct Cursor {
  const UnionNode* dir;
  size_t next;
};

// The position of `node` in its parent's listing.
size_t IndexOf(const UnionView& view, const UnionNode& node) {
  return size_t(&node - view.Children(*node.parent()).data());
}

}  // namespace

void SiblingPrefetch::Listed(const UnionNode& dir) {
  std::lock_guard lock(mu_);
  listed_.Set(dir);
}

bool SiblingPrefetch::WantsLocked(const UnionNode& node, uint64_t max_size) const {
  return node.type() == NodeType::kFile && node.size() > 0 && node.size() <= max_size &&
         (!eligible_ || eligible_(node));
}

bool SiblingPrefetch::Claim(const UnionNode& file, uint64_t max_size) {
  std::lock_guard lock(mu_);
  if (planned_.Test(file) || !WantsLocked(file, max_size)) return false;
  planned_.Set(file);
  return true;
}

std::vector<const UnionNode*> SiblingPrefetch::Plan(const UnionNode& file) {
  std::vector<const UnionNode*> plan;
  if (file.parent() == nullptr || file.type() != NodeType::kFile) return plan;
  const UnionView& view = file.view();
  std::lock_guard lock(mu_);
  planned_.Set(file);
  // A file never pushed (too large, or refused) is read by the walker in
  // the middle of its window: neither a sign of a walk nor of its end.
  if (!WantsLocked(file)) return plan;
  growth_ = &file == resume_ ? std::min(growth_ * 2, options_.max_growth) : 1;
  resume_ = nullptr;
  if (!listed_.Test(*file.parent())) return plan;
  const uint64_t max_files = uint64_t(options_.files) * growth_;
  const uint64_t max_bytes = options_.bytes * growth_;
  // The walk goes on where a tree walker's would: the rest of this
  // directory, into each listed subdirectory met, then back up past it.
  Cursor at{file.parent(), IndexOf(view, file) + 1};
  uint64_t bytes = 0;
  for (uint32_t visits = 0; visits < options_.max_visits * growth_; ++visits) {
    std::span<const UnionNode> kids = view.Children(*at.dir);
    if (at.next >= kids.size()) {
      if (at.dir->parent() == nullptr) break;  // the root's end
      at = {at.dir->parent(), IndexOf(view, *at.dir) + 1};
      continue;
    }
    const UnionNode& next = kids[at.next++];
    if (next.is_directory()) {
      if (listed_.Test(next)) at = {&next, 0};
      continue;
    }
    if (!WantsLocked(next) || planned_.Test(next)) continue;
    if (plan.size() >= max_files || bytes + next.size() > max_bytes) {
      resume_ = &next;  // a walker's next read after this plan
      break;
    }
    planned_.Set(next);
    bytes += next.size();
    plan.push_back(&next);
  }
  return plan;
}

}  // namespace layerfs
