// Layer: one layer zip opened for serving: the Archive (bytes) and the
// LayerIndex (tree) built from it. Immutable after Open(); shared by
// every FUSE worker through shared_ptr<const Layer>.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fs/zip/archive.h"
#include "fs/union/layer_index.h"
#include "fs/base/status.h"

namespace layerfs {

class Layer {
 public:
  // Opens the zip and indexes it. Reads only the central directory: the
  // cost grows with the number of entries, not with their size.
  static Result<std::shared_ptr<const Layer>> Open(const std::string& path,
                                                   const RemoteOptions& remote = {});

  const std::string& path() const { return archive_->path(); }
  const Archive& archive() const { return *archive_; }
  const LayerIndex& index() const { return index_; }

 private:
  Layer(std::unique_ptr<Archive> archive, LayerIndex index)
      : archive_(std::move(archive)), index_(std::move(index)) {}

  const std::unique_ptr<Archive> archive_;
  const LayerIndex index_;
};

// The opened layers of one stack, in Layers order (the last wins).
using LayerStack = std::vector<std::shared_ptr<const Layer>>;

// Opens a stack when called, for a caller that decides where and when
// the parse runs (the daemon runs the command line's after it forks).
using StackOpener = std::function<Result<LayerStack>()>;

}  // namespace layerfs
