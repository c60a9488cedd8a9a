#include "fs/union/layer.h"

#include "fs/base/printable.h"

namespace layerfs {

Result<std::shared_ptr<const Layer>> Layer::Open(const std::string& path,
                                                 const RemoteOptions& remote) {
  Result<std::unique_ptr<Archive>> archive = Archive::Open(path, remote);
  if (!archive.ok()) return archive.status();
  Result<LayerIndex> index = LayerIndex::Build((*archive)->directory(), (*archive)->file_mtime());
  if (!index.ok()) return Status::Corrupt(Printable(path) + ": " + index.status().message());
  return std::shared_ptr<const Layer>(new Layer(std::move(*archive), std::move(*index)));
}

}  // namespace layerfs
