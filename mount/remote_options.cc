#include "mount/remote_options.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "fs/source/cache_dir.h"
#include "fs/source/open_source.h"

namespace layerfs {

RemoteOptions MakeRemoteOptions(const MountOptions& options,
                                const std::vector<std::string>& layers) {
  RemoteOptions remote{.timeout = std::chrono::seconds(options.remote_timeout_s)};
  remote.aws = options.aws;
  remote.log = [](const std::string& line) { spdlog::warn("{}", line); };
  if (std::none_of(layers.begin(), layers.end(), IsRemoteSource)) return remote;
  remote.memory = std::make_shared<BlockBudget>(kRemoteMemory);
  if (options.cache_dir == kNoCacheDir) return remote;
  const std::string dir = options.cache_dir.empty() ? CacheDir::DefaultPath() : options.cache_dir;
  if (dir.empty()) {
    spdlog::warn("cache dir: no default (HOME unset); mounting remote layers without the disk cache");
    return remote;
  }
  Result<std::shared_ptr<CacheDir>> cache = CacheDir::Open(dir, options.cache_dir_size);
  if (!cache.ok()) {
    spdlog::warn("{}; mounting remote layers without the disk cache", cache.status().message());
    return remote;
  }
  remote.cache = std::move(*cache);
  remote.memory = std::make_shared<BlockBudget>(kRemoteMemoryWithDiskCache);
  return remote;
}

}  // namespace layerfs
