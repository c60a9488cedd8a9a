#include "mount/remote_options.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>

#include "fs/lambda/layer_refresh.h"
#include "fs/source/cache_dir.h"
#include "fs/source/open_source.h"

namespace layerfs {

namespace {

RemoteOptions PlainOptions(const MountOptions& options) {
  RemoteOptions remote{.timeout = std::chrono::seconds(options.remote_timeout_s)};
  remote.aws = options.aws;
  remote.log = [](const std::string& line) { spdlog::warn("{}", line); };
  return remote;
}

// Where a renewed URL is recorded: absolute, as the daemon may run
// elsewhere; "" when there is no store to name.
std::string AbsoluteStoreDir(const std::string& given) {
  Result<std::string> dir = ResolveStoreDir(given);
  if (!dir.ok()) return "";
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(*dir, ec);
  return ec ? *dir : absolute.string();
}

}  // namespace

RemoteContext::RemoteContext(const MountOptions& options)
    : plain_(PlainOptions(options)),
      cache_dir_(options.cache_dir),
      cache_dir_size_(options.cache_dir_size) {}

RemoteOptions RemoteContext::Base(const std::vector<std::string>& locations) {
  RemoteOptions remote = plain_;
  if (std::none_of(locations.begin(), locations.end(), IsRemoteSource)) return remote;
  std::lock_guard lock(mu_);
  if (!shared_made_) {
    shared_made_ = true;
    const std::string dir = cache_dir_.empty() ? CacheDir::DefaultPath() : cache_dir_;
    if (cache_dir_ == kNoCacheDir) {
      // no disk cache, as asked
    } else if (dir.empty()) {
      spdlog::warn(
          "cache dir: no default (HOME unset); mounting remote layers without the disk cache");
    } else if (Result<std::shared_ptr<CacheDir>> cache = CacheDir::Open(dir, cache_dir_size_);
               !cache.ok()) {
      spdlog::warn("{}; mounting remote layers without the disk cache", cache.status().message());
    } else {
      cache_ = std::move(*cache);
    }
    memory_ = std::make_shared<BlockBudget>(cache_ ? kRemoteMemoryWithDiskCache : kRemoteMemory);
  }
  remote.memory = memory_;
  remote.cache = cache_;
  return remote;
}

std::vector<RemoteOptions> RemoteContext::ForStack(const ResolvedStack& stack,
                                                   const std::string& store_dir) {
  const RemoteOptions base = Base(stack.zips);
  const std::string store = AbsoluteStoreDir(store_dir);
  std::vector<RemoteOptions> per_layer;
  for (size_t i = 0; i < stack.zips.size(); ++i) {
    per_layer.push_back(i < stack.layers.size() ? RemoteOptionsForLayer(stack.layers[i], base, store)
                                                : base);
  }
  return per_layer;
}

std::shared_ptr<BlockBudget> RemoteContext::memory() const {
  std::lock_guard lock(mu_);
  return memory_;
}

}  // namespace layerfs
