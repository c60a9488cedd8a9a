#include "fs/read/bytecode_warm.h"

namespace layerfs {

std::string_view BytecodeTag(std::string_view name) {
  if (!name.ends_with(".pyc")) return {};
  size_t dot = name.find('.');
  if (dot == 0 || dot + 4 == name.size()) return {};  // ".pyc", "M.pyc"
  return name.substr(dot);
}

BytecodeWarm::BytecodeWarm(ReaderPool& readers, ReadResources& resources, Options options)
    : options_(options), warmer_(readers, resources) {}

bool BytecodeWarm::Wants(const UnionNode& node, std::string_view tag) const {
  return node.size() <= options_.max_file_size && BytecodeTag(node.name()) == tag &&
         WorthWarming(node);
}

std::vector<const UnionNode*> BytecodeWarm::Plan(const UnionNode& file) {
  std::string_view tag = BytecodeTag(file.name());
  const UnionNode* dir = file.parent();
  if (tag.empty() || dir == nullptr || dir->name() != "__pycache__") return {};
  {
    std::lock_guard lock(mu_);
    if (!dirs_.Set(*dir)) return {};
  }
  // The directory is planned once: its files need no set of their own.
  std::vector<const UnionNode*> plan;
  uint64_t bytes = 0;
  for (const UnionNode& kid : file.view().Children(*dir)) {
    if (&kid == &file || !Wants(kid, tag)) continue;
    if (bytes + kid.size() > options_.bytes) break;
    bytes += kid.size();
    plan.push_back(&kid);
  }
  return plan;
}

void BytecodeWarm::AfterFirstRead(std::shared_ptr<const UnionView> view, const UnionNode& file) {
  if (&file.view() != view.get()) return;
  warmer_.Warm(view, Plan(file));
}

BytecodeWarm::Stats BytecodeWarm::stats() const { return warmer_.stats(); }

}  // namespace layerfs
