// UnionView: the merged tree of an ordered stack of layers, as extracting
// each layer in order with `unzip -o` would leave it (README "Semantics").
//
// The union is resolved lazily: a directory's merged listing (and with it
// the winner of every name in it) is computed the first time anyone looks
// inside it, then kept for the life of the view. Nothing is resolved for
// the whole tree at mount time.
//
// Ownership and threads: the view owns every UnionNode; nodes never move
// or die before the view does, so their addresses can serve as FUSE node
// ids. A node's fields are constant after construction; its listing is
// built exactly once under a std::once_flag, after which it is read
// without locks. All methods are safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fs/base/status.h"
#include "fs/union/directory_merge.h"
#include "fs/union/layer.h"

namespace layerfs {

class UnionView;

class UnionNode {
 public:
  uint64_t ino() const { return ino_; }
  NodeType type() const { return type_; }
  bool is_directory() const { return type_ == NodeType::kDirectory; }
  uint16_t mode() const { return mode_; }
  uint64_t size() const { return size_; }
  int64_t mtime() const { return mtime_; }
  std::string_view name() const { return name_; }
  const UnionNode* parent() const { return parent_; }
  // The view this node belongs to (a mount may serve several generations
  // of views while files of an older stack stay open).
  const UnionView& view() const { return *view_; }
  // The layer that provides this node; for a directory, the lowest merged
  // layer, whose entry set its attributes when unzip -o created it.
  LayerRef source() const { return source_; }

 private:
  friend class UnionView;

  // Constant after the parent's listing is built.
  const UnionView* view_ = nullptr;
  const UnionNode* parent_ = nullptr;
  std::string_view name_;  // points into a layer index's name pool
  uint64_t ino_ = 0;
  uint64_t size_ = 0;
  int64_t mtime_ = 0;
  LayerRef source_;
  uint16_t mode_ = 0;
  NodeType type_ = NodeType::kFile;
  // Directories: the layers merged here, top (last applied) first.
  std::vector<LayerRef> merged_;

  // The merged listing, built once (listing_once_), then read-only.
  mutable std::once_flag listing_once_;
  mutable std::unique_ptr<UnionNode[]> children_;  // sorted by name
  mutable uint32_t child_count_ = 0;
  mutable uint32_t subdir_count_ = 0;
};

class UnionView {
 public:
  // Layers in the order of a function's Layers array: the last one wins.
  // Inode numbers start at `root_ino` (the root's), so several views of
  // one mount can be given disjoint ranges.
  explicit UnionView(std::vector<std::shared_ptr<const Layer>> layers, uint64_t root_ino = 1);
  UnionView(const UnionView&) = delete;
  UnionView& operator=(const UnionView&) = delete;

  // Opens every path as a layer; fails on the first that cannot be opened.
  static Result<std::unique_ptr<UnionView>> Open(const std::vector<std::string>& paths,
                                                 uint64_t root_ino = 1,
                                                 const RemoteOptions& remote = {});

  const UnionNode& root() const { return root_; }
  // The child named `name`, or nullptr when there is none (or `dir` is not
  // a directory).
  const UnionNode* Lookup(const UnionNode& dir, std::string_view name) const;
  // The merged listing of a directory, sorted by name.
  std::span<const UnionNode> Children(const UnionNode& dir) const;
  // 2 + subdirectories for directories, 1 otherwise.
  uint32_t LinkCount(const UnionNode& node) const;

  // Merges every directory's listing now, so that first looks cost no
  // merging later (the daemon runs it in the background once serving).
  // Returns early, leaving the rest lazy, once `stop` is set.
  void MergeAll(const std::atomic<bool>& stop) const;
  // The stored target of a symlink, byte for byte.
  Result<std::string> ReadLink(const UnionNode& node) const;
  // "a/b/c" relative to the root, for messages.
  std::string PathOf(const UnionNode& node) const;

  const Layer& layer(uint32_t position) const { return *layers_[position]; }
  size_t layer_count() const { return layers_.size(); }
  const Layer& SourceLayer(const UnionNode& node) const { return layer(node.source_.layer); }
  // The same layer, shared: for work that may outlive this view (a
  // background inflate keeps the layer's archive open with it).
  std::shared_ptr<const Layer> SharedSourceLayer(const UnionNode& node) const {
    return layers_[node.source_.layer];
  }
  // The central-directory record of a file or symlink node.
  uint32_t RecordOf(const UnionNode& node) const;

  // References held on this view's nodes by whoever serves them (the
  // mount counts the kernel's lookups); a retired view may be freed only
  // when none are left. Changed from any thread.
  // Returns the count after the change: a caller that drops the last hold
  // must not touch the view again (it may be freed at once).
  int64_t AddHolds(int64_t n) const { return holds_.fetch_add(n, std::memory_order_acq_rel) + n; }
  int64_t holds() const { return holds_.load(std::memory_order_acquire); }

  // For statfs: the regular files `unzip -o` of the stack would leave and
  // their bytes (an overridden file counts once). The first call merges
  // the whole tree; the answer is kept.
  uint64_t total_file_bytes() const { return Totals().bytes; }
  uint64_t file_count() const { return Totals().files; }

 private:
  void BuildListing(const UnionNode& dir) const;
  void InitNode(UnionNode& node, const UnionNode* parent, LayerRef top,
                std::vector<LayerRef> merged) const;

  const std::vector<std::shared_ptr<const Layer>> layers_;
  const std::vector<const LayerIndex*> indexes_;  // layers_[i]->index(), for merging
  UnionNode root_;
  mutable std::atomic<uint64_t> next_ino_;
  struct FileTotals {
    uint64_t files = 0;
    uint64_t bytes = 0;
  };
  const FileTotals& Totals() const;
  template <typename Visit>
  void Walk(const std::atomic<bool>* stop, Visit visit) const;

  mutable std::atomic<int64_t> holds_{0};
  mutable std::once_flag totals_once_;
  mutable FileTotals totals_;  // written once, under totals_once_
};

}  // namespace layerfs
