#include "fs/read/library_prefetch.h"

#include <vector>

#include "fs/source/open_source.h"
#include "fs/zip/compression_method.h"

namespace layerfs {

bool IsSharedLibraryName(std::string_view name) {
  size_t so = name.find(".so");
  while (so != std::string_view::npos) {
    std::string_view rest = name.substr(so + 3);
    // ".so" at the end, or followed only by ".N" version parts.
    bool versions = rest.empty() || rest.front() == '.';
    for (char c : rest) versions = versions && (c == '.' || (c >= '0' && c <= '9'));
    if (so > 0 && versions) return true;
    so = name.find(".so", so + 1);
  }
  return false;
}

namespace {

// Queues `node`'s spill if it qualifies; its uncompressed size if queued.
uint64_t PrefetchOne(const UnionView& view, const UnionNode& node, ReadResources& resources) {
  if (node.type() != NodeType::kFile || node.size() <= resources.whole_entry_limit() ||
      !IsSharedLibraryName(node.name())) {
    return 0;
  }
  const Layer& layer = view.SourceLayer(node);
  if (IsRemoteSource(layer.path())) return 0;
  const Archive& archive = layer.archive();
  const uint32_t record = view.RecordOf(node);
  const ZipRecord& r = archive.record(record);
  if (r.method == kMethodStored || r.encrypted() || !archive.HasNativeReader(record)) return 0;
  Result<uint64_t> data_offset = archive.DataOffset(record);
  if (!data_offset.ok()) return 0;  // its reader will report the damage
  bool queued = resources.spill().Prefetch(view.SharedSourceLayer(node), record, *data_offset,
                                           EntryCacheKey(archive, record));
  return queued ? r.uncompressed_size : 0;
}

}  // namespace

PrefetchSummary PrefetchLibraries(const UnionView& view, ReadResources& resources,
                                  const std::atomic<bool>& stop) {
  PrefetchSummary summary;
  if (!resources.spill().enabled()) return summary;
  const uint64_t budget = resources.spill().stats().capacity / 2;
  std::vector<const UnionNode*> dirs = {&view.root()};
  while (!dirs.empty() && !stop) {
    const UnionNode* dir = dirs.back();
    dirs.pop_back();
    for (const UnionNode& child : view.Children(*dir)) {
      if (child.is_directory()) {
        dirs.push_back(&child);
        continue;
      }
      if (summary.bytes + child.size() > budget) continue;
      if (uint64_t bytes = PrefetchOne(view, child, resources); bytes > 0) {
        ++summary.entries;
        summary.bytes += bytes;
      }
    }
  }
  return summary;
}

}  // namespace layerfs
