// DirectoryMerge: the one place that says how a directory present in
// several layers merges, as `unzip -o` of the layers in order leaves it.
// For each name, the copy in the top (last applied) layer wins; if it is a
// directory, the directories below it merge into it until a lower copy is
// a non-directory, which ends the merge and hides itself and everything
// under it. A non-directory winner hides every lower copy.
//
// UnionView (the mount) and the inspect report both merge through here,
// so what `inspect` says is shadowed is what the mount shows. Pure
// function over immutable indexes; safe from any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "fs/union/layer_index.h"

namespace layerfs {

// One layer's copy of a node: the layer's position in the stack and the
// node in that layer's index.
struct LayerRef {
  uint32_t layer = 0;
  NodeId node = kNoNode;
};

// One name of a merged directory.
struct MergedName {
  std::string_view name;         // points into a layer's index
  std::vector<LayerRef> merged;  // merged[0] wins; the rest are directories merging into it
  std::vector<LayerRef> hidden;  // lower copies it hides, top first (when asked for)
};

// Merges `dirs`, one directory's copies top first, over `indexes` (by
// layer position). Names come back sorted. `with_hidden` also lists the
// copies each name hides; the mount's hot path leaves it off.
std::vector<MergedName> MergeDirectory(std::span<const LayerIndex* const> indexes,
                                       std::span<const LayerRef> dirs, bool with_hidden);

}  // namespace layerfs
