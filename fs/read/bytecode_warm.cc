#include "fs/read/bytecode_warm.h"

#include "fs/source/open_source.h"
#include "fs/zip/compression_method.h"

namespace layerfs {

std::string_view BytecodeTag(std::string_view name) {
  if (!name.ends_with(".pyc")) return {};
  size_t dot = name.find('.');
  if (dot == 0 || dot + 4 == name.size()) return {};  // ".pyc", "M.pyc"
  return name.substr(dot);
}

BytecodeWarm::BytecodeWarm(ReaderPool& readers, ReadResources& resources, Options options)
    : readers_(readers),
      resources_(resources),
      options_(options),
      queue_([this](Job& job) { Decompress(job); }) {}

bool BytecodeWarm::Wants(const UnionNode& node, std::string_view tag) const {
  if (node.type() != NodeType::kFile || node.size() == 0 ||
      node.size() > options_.max_file_size || BytecodeTag(node.name()) != tag) {
    return false;
  }
  const Layer& layer = node.view().SourceLayer(node);
  if (IsRemoteSource(layer.path())) return false;
  const ZipRecord& r = layer.archive().record(node.view().RecordOf(node));
  // A stored module is read in place: nothing to decompress.
  return r.method != kMethodStored && !r.encrypted();
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
  std::vector<Job> jobs;
  for (const UnionNode* node : Plan(file)) jobs.push_back({view, node});
  queue_.Push(std::move(jobs));
}

// One byte is enough: a small entry's reader decompresses it whole into
// the cache, where the interpreter's read finds it. A damaged entry fails
// here silently; the interpreter's own read reports it.
void BytecodeWarm::Decompress(const Job& job) {
  bool made = false;
  Result<std::shared_ptr<FileReader>> reader =
      readers_.Get(*job.view, *job.node, resources_, &made);
  if (!reader.ok() || !(*reader)->ReadSlice(0, 1).ok()) return;
  files_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(job.node->size(), std::memory_order_relaxed);
}

BytecodeWarm::Stats BytecodeWarm::stats() const {
  return {files_.load(std::memory_order_relaxed), bytes_.load(std::memory_order_relaxed)};
}

}  // namespace layerfs
