#include "mount/stack_swap.h"

#include <spdlog/spdlog.h>

#include "fs/union/open_layers.h"

namespace layerfs {

uint64_t RootInoFor(uint64_t generation) { return (generation << 40) | 1; }

Status SwapStack(MountState& state, fuse_session* session,
                 const std::vector<std::string>& layers, uint64_t generation,
                 const std::vector<RemoteOptions>& remote) {
  Result<LayerStack> opened = OpenLayers(layers, remote);
  if (!opened.ok()) return opened.status();
  auto next = std::make_unique<UnionView>(std::move(*opened), RootInoFor(generation));
  for (size_t i = 0; i < next->layer_count(); ++i) {
    const Layer& layer = next->layer(uint32_t(i));
    for (const IndexWarning& w : layer.index().warnings()) {
      spdlog::warn("{}: entry {}: {}", layer.path(), w.entry, w.reason);
    }
  }
  std::shared_ptr<const UnionView> old = state.Swap(std::move(next));
  // Dropping a directory's dentry drops everything cached below it, so the
  // root's own names are all the kernel needs to forget. Misses at the
  // root are never cached (see Lookup), so new names need nothing.
  for (const UnionNode& child : old->Children(old->root())) {
    std::string_view name = child.name();
    int rc = fuse_lowlevel_notify_inval_entry(session, FUSE_ROOT_ID, name.data(), name.size());
    if (rc != 0 && rc != -ENOENT) {
      spdlog::warn("remount: cannot invalidate /{}: {}", name, rc);
    }
  }
  fuse_lowlevel_notify_inval_inode(session, FUSE_ROOT_ID, 0, 0);
  // The kernel's forgets free the old stack once its nodes are let go;
  // one that was never looked into is unreachable already.
  old.reset();
  state.ReleaseRetired();
  spdlog::info("remount: now serving {} layers (stack {})", layers.size(), generation);
  return Status::Ok();
}

}  // namespace layerfs
