#include "fs/read/cache_warmer.h"

#include "fs/source/open_source.h"
#include "fs/zip/compression_method.h"

namespace layerfs {

bool WorthWarming(const UnionNode& file) {
  if (file.type() != NodeType::kFile || file.size() == 0) return false;
  const Layer& layer = file.view().SourceLayer(file);
  if (IsRemoteSource(layer.path())) return false;
  const ZipRecord& r = layer.archive().record(file.view().RecordOf(file));
  return r.method != kMethodStored && !r.encrypted();
}

CacheWarmer::CacheWarmer(ReaderPool& readers, ReadResources& resources)
    : readers_(readers), resources_(resources), queue_([this](Job& job) { Decompress(job); }) {}

void CacheWarmer::Warm(const std::shared_ptr<const UnionView>& view,
                       const std::vector<const UnionNode*>& files) {
  std::vector<Job> jobs;
  jobs.reserve(files.size());
  for (const UnionNode* file : files) jobs.push_back({view, file});
  queue_.Push(std::move(jobs));
}

void CacheWarmer::Decompress(const Job& job) {
  bool made = false;
  Result<std::shared_ptr<FileReader>> reader =
      readers_.Get(*job.view, *job.node, resources_, &made);
  if (!reader.ok() || !(*reader)->ReadSlice(0, 1).ok()) return;
  files_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(job.node->size(), std::memory_order_relaxed);
}

CacheWarmer::Stats CacheWarmer::stats() const {
  return {files_.load(std::memory_order_relaxed), bytes_.load(std::memory_order_relaxed)};
}

}  // namespace layerfs
