#include "fs/union/directory_merge.h"

#include <algorithm>
#include <unordered_map>

namespace layerfs {

std::vector<MergedName> MergeDirectory(std::span<const LayerIndex* const> indexes,
                                       std::span<const LayerRef> dirs, bool with_hidden) {
  std::vector<MergedName> names;
  std::vector<bool> closed;  // per name: a non-directory ended its merge
  std::unordered_map<std::string_view, size_t> slot;
  // One layer's children are unique and sorted already: no map, no sort.
  const bool single = dirs.size() == 1;
  for (const LayerRef& dir : dirs) {
    const LayerIndex& index = *indexes[dir.layer];
    for (NodeId child : index.children(dir.node)) {
      std::string_view name = index.name(child);
      bool is_dir = index.node(child).type == NodeType::kDirectory;
      auto [it, fresh] =
          single ? std::pair{slot.end(), true} : slot.try_emplace(name, names.size());
      if (fresh) {
        names.push_back({name, {{dir.layer, child}}, {}});
        closed.push_back(!is_dir);
        continue;
      }
      // A lower layer's copy of a name already seen above it.
      const size_t i = it->second;
      if (!closed[i] && is_dir) {
        names[i].merged.push_back({dir.layer, child});
        continue;
      }
      closed[i] = true;
      if (with_hidden) names[i].hidden.push_back({dir.layer, child});
    }
  }
  if (!single) {
    std::sort(names.begin(), names.end(),
              [](const MergedName& a, const MergedName& b) { return a.name < b.name; });
  }
  return names;
}

}  // namespace layerfs
