#include "fs/read/package_libraries.h"

#include "fs/read/library_prefetch.h"
#include "fs/source/open_source.h"
#include "fs/zip/compression_method.h"

namespace layerfs {

namespace {

// The directory whose libraries a read of `file` announces.
const UnionNode* PackageOf(const UnionNode& file) {
  const UnionNode* dir = file.parent();
  if (dir != nullptr && dir->name() == "__pycache__" && dir->parent() != nullptr) {
    dir = dir->parent();
  }
  return dir;
}

}  // namespace

bool IsLoadableName(std::string_view name) {
  return IsSharedLibraryName(name) || (name.size() > 5 && name.ends_with(".node"));
}

PackageLibraries::PackageLibraries(ReaderPool& readers, ReadResources& resources,
                                   Options options)
    : readers_(readers),
      resources_(resources),
      options_(options),
      queue_([this](Job& job) { Decompress(job); }) {}

bool PackageLibraries::WantsLocked(const UnionNode& node) const {
  if (node.type() != NodeType::kFile || node.size() == 0 ||
      node.size() > options_.max_library_size || !IsLoadableName(node.name())) {
    return false;
  }
  const Layer& layer = node.view().SourceLayer(node);
  if (IsRemoteSource(layer.path())) return false;
  const ZipRecord& r = layer.archive().record(node.view().RecordOf(node));
  // A stored library is read in place: nothing to decompress.
  return r.method != kMethodStored && !r.encrypted();
}

std::vector<const UnionNode*> PackageLibraries::PlanLocked(const UnionNode& package) {
  const UnionView& view = package.view();
  std::vector<const UnionNode*> found;
  std::deque<const UnionNode*> dirs = {&package};
  uint64_t nodes = 0;
  while (!dirs.empty()) {
    const UnionNode* dir = dirs.front();
    dirs.pop_front();
    std::span<const UnionNode> kids = view.Children(*dir);
    nodes += kids.size();
    if (nodes > options_.max_nodes) return {};  // a root of many packages
    for (const UnionNode& kid : kids) {
      if (kid.is_directory()) {
        dirs.push_back(&kid);
      } else if (WantsLocked(kid)) {
        found.push_back(&kid);
      }
    }
  }
  std::vector<const UnionNode*> plan;
  uint64_t bytes = 0;
  for (const UnionNode* lib : found) {
    if (bytes + lib->size() > options_.bytes) break;
    if (!planned_.Set(*lib)) continue;
    bytes += lib->size();
    plan.push_back(lib);
  }
  return plan;
}

std::vector<const UnionNode*> PackageLibraries::Plan(const UnionNode& file) {
  const UnionNode* package = PackageOf(file);
  if (package == nullptr) return {};
  std::lock_guard lock(mu_);
  if (!packages_.Set(*package)) return {};
  return PlanLocked(*package);
}

void PackageLibraries::AfterFirstRead(std::shared_ptr<const UnionView> view,
                                      const UnionNode& file) {
  if (&file.view() != view.get()) return;
  std::vector<Job> jobs;
  for (const UnionNode* lib : Plan(file)) jobs.push_back({view, lib});
  queue_.Push(std::move(jobs));
}

// One byte is enough: a library's reader decompresses it whole into the
// cache, where the loader's reads find it. A damaged entry fails here
// silently; the loader's own read reports it.
void PackageLibraries::Decompress(const Job& job) {
  bool made = false;
  Result<std::shared_ptr<FileReader>> reader =
      readers_.Get(*job.view, *job.node, resources_, &made);
  if (!reader.ok() || !(*reader)->ReadSlice(0, 1).ok()) return;
  libraries_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(job.node->size(), std::memory_order_relaxed);
}

PackageLibraries::Stats PackageLibraries::stats() const {
  return {libraries_.load(std::memory_order_relaxed), bytes_.load(std::memory_order_relaxed)};
}

}  // namespace layerfs
