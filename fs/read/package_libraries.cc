#include "fs/read/package_libraries.h"

#include "fs/read/library_prefetch.h"

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
    : options_(options), warmer_(readers, resources) {}

bool PackageLibraries::WantsLocked(const UnionNode& node) const {
  return node.size() <= options_.max_library_size && IsLoadableName(node.name()) &&
         WorthWarming(node);
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
  warmer_.Warm(view, Plan(file));
}

PackageLibraries::Stats PackageLibraries::stats() const {
  CacheWarmer::Stats warmed = warmer_.stats();
  return {warmed.files, warmed.bytes};
}

}  // namespace layerfs
