#include "fs/read/sibling_prefetch.h"

namespace layerfs {

void SiblingPrefetch::FollowLocked(const UnionView& view) {
  if (view_ == &view && root_ino_ == view.root().ino()) return;
  view_ = &view;
  root_ino_ = view.root().ino();
  planned_.clear();
  listed_.clear();
}

bool SiblingPrefetch::IsSetLocked(const std::vector<uint64_t>& bits,
                                  const UnionNode& node) const {
  uint64_t bit = node.ino() - root_ino_;
  size_t word = size_t(bit / 64);
  return word < bits.size() && (bits[word] >> (bit % 64) & 1) != 0;
}

bool SiblingPrefetch::SetLocked(std::vector<uint64_t>& bits, const UnionNode& node) {
  if (IsSetLocked(bits, node)) return false;
  uint64_t bit = node.ino() - root_ino_;
  size_t word = size_t(bit / 64);
  if (word >= bits.size()) bits.resize(word + 1 + word / 2);
  bits[word] |= uint64_t(1) << (bit % 64);
  return true;
}

void SiblingPrefetch::Listed(const UnionNode& dir) {
  std::lock_guard lock(mu_);
  FollowLocked(dir.view());
  SetLocked(listed_, dir);
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
  FollowLocked(view);
  SetLocked(planned_, file);
  if (!IsSetLocked(listed_, *dir)) return plan;
  uint64_t bytes = 0;
  for (size_t i = at + 1; i < kids.size() && plan.size() < options_.files; ++i) {
    const UnionNode& next = kids[i];
    if (next.type() != NodeType::kFile || next.size() == 0 ||
        next.size() > options_.max_file_size) {
      continue;
    }
    if (bytes + next.size() > options_.bytes) break;
    if (eligible_ && !eligible_(next)) continue;
    if (!SetLocked(planned_, next)) continue;
    bytes += next.size();
    plan.push_back(&next);
  }
  return plan;
}

}  // namespace layerfs
