#include "fs/read/sibling_prefetch.h"

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

bool SiblingPrefetch::WantsLocked(const UnionNode& node) const {
  return node.type() == NodeType::kFile && node.size() > 0 &&
         node.size() <= options_.max_file_size && (!eligible_ || eligible_(node));
}

std::vector<const UnionNode*> SiblingPrefetch::Plan(const UnionNode& file) {
  std::vector<const UnionNode*> plan;
  if (file.parent() == nullptr || file.type() != NodeType::kFile) return plan;
  const UnionView& view = file.view();
  std::lock_guard lock(mu_);
  planned_.Set(file);
  if (!listed_.Test(*file.parent())) return plan;
  // The walk goes on where a tree walker's would: the rest of this
  // directory, into each listed subdirectory met, then back up past it.
  Cursor at{file.parent(), IndexOf(view, file) + 1};
  uint64_t bytes = 0;
  for (uint32_t visits = 0; plan.size() < options_.files && visits < options_.max_visits;
       ++visits) {
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
    if (bytes + next.size() > options_.bytes) break;
    planned_.Set(next);
    bytes += next.size();
    plan.push_back(&next);
  }
  return plan;
}

}  // namespace layerfs
