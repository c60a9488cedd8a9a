// NodeBits: one bit per node of one union view, indexed by inode number
// (a view numbers its nodes densely from its root's). A node of another
// view starts the set afresh, so a set kept across remounts never mixes
// two stacks.
//
// Not thread-safe: the owner locks.
#pragma once

#include <cstdint>
#include <vector>

#include "fs/union/union_view.h"

namespace layerfs {

class NodeBits {
 public:
  // Whether `node` is set; false for a node of a view not followed.
  bool Test(const UnionNode& node) const {
    if (!Follows(node.view())) return false;
    uint64_t bit = node.ino() - root_ino_;
    size_t word = size_t(bit / 64);
    return word < words_.size() && (words_[word] >> (bit % 64) & 1) != 0;
  }

  // Sets `node` (following its view first); true if it was not set.
  bool Set(const UnionNode& node) {
    if (!Follows(node.view())) {
      view_ = &node.view();
      root_ino_ = node.view().root().ino();
      words_.clear();
    }
    if (Test(node)) return false;
    uint64_t bit = node.ino() - root_ino_;
    size_t word = size_t(bit / 64);
    if (word >= words_.size()) words_.resize(word + 1 + word / 2);
    words_[word] |= uint64_t(1) << (bit % 64);
    return true;
  }

 private:
  // The address and the root's inode number together name one view, even
  // if a freed view's address is reused (remounts number from new roots).
  bool Follows(const UnionView& view) const {
    return view_ == &view && root_ino_ == view.root().ino();
  }

  const UnionView* view_ = nullptr;  // never dereferenced
  uint64_t root_ino_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace layerfs
