// LayerIndex: the directory tree of one layer zip, as `unzip -o` of that
// zip alone would leave it on disk.
//
// Built once from the archive's central directory, in entry order, with
// the replacement rules of a later entry over an earlier one (see
// README.md "Semantics"): a later entry replaces the whole path whatever
// the types, an entry below a non-directory turns it into a directory,
// missing parents are implied directories (0755). Names are normalised
// and unsafe ones skipped by fs/zip/entry_path.h; every skip or oddity is
// kept as a warning for the caller to log.
//
// The result is compact (one fixed-size record per node, names in one
// pool, children sorted for binary search) and immutable after Build():
// FUSE workers share it without locks.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fs/base/status.h"
#include "fs/zip/central_directory.h"

namespace layerfs {

enum class NodeType : uint8_t { kDirectory, kFile, kSymlink };

using NodeId = uint32_t;
constexpr NodeId kRootNode = 0;
constexpr NodeId kNoNode = UINT32_MAX;
constexpr uint32_t kNoRecord = UINT32_MAX;

struct LayerNode {
  uint64_t size = 0;            // uncompressed bytes; symlinks: target length
  int64_t mtime = 0;            // Unix seconds
  uint32_t record = kNoRecord;  // central-directory record, or kNoRecord
  uint32_t name_offset = 0;     // into the index's name pool
  uint32_t first_child = 0;     // into children(); directories only
  uint32_t child_count = 0;
  uint16_t name_length = 0;
  uint16_t mode = 0;            // permission bits only (07777 masked to 0777)
  NodeType type = NodeType::kDirectory;
  bool explicit_entry = false;  // false for implied directories
};

struct IndexWarning {
  std::string entry;   // the raw entry name, as printable as possible
  std::string reason;
};

class LayerIndex {
 public:
  // `implied_mtime`: the mtime given to implied directories (the archive
  // file's own mtime, so it is stable across mounts). Fails when the names
  // would imply far more directories than the zip has entries (a budget
  // of 4 nodes per entry plus 65,536), so memory stays proportional to the
  // central directory whatever the names.
  static Result<LayerIndex> Build(const CentralDirectory& directory, int64_t implied_mtime);

  const LayerNode& node(NodeId id) const { return nodes_[id]; }
  size_t node_count() const { return nodes_.size(); }
  std::string_view name(NodeId id) const {
    const LayerNode& n = nodes_[id];
    return std::string_view(names_).substr(n.name_offset, n.name_length);
  }
  // The children of a directory, sorted by name.
  std::span<const NodeId> children(NodeId dir) const {
    const LayerNode& n = nodes_[dir];
    return std::span<const NodeId>(children_).subspan(n.first_child, n.child_count);
  }
  // kNoNode when `dir` has no child of that name.
  NodeId FindChild(NodeId dir, std::string_view name) const;
  // Walks a normalised relative path; kNoNode when absent or blocked by a
  // non-directory.
  NodeId FindPath(std::string_view path) const;

  const std::vector<IndexWarning>& warnings() const { return warnings_; }
  uint64_t total_file_bytes() const { return total_file_bytes_; }
  uint64_t file_count() const { return file_count_; }

 private:
  friend class LayerIndexBuilder;

  std::vector<LayerNode> nodes_;  // nodes_[0] is the root
  std::vector<NodeId> children_;
  std::string names_;
  std::vector<IndexWarning> warnings_;
  uint64_t total_file_bytes_ = 0;
  uint64_t file_count_ = 0;
};

// How one record maps to a node type and permission bits; exposed so the
// inspection report and tests share the rule.
struct EntryKind {
  NodeType type = NodeType::kFile;
  uint16_t mode = 0644;
  bool has_unix_mode = false;
  bool special = false;  // FIFO, device or socket: served as a regular file
};
EntryKind ClassifyRecord(const ZipRecord& record, bool name_ends_in_slash);

}  // namespace layerfs
