#include "fs/union/union_view.h"

#include <algorithm>
#include <unordered_map>

#include "fs/union/open_layers.h"

namespace layerfs {

namespace {

constexpr size_t kMaxSymlinkTarget = 4095;  // PATH_MAX less the NUL

std::vector<const LayerIndex*> IndexesOf(const std::vector<std::shared_ptr<const Layer>>& layers) {
  std::vector<const LayerIndex*> indexes;
  for (const auto& layer : layers) indexes.push_back(&layer->index());
  return indexes;
}

}  // namespace

UnionView::UnionView(std::vector<std::shared_ptr<const Layer>> layers, uint64_t root_ino)
    : layers_(std::move(layers)), indexes_(IndexesOf(layers_)), next_ino_(root_ino + 1) {
  std::vector<LayerRef> all;
  for (size_t i = layers_.size(); i-- > 0;) all.push_back({uint32_t(i), kRootNode});
  root_.view_ = this;
  root_.ino_ = root_ino;
  root_.type_ = NodeType::kDirectory;
  root_.mode_ = 0755;
  root_.merged_ = std::move(all);
  if (!layers_.empty()) {
    root_.source_ = root_.merged_.front();
    root_.mtime_ = layers_.back()->archive().file_mtime();
  }
}

Result<std::unique_ptr<UnionView>> UnionView::Open(const std::vector<std::string>& paths,
                                                   uint64_t root_ino,
                                                   const RemoteOptions& remote) {
  Result<LayerStack> layers = OpenLayers(paths, remote);
  if (!layers.ok()) return layers.status();
  return std::make_unique<UnionView>(std::move(*layers), root_ino);
}

void UnionView::InitNode(UnionNode& node, const UnionNode* parent, LayerRef top,
                         std::vector<LayerRef> merged) const {
  const LayerIndex& index = layers_[top.layer]->index();
  const LayerNode& n = index.node(top.node);
  node.view_ = this;
  node.parent_ = parent;
  node.name_ = index.name(top.node);
  node.ino_ = next_ino_.fetch_add(1, std::memory_order_relaxed);
  node.type_ = n.type;
  node.size_ = n.size;
  node.mtime_ = n.mtime;
  node.mode_ = n.mode;
  node.source_ = top;
  if (n.type != NodeType::kDirectory) return;
  // unzip -o leaves an existing directory's attributes alone: the layer
  // that first creates the directory, the lowest merged one, sets them.
  const LayerRef bottom = merged.back();
  const LayerNode& d = layers_[bottom.layer]->index().node(bottom.node);
  node.mode_ = d.mode;
  node.mtime_ = d.mtime;
  node.source_ = bottom;
  node.merged_ = std::move(merged);
}

void UnionView::BuildListing(const UnionNode& dir) const {
  std::vector<MergedName> candidates = MergeDirectory(indexes_, dir.merged_, /*with_hidden=*/false);
  auto children = std::make_unique<UnionNode[]>(candidates.size());
  uint32_t subdirs = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    LayerRef top = candidates[i].merged.front();
    InitNode(children[i], &dir, top, std::move(candidates[i].merged));
    if (children[i].is_directory()) ++subdirs;
  }
  dir.children_ = std::move(children);
  dir.child_count_ = uint32_t(candidates.size());
  dir.subdir_count_ = subdirs;
}

std::span<const UnionNode> UnionView::Children(const UnionNode& dir) const {
  if (!dir.is_directory()) return {};
  std::call_once(dir.listing_once_, [&] { BuildListing(dir); });
  return std::span<const UnionNode>(dir.children_.get(), dir.child_count_);
}

const UnionNode* UnionView::Lookup(const UnionNode& dir, std::string_view name) const {
  std::span<const UnionNode> kids = Children(dir);
  auto it = std::lower_bound(kids.begin(), kids.end(), name,
                             [](const UnionNode& n, std::string_view v) { return n.name() < v; });
  if (it == kids.end() || it->name() != name) return nullptr;
  return &*it;
}

uint32_t UnionView::LinkCount(const UnionNode& node) const {
  if (!node.is_directory()) return 1;
  Children(node);
  return 2 + node.subdir_count_;
}

// Calls visit(node) for every node below the root, depth first, merging
// each directory's listing on the way; stops early once `stop` is set.
template <typename Visit>
void UnionView::Walk(const std::atomic<bool>* stop, Visit visit) const {
  std::vector<const UnionNode*> pending = {&root_};
  while (!pending.empty() && !(stop && stop->load(std::memory_order_relaxed))) {
    const UnionNode* dir = pending.back();
    pending.pop_back();
    for (const UnionNode& child : Children(*dir)) {
      visit(child);
      if (child.is_directory()) pending.push_back(&child);
    }
  }
}

void UnionView::MergeAll(const std::atomic<bool>& stop) const {
  Walk(&stop, [](const UnionNode&) {});
}

const UnionView::FileTotals& UnionView::Totals() const {
  std::call_once(totals_once_, [&] {
    Walk(nullptr, [&](const UnionNode& node) {
      if (node.type() != NodeType::kFile) return;
      ++totals_.files;
      totals_.bytes += node.size();
    });
  });
  return totals_;
}

uint32_t UnionView::RecordOf(const UnionNode& node) const {
  return layers_[node.source_.layer]->index().node(node.source_.node).record;
}

Result<std::string> UnionView::ReadLink(const UnionNode& node) const {
  if (node.type() != NodeType::kSymlink) {
    return Status::InvalidArgument(PathOf(node) + ": not a symlink");
  }
  const Archive& archive = SourceLayer(node).archive();
  uint32_t record = RecordOf(node);
  if (node.size() > kMaxSymlinkTarget) {
    return Status::Corrupt(archive.EntryLabel(record) + ": symlink target too long");
  }
  Result<ByteBuffer> data = archive.ReadWhole(record);
  if (!data.ok()) return data.status();
  return std::string(data->begin(), data->end());
}

std::string UnionView::PathOf(const UnionNode& node) const {
  std::vector<std::string_view> parts;
  for (const UnionNode* n = &node; n != nullptr && n != &root_; n = n->parent()) {
    parts.push_back(n->name());
  }
  std::string path;
  for (size_t i = parts.size(); i-- > 0;) {
    path += parts[i];
    if (i > 0) path += '/';
  }
  return path;
}

}  // namespace layerfs
