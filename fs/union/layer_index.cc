#include "fs/union/layer_index.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <deque>
#include <utility>

#include "fs/zip/entry_path.h"
#include "fs/base/printable.h"

namespace layerfs {

namespace {

constexpr uint8_t kHostUnix = 3;
constexpr uint8_t kHostDarwin = 19;
constexpr uint32_t kDosDirectoryAttribute = 0x10;
constexpr uint32_t kDosReadOnlyAttribute = 0x01;
constexpr uint32_t kUnzipUmask = 022;
// Sizes from 2^63 up do not fit off_t: such an entry lists with its
// compressed size (what it occupies in the zip; nonzero, so reads reach
// the daemon) and every read fails with EIO (FileReader refuses it).
constexpr uint64_t kMaxEntrySize = uint64_t(INT64_MAX);

}  // namespace

// The rules are Info-ZIP unzip's (mapattr() in its unix port), under the
// umask 022 a Lambda runtime extracts with, so a mount is never more
// permissive than `unzip -o`.
EntryKind ClassifyRecord(const ZipRecord& record, bool name_ends_in_slash) {
  EntryKind kind;
  uint32_t unix_mode = record.external_attributes >> 16;
  uint8_t host = record.host_system();
  kind.has_unix_mode = host == kHostUnix || host == kHostDarwin;
  if (!kind.has_unix_mode) {
    // DOS-style attributes: read-only drops the write bits, the directory
    // bit (or a trailing slash) adds the search bits. Mode bits in the high
    // word are kept only when their owner part agrees with those flags, as
    // unzip does (Windows tools write 0600, 0640, 0664 there).
    uint32_t dos = record.external_attributes & 0xff;
    bool dir_bit = name_ends_in_slash || (dos & kDosDirectoryAttribute);
    uint32_t t = (!(dos & kDosReadOnlyAttribute) ? 2u : 0u) | (dir_bit ? 1u : 0u);
    if ((unix_mode & 0700) == (0400 | (t << 6))) {
      kind.mode = uint16_t(unix_mode & 0777);
    } else {
      kind.mode = uint16_t((0444 | (t << 6) | (t << 3) | t) & ~kUnzipUmask);
    }
    kind.type = name_ends_in_slash ? NodeType::kDirectory : NodeType::kFile;
    return kind;
  }
  // All-zero Unix attributes give mode 0000, as unzip leaves them.
  kind.mode = unix_mode & 0777;  // setuid, setgid and sticky never honoured
  switch (unix_mode & S_IFMT) {
    case S_IFLNK: kind.type = NodeType::kSymlink; break;
    case S_IFDIR:  // without the trailing slash unzip writes a file
    case S_IFREG:
    case 0: kind.type = NodeType::kFile; break;
    default:
      kind.type = NodeType::kFile;
      kind.special = true;
  }
  if (name_ends_in_slash) kind.type = NodeType::kDirectory;
  return kind;
}

// Implied directories allowed beyond four nodes per record: plenty for
// real layers, whose directories are shared by many files.
constexpr uint64_t kImpliedDirectoryAllowance = 65536;

// Builds the tree in a flat list of nodes with one open-addressing table
// from (parent, name) to node, then packs it into the compact sorted form.
// Both exist only while building. Names are views: into the central
// directory's own name pool when the entry's name needed no normalising
// (nearly always), else into a copy kept here. On a VM each page a mount
// touches for the first time costs about 10 µs: a node holding its own
// name string and child map, and a heap block per child, made this
// builder's memory three times what it is now, and the parse's page
// faults were most of the time to ready.
class LayerIndexBuilder {
 public:
  LayerIndexBuilder(const CentralDirectory& directory, int64_t implied_mtime)
      : directory_(directory), implied_mtime_(implied_mtime) {
    nodes_.push_back(BuildNode{.type = NodeType::kDirectory, .mode = 0755,
                               .mtime = implied_mtime});
    for (const std::string& w : directory.warnings()) index_.warnings_.push_back({"(central directory)", w});
  }

  Result<LayerIndex> Build() {
    const auto& records = directory_.records();
    // Every record adds at most one node of its own; implied directories
    // are what a hostile zip multiplies (100 names 2,000 levels deep make
    // 200,000 of them). Past this budget the layer is refused, so the
    // index stays proportional to the central directory.
    node_budget_ = 4 * uint64_t(records.size()) + kImpliedDirectoryAllowance;
    nodes_.reserve(records.size() + records.size() / 4 + 1);
    GrowTable(records.size() + records.size() / 4 + 1);
    for (uint32_t i = 0; i < records.size(); ++i) {
      AddRecord(i, records[i]);
      if (nodes_.size() > node_budget_) {
        return Status::Corrupt("more than " + std::to_string(node_budget_) +
                               " files and directories for " + std::to_string(records.size()) +
                               " entries (implied directories of very deep names); refused");
      }
    }
    return Pack();
  }

 private:
  struct BuildNode {
    std::string_view name;     // into the directory's names or interned_
    uint32_t parent = kNoNode;
    uint32_t record = kNoRecord;
    NodeType type = NodeType::kDirectory;
    uint16_t mode = 0755;
    bool explicit_entry = false;
    int64_t mtime = 0;
    uint64_t size = 0;
  };

  void Warn(std::string_view raw, std::string reason) {
    // Raw names may hold control bytes: a warning stays one line.
    index_.warnings_.push_back({Printable(raw), std::move(reason)});
  }

  // --- the (parent, name) -> node table: slots hold node ids; a slot's key
  // is its node's own parent and name. Replacing a node rewrites its slot.

  static size_t Hash(uint32_t parent, std::string_view name) {
    return std::hash<std::string_view>{}(name) ^ (size_t(parent) * 0x9e3779b97f4a7c15ull);
  }

  // The slot of (parent, name): the one holding it, or the empty one where
  // it would go.
  uint32_t& Slot(uint32_t parent, std::string_view name) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = Hash(parent, name) & mask;; i = (i + 1) & mask) {
      uint32_t id = slots_[i];
      if (id == kNoNode || (nodes_[id].parent == parent && nodes_[id].name == name)) {
        return slots_[i];
      }
    }
  }

  void GrowTable(size_t entries) {
    size_t size = 16;
    while (size < 2 * entries) size *= 2;
    if (size <= slots_.size()) return;
    std::vector<uint32_t> old = std::exchange(slots_, std::vector<uint32_t>(size, kNoNode));
    for (uint32_t id : old) {
      if (id != kNoNode) Slot(nodes_[id].parent, nodes_[id].name) = id;
    }
  }

  // Adds `node` as (node.parent, node.name), replacing whatever had that
  // name there.
  uint32_t Put(BuildNode node) {
    if (2 * (table_used_ + 1) > slots_.size()) GrowTable(table_used_ + 1);
    nodes_.push_back(node);
    const uint32_t id = uint32_t(nodes_.size() - 1);
    uint32_t& slot = Slot(node.parent, node.name);
    if (slot == kNoNode) ++table_used_;
    slot = id;
    names_bytes_ += node.name.size();
    return id;
  }

  uint32_t Find(uint32_t parent, std::string_view name) { return Slot(parent, name); }

  // Returns the directory node for `part` under `parent`, creating an
  // implied one or replacing a non-directory in the way.
  uint32_t DescendInto(uint32_t parent, std::string_view part) {
    uint32_t found = Find(parent, part);
    if (found != kNoNode && nodes_[found].type == NodeType::kDirectory) return found;
    return Put(BuildNode{.name = part, .parent = parent, .type = NodeType::kDirectory,
                         .mode = 0755, .mtime = implied_mtime_});
  }

  // The normalised path as a view that outlives the builder's loop: the
  // raw name itself when normalising left it as it was.
  std::string_view StablePath(std::string_view raw, std::string&& path) {
    if (raw.substr(0, path.size()) == path &&
        (raw.size() == path.size() || (raw.size() == path.size() + 1 && raw.back() == '/'))) {
      return raw.substr(0, path.size());
    }
    return interned_.emplace_back(std::move(path));
  }

  void AddRecord(uint32_t index, const ZipRecord& record) {
    std::string_view raw = directory_.name(record);
    bool slash = !raw.empty() && (raw.back() == '/' || raw.back() == '\\');
    EntryKind kind = ClassifyRecord(record, slash && raw.back() == '/');
    Result<EntryPath> path = NormalizeEntryName(raw, record.utf8_name(), !kind.has_unix_mode);
    if (!path.ok()) {
      Warn(raw, "skipped: " + path.status().message());
      return;
    }
    if (path->is_directory) kind.type = NodeType::kDirectory;
    if (kind.type == NodeType::kSymlink && record.uncompressed_size == 0) {
      kind.type = NodeType::kFile;  // no target: unzip writes an empty file
    }
    if (kind.type != NodeType::kDirectory && record.uncompressed_size > kMaxEntrySize) {
      Warn(raw, "size of 2^63 bytes or more: listed with its compressed size, reads fail");
    }
    if (path->was_absolute) Warn(raw, "absolute path made relative");
    if (kind.special) Warn(raw, "FIFO, device or socket served as a regular file");
    if (path->path.empty()) {
      if (kind.type != NodeType::kDirectory) Warn(raw, "skipped: names the root");
      return;  // "./" and "/" entries: the root keeps its defaults
    }
    Place(StablePath(raw, std::move(path->path)), index, record, kind);
  }

  void Place(std::string_view path, uint32_t index, const ZipRecord& record,
             const EntryKind& kind) {
    uint32_t parent = 0;
    std::string_view rest = path;
    for (size_t slash; (slash = rest.find('/')) != std::string_view::npos;) {
      parent = DescendInto(parent, rest.substr(0, slash));
      rest = rest.substr(slash + 1);
    }
    std::string_view leaf = rest;
    uint32_t found = Find(parent, leaf);
    if (kind.type == NodeType::kDirectory && found != kNoNode &&
        nodes_[found].type == NodeType::kDirectory) {
      // A directory entry over a directory merges: it only sets attributes.
      BuildNode& dir = nodes_[found];
      dir.mode = kind.mode;
      dir.mtime = record.mtime;
      dir.explicit_entry = true;
      return;
    }
    BuildNode node{.name = leaf, .parent = parent, .record = index, .type = kind.type,
                   .mode = kind.mode, .explicit_entry = true, .mtime = record.mtime};
    if (kind.type == NodeType::kDirectory) {
      node.record = kNoRecord;
    } else {
      node.size = record.uncompressed_size <= kMaxEntrySize ? record.uncompressed_size
                  : record.compressed_size <= kMaxEntrySize ? record.compressed_size : 0;
    }
    Put(node);  // replaces whatever was there
  }

  // The live children of every node, grouped by parent from the table:
  // children of node n are child_ids[child_start[n] .. child_start[n + 1]).
  void GroupChildren(std::vector<uint32_t>& child_start, std::vector<uint32_t>& child_ids) {
    child_start.assign(nodes_.size() + 1, 0);
    for (uint32_t id : slots_) {
      if (id != kNoNode) ++child_start[nodes_[id].parent + 1];
    }
    for (size_t n = 0; n < nodes_.size(); ++n) child_start[n + 1] += child_start[n];
    child_ids.resize(table_used_);
    std::vector<uint32_t> next(child_start.begin(), child_start.end() - 1);
    for (uint32_t id : slots_) {
      if (id != kNoNode) child_ids[next[nodes_[id].parent]++] = id;
    }
  }

  // Depth-first copy of the live tree into the compact arrays; replaced
  // nodes, and all below a replaced directory, are unreachable and so
  // dropped here.
  LayerIndex Pack() {
    std::vector<uint32_t> child_start, child_ids;
    GroupChildren(child_start, child_ids);
    index_.nodes_.reserve(nodes_.size());
    index_.children_.reserve(child_ids.size());
    index_.names_.reserve(names_bytes_);
    index_.nodes_.push_back(Compact(nodes_[0]));
    std::vector<std::pair<uint32_t, uint32_t>> stack = {{0, kRootNode}};
    std::vector<std::pair<std::string_view, uint32_t>> sorted;
    while (!stack.empty()) {
      auto [build_id, packed_id] = stack.back();
      stack.pop_back();
      sorted.clear();
      for (uint32_t k = child_start[build_id]; k < child_start[build_id + 1]; ++k) {
        sorted.emplace_back(nodes_[child_ids[k]].name, child_ids[k]);
      }
      std::sort(sorted.begin(), sorted.end());
      index_.nodes_[packed_id].first_child = uint32_t(index_.children_.size());
      index_.nodes_[packed_id].child_count = uint32_t(sorted.size());
      size_t first_slot = index_.children_.size();
      index_.children_.resize(first_slot + sorted.size());
      for (size_t k = 0; k < sorted.size(); ++k) {
        uint32_t child_packed = uint32_t(index_.nodes_.size());
        index_.nodes_.push_back(Compact(nodes_[sorted[k].second]));
        index_.children_[first_slot + k] = child_packed;
        if (nodes_[sorted[k].second].type == NodeType::kDirectory) {
          stack.push_back({sorted[k].second, child_packed});
        }
      }
    }
    return std::move(index_);
  }

  LayerNode Compact(const BuildNode& b) {
    LayerNode n;
    n.size = b.size;
    n.mtime = b.mtime;
    n.record = b.record;
    n.name_offset = uint32_t(index_.names_.size());
    n.name_length = uint16_t(b.name.size());
    index_.names_ += b.name;
    n.mode = b.mode;
    n.type = b.type;
    n.explicit_entry = b.explicit_entry;
    if (b.type == NodeType::kFile) {
      index_.total_file_bytes_ += b.size;
      ++index_.file_count_;
    }
    return n;
  }

  const CentralDirectory& directory_;
  int64_t implied_mtime_;
  uint64_t node_budget_ = 0;
  std::vector<BuildNode> nodes_;  // nodes_[0] is the root; replaced ones stay
  std::vector<uint32_t> slots_;   // the table; a power of two, at most half full
  size_t table_used_ = 0;
  size_t names_bytes_ = 0;        // of every node put: bounds the packed pool
  std::deque<std::string> interned_;  // normalised paths unlike their raw names
  LayerIndex index_;
};

Result<LayerIndex> LayerIndex::Build(const CentralDirectory& directory, int64_t implied_mtime) {
  return LayerIndexBuilder(directory, implied_mtime).Build();
}

NodeId LayerIndex::FindChild(NodeId dir, std::string_view name) const {
  std::span<const NodeId> kids = children(dir);
  auto it = std::lower_bound(kids.begin(), kids.end(), name,
                             [this](NodeId id, std::string_view n) { return this->name(id) < n; });
  if (it == kids.end() || this->name(*it) != name) return kNoNode;
  return *it;
}

NodeId LayerIndex::FindPath(std::string_view path) const {
  NodeId node = kRootNode;
  while (!path.empty()) {
    if (nodes_[node].type != NodeType::kDirectory) return kNoNode;
    size_t slash = path.find('/');
    node = FindChild(node, path.substr(0, slash));
    if (node == kNoNode) return kNoNode;
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return node;
}

}  // namespace layerfs
