#include "fs/read/sibling_prefetch.h"

namespace layerfs {

void SiblingPrefetch::Listed(const UnionNode& dir) {
  std::lock_guard lock(mu_);
  listed_.Set(dir);
}

std::vector<const UnionNode*> SiblingPrefetch::Plan(const UnionNode& file) {
  std::vector<const UnionNode*> plan;
  const UnionNode* dir = file.parent();
  if (dir == nullptr || file.type() != NodeType::kFile) return plan;
  const UnionView& view = file.view();
  std::span<const UnionNode> kids = view.Children(*dir);
  size_t at = size_t(&file - kids.data());
  if (at >= kids.size()) return plan;  // not a child of its parent's listing

  std::lock_guard lock(mu_);
  planned_.Set(file);
  if (!listed_.Test(*dir)) return plan;
  uint64_t bytes = 0;
  for (size_t i = at + 1; i < kids.size() && plan.size() < options_.files; ++i) {
    const UnionNode& next = kids[i];
    if (next.type() != NodeType::kFile || next.size() == 0 ||
        next.size() > options_.max_file_size) {
      continue;
    }
    if (bytes + next.size() > options_.bytes) break;
    if (eligible_ && !eligible_(next)) continue;
    if (!planned_.Set(next)) continue;
    bytes += next.size();
    plan.push_back(&next);
  }
  return plan;
}

}  // namespace layerfs
