#include "fs/union/open_layers.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

namespace layerfs {

Result<LayerStack> OpenLayers(const std::vector<std::string>& paths,
                              const RemoteOptions& remote) {
  return OpenLayers(paths, std::vector<RemoteOptions>(paths.size(), remote));
}

Result<LayerStack> OpenLayers(const std::vector<std::string>& paths,
                              const std::vector<RemoteOptions>& remote) {
  std::vector<std::optional<Result<std::shared_ptr<const Layer>>>> opened(paths.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < paths.size();) {
      opened[i].emplace(Layer::Open(paths[i], i < remote.size() ? remote[i] : RemoteOptions{}));
    }
  };
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t helpers = std::min(cores, paths.size()) - (paths.empty() ? 0 : 1);
  {
    std::vector<std::jthread> threads;
    for (size_t t = 0; t < helpers; ++t) threads.emplace_back(work);
    work();  // this thread is one of the workers
  }  // joined here
  LayerStack layers;
  for (auto& layer : opened) {
    if (!layer->ok()) return layer->status();
    layers.push_back(std::move(**layer));
  }
  return layers;
}

}  // namespace layerfs
