#include "fs/lambda/stack_report.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <utility>

#include "fs/lambda/lambda_runtime.h"
#include "fs/union/directory_merge.h"
#include "fs/base/printable.h"

namespace layerfs {

namespace {

namespace stdfs = std::filesystem;

constexpr uint16_t kElfMachineX86_64 = 62;
constexpr uint16_t kElfMachineAarch64 = 183;
// e_ident (16 bytes), e_type (2), e_machine (2).
constexpr size_t kElfHeadBytes = 20;

std::string JoinPath(const std::string& parent, std::string_view name) {
  return parent.empty() ? std::string(name) : parent + "/" + std::string(name);
}

bool IsDirectory(const LayerIndex& index, std::string_view path) {
  NodeId n = index.FindPath(path);
  return n != kNoNode && index.node(n).type == NodeType::kDirectory;
}

// The names of the subdirectories of `path` (sorted), empty when it is no
// directory.
std::vector<std::string> SubdirectoryNames(const LayerIndex& index, std::string_view path) {
  std::vector<std::string> names;
  NodeId dir = index.FindPath(path);
  if (dir == kNoNode || index.node(dir).type != NodeType::kDirectory) return names;
  for (NodeId child : index.children(dir)) {
    if (index.node(child).type == NodeType::kDirectory) names.emplace_back(index.name(child));
  }
  return names;
}

bool IsNodeVersionDir(std::string_view name) {
  return name.size() > 4 && name.starts_with("node") &&
         std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Every node below the root in preorder (children sorted), with its path.
// An explicit stack: hostile zips can nest thousands of levels deep.
template <typename Visit>
void ForEachNode(const LayerIndex& index, Visit visit) {
  std::vector<std::pair<NodeId, std::string>> stack;
  auto push_children = [&](NodeId dir, const std::string& path) {
    std::span<const NodeId> kids = index.children(dir);
    for (size_t k = kids.size(); k-- > 0;) {
      stack.emplace_back(kids[k], JoinPath(path, index.name(kids[k])));
    }
  };
  push_children(kRootNode, "");
  while (!stack.empty()) {
    auto [id, path] = std::move(stack.back());
    stack.pop_back();
    visit(id, path);
    if (index.node(id).type == NodeType::kDirectory) push_children(id, path);
  }
}

// The first bytes of an entry, decompressing no more than needed.
// Where a loader or exec would pick up a binary.
bool IsElfCandidate(const LayerNode& node, std::string_view path, std::string_view name) {
  if (node.type != NodeType::kFile || node.size < kElfHeadBytes) return false;
  return (node.mode & 0111) != 0 || name.ends_with(".so") ||
         name.find(".so.") != std::string_view::npos || name.ends_with(".node") ||
         path.starts_with("bin/") || path.starts_with("lib/") || path.starts_with("extensions/");
}

class LayerChecker {
 public:
  LayerChecker(const ReportLayer& layer, size_t position, const FunctionTarget& function,
               std::vector<Finding>& out)
      : layer_(*layer.layer),
        name_(LayerName(position, layer.identity.label)),
        position_(position),
        function_(function),
        runtime_(ParseRuntime(function.runtime)),
        out_(out) {}

  void Run() {
    for (const IndexWarning& w : layer_.index().warnings()) {
      Add(Severity::kWarning, "index-warning", w.entry, "entry '" + w.entry + "': " + w.reason);
    }
    if (!function_.runtime.empty()) CheckRuntimeDirs();
    for (const EntryMode& e : NotWorldReadable(layer_.index())) {
      std::string what = e.type == NodeType::kDirectory ? "directory" : "file";
      std::string lacks = e.type == NodeType::kDirectory ? "o+rx" : "o+r";
      Add(Severity::kWarning, "not-world-readable", e.path,
          what + " " + e.path + " has mode " + OctalMode(e.mode) + ", without " + lacks +
              ": the function's user cannot read it, and AWS refuses to publish such a layer");
    }
    uint16_t expected = ElfMachineFor(function_.architecture);
    if (expected != 0) CheckElfMachines(expected);
  }

 private:
  void Add(Severity severity, std::string check, std::string path, const std::string& what) {
    out_.push_back({severity, std::move(check), position_, std::move(path), name_ + ": " + what});
  }

  void CheckRuntimeDirs() {
    const LayerIndex& index = layer_.index();
    const std::string wanted = VersionedLayerDir(runtime_);
    switch (runtime_.family) {
      case RuntimeFamily::kPython:
        for (const std::string& d : SubdirectoryNames(index, "python/lib")) {
          if (d.starts_with("python") && d != "python" + runtime_.version) {
            Mismatch("python/lib/" + d, wanted + " and python/");
          }
        }
        break;
      case RuntimeFamily::kNodejs:
        for (const std::string& d : SubdirectoryNames(index, "nodejs")) {
          if (IsNodeVersionDir(d) && !runtime_.version.empty() && d != "node" + runtime_.version) {
            Mismatch("nodejs/" + d, wanted + " and nodejs/node_modules");
          }
        }
        break;
      case RuntimeFamily::kRuby:
        for (const std::string& d : SubdirectoryNames(index, "ruby/gems")) {
          if (d != runtime_.version + ".0") Mismatch("ruby/gems/" + d, wanted);
        }
        break;
      default:
        break;
    }
    // A language directory the function's runtime never reads. Custom and
    // unknown runtimes may read anything, so only the managed ones count.
    if (runtime_.family == RuntimeFamily::kUnknown || runtime_.family == RuntimeFamily::kProvided) {
      return;
    }
    for (RuntimeFamily other : {RuntimeFamily::kPython, RuntimeFamily::kNodejs,
                                RuntimeFamily::kJava, RuntimeFamily::kRuby}) {
      std::string dir(FamilyLayerDir(other));
      if (other != runtime_.family && IsDirectory(index, dir)) {
        Add(Severity::kNote, "runtime-mismatch", dir,
            dir + "/ is for " + std::string(FamilyName(other)) + " runtimes; " +
                function_.runtime + " does not read it");
      }
    }
  }

  void Mismatch(const std::string& path, const std::string& searched) {
    Add(Severity::kWarning, "runtime-mismatch", path,
        path + " is not on the search path of " + function_.runtime + " (it reads " +
            searched + ")");
  }

  void CheckElfMachines(uint16_t expected) {
    const LayerIndex& index = layer_.index();
    const Archive& archive = layer_.archive();
    ForEachNode(index, [&](NodeId id, const std::string& path) {
      const LayerNode& node = index.node(id);
      if (!IsElfCandidate(node, path, index.name(id))) return;
      std::array<char, kElfHeadBytes> head{};
      Result<size_t> n = archive.ReadPrefix(node.record, head);
      if (!n.ok()) {
        bool unsupported = n.status().code() == ErrorCode::kUnsupported;
        Add(unsupported ? Severity::kNote : Severity::kWarning, "unreadable-entry", path,
            path + ": not checked for its architecture: " + n.status().message());
        return;
      }
      if (*n < kElfHeadBytes || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' ||
          head[3] != 'F') {
        return;
      }
      auto byte = [&](size_t i) { return uint16_t(static_cast<unsigned char>(head[i])); };
      uint16_t machine;
      if (head[5] == 1) {
        machine = uint16_t(byte(18) | byte(19) << 8);
      } else if (head[5] == 2) {
        machine = uint16_t(byte(18) << 8 | byte(19));
      } else {
        return;
      }
      if (machine == expected) return;
      Add(Severity::kWarning, "elf-architecture", path,
          path + " is an ELF binary for " + ElfMachineName(machine) + " (e_machine " +
              std::to_string(machine) + "); the function runs on " + function_.architecture +
              " (" + std::to_string(expected) + ")");
    });
  }

  const Layer& layer_;
  const std::string name_;
  const size_t position_;
  const FunctionTarget& function_;
  const RuntimeId runtime_;
  std::vector<Finding>& out_;
};

// The union walk: the mount's own merge (fs/union/directory_merge.h)
// applied to the whole tree, recording what each name hides.
class UnionWalker {
 public:
  UnionWalker(const std::vector<ReportLayer>& layers, StackReport& report)
      : layers_(layers), report_(report) {
    for (const ReportLayer& l : layers_) indexes_.push_back(&l.layer->index());
  }

  void Run() {
    std::vector<LayerRef> all;
    for (size_t i = layers_.size(); i-- > 0;) all.push_back({uint32_t(i), kRootNode});
    std::vector<std::pair<std::vector<LayerRef>, std::string>> stack = {{all, ""}};
    while (!stack.empty()) {
      auto [merged, path] = std::move(stack.back());
      stack.pop_back();
      WalkDirectory(merged, path, stack);
    }
    std::sort(report_.shadowed.begin(), report_.shadowed.end(),
              [](const ShadowedPath& a, const ShadowedPath& b) { return a.path < b.path; });
  }

 private:
  const LayerIndex& Index(uint32_t layer) const { return layers_[layer].layer->index(); }
  const LayerNode& Node(LayerRef ref) const { return Index(ref.layer).node(ref.node); }

  void WalkDirectory(const std::vector<LayerRef>& merged, const std::string& path,
                     std::vector<std::pair<std::vector<LayerRef>, std::string>>& stack) {
    for (MergedName& name : MergeDirectory(indexes_, merged, /*with_hidden=*/true)) {
      std::string child_path = JoinPath(path, name.name);
      const LayerRef winner = name.merged.front();
      const bool winner_is_dir = Node(winner).type == NodeType::kDirectory;
      if (!name.hidden.empty()) {
        ShadowedPath shadowed{child_path, winner.layer, Node(winner).type, {}, false};
        for (const LayerRef& copy : name.hidden) {
          NodeType type = Node(copy).type;
          shadowed.hidden.push_back({copy.layer, type});
          if ((type == NodeType::kDirectory) != winner_is_dir) shadowed.type_clash = true;
        }
        report_.shadowed.push_back(std::move(shadowed));
      }
      CheckExecutable(winner, path, name.name, child_path);
      if (winner_is_dir) stack.emplace_back(std::move(name.merged), std::move(child_path));
    }
  }

  // Lambda execs /opt/bootstrap (for a custom runtime without one in the
  // function) and every file in /opt/extensions as the function's user.
  void CheckExecutable(LayerRef winner, const std::string& parent, std::string_view name,
                       const std::string& path) {
    const LayerNode& node = Node(winner);
    bool exec_path = (parent.empty() && name == "bootstrap") || parent == "extensions";
    if (!exec_path || node.type != NodeType::kFile || (node.mode & 0001) != 0) return;
    report_.findings.push_back(
        {Severity::kWarning, "not-executable", winner.layer, path,
         LayerName(winner.layer, layers_[winner.layer].identity.label) + ": " + path +
             " has mode " + OctalMode(node.mode) +
             ", not executable by others: Lambda runs it as the function's user and gets "
             "\"permission denied\""});
  }

  const std::vector<ReportLayer>& layers_;
  std::vector<const LayerIndex*> indexes_;  // layers_[i].layer->index()
  StackReport& report_;
};

}  // namespace

std::string_view NodeTypeName(NodeType type) {
  switch (type) {
    case NodeType::kDirectory: return "directory";
    case NodeType::kFile: return "file";
    case NodeType::kSymlink: return "symlink";
  }
  return "file";
}

uint16_t ElfMachineFor(std::string_view architecture) {
  if (architecture == "x86_64") return kElfMachineX86_64;
  if (architecture == "arm64") return kElfMachineAarch64;
  return 0;
}

std::string ElfMachineName(uint16_t machine) {
  switch (machine) {
    case 3: return "i386";
    case 8: return "mips";
    case 20: return "ppc";
    case 21: return "ppc64";
    case 22: return "s390";
    case 40: return "arm";
    case kElfMachineX86_64: return "x86_64";
    case kElfMachineAarch64: return "aarch64";
    case 243: return "riscv";
    default: return "machine " + std::to_string(machine);
  }
}

uint64_t UnzippedBytes(const Archive& archive) {
  uint64_t total = 0;
  for (const ZipRecord& r : archive.directory().records()) total += r.uncompressed_size;
  return total;
}

LayerSummary SummarizeLayer(const Layer& layer) {
  LayerSummary s;
  const auto& records = layer.archive().directory().records();
  s.entries = records.size();
  for (const ZipRecord& r : records) {
    s.compressed_bytes += r.compressed_size;
    s.uncompressed_bytes += r.uncompressed_size;
  }
  const LayerIndex& index = layer.index();
  for (NodeId id = kRootNode + 1; id < index.node_count(); ++id) {
    switch (index.node(id).type) {
      case NodeType::kDirectory: ++s.directories; break;
      case NodeType::kFile: ++s.files; break;
      case NodeType::kSymlink: ++s.symlinks; break;
    }
  }
  auto add_if_dir = [&](const std::string& path) {
    if (IsDirectory(index, path)) s.runtime_paths.push_back(path + "/");
  };
  add_if_dir("python");
  for (const std::string& d : SubdirectoryNames(index, "python/lib")) {
    if (d.starts_with("python")) add_if_dir("python/lib/" + d + "/site-packages");
  }
  add_if_dir("nodejs/node_modules");
  for (const std::string& d : SubdirectoryNames(index, "nodejs")) {
    if (IsNodeVersionDir(d)) add_if_dir("nodejs/" + d + "/node_modules");
  }
  add_if_dir("java/lib");
  for (const std::string& d : SubdirectoryNames(index, "ruby/gems")) add_if_dir("ruby/gems/" + d);
  add_if_dir("ruby/lib");
  add_if_dir("bin");
  add_if_dir("lib");
  add_if_dir("extensions");
  NodeId bootstrap = index.FindChild(kRootNode, "bootstrap");
  if (bootstrap != kNoNode && index.node(bootstrap).type != NodeType::kDirectory) {
    s.runtime_paths.push_back("bootstrap");
  }
  return s;
}

std::vector<EntryMode> NotWorldReadable(const LayerIndex& index) {
  std::vector<EntryMode> out;
  ForEachNode(index, [&](NodeId id, const std::string& path) {
    const LayerNode& n = index.node(id);
    bool bad = (n.type == NodeType::kFile && (n.mode & 0004) == 0) ||
               (n.type == NodeType::kDirectory && n.explicit_entry && (n.mode & 0005) != 0005);
    if (bad) out.push_back({path, n.type, n.mode});
  });
  return out;
}

Result<uint64_t> MeasureFunctionCode(const std::string& zip_or_dir) {
  std::error_code ec;
  stdfs::file_status st = stdfs::status(zip_or_dir, ec);
  if (ec) return Status::NotFound(zip_or_dir + ": " + ec.message());
  if (stdfs::is_directory(st)) {
    uint64_t total = 0;
    stdfs::recursive_directory_iterator it(zip_or_dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::error_code entry_ec;
      if (it->is_regular_file(entry_ec) && !it->is_symlink(entry_ec)) {
        uint64_t size = it->file_size(entry_ec);
        if (!entry_ec) total += size;
      }
    }
    if (ec) return Status::IoError(zip_or_dir + ": " + ec.message());
    return total;
  }
  Result<std::unique_ptr<Archive>> archive = Archive::Open(zip_or_dir);
  if (!archive.ok()) return archive.status();
  return UnzippedBytes(**archive);
}

StackReport BuildStackReport(const std::vector<ReportLayer>& layers,
                             const FunctionTarget& function, const RuleOptions& rules) {
  StackReport report;
  for (const ReportLayer& l : layers) {
    report.identities.push_back(l.identity);
    report.identities.back().unzipped_bytes = UnzippedBytes(l.layer->archive());
    report.unzipped_bytes += report.identities.back().unzipped_bytes;
    report.layers.push_back(SummarizeLayer(*l.layer));
  }
  report.unzipped_bytes += function.code_unzipped_bytes.value_or(0);
  report.findings = CheckStackRules(report.identities, function, rules);
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerChecker(layers[i], i, function, report.findings).Run();
  }
  UnionWalker(layers, report).Run();
  // Group by layer (the stack-wide rules first), keeping each check's order.
  std::stable_sort(report.findings.begin(), report.findings.end(),
                   [](const Finding& a, const Finding& b) {
                     size_t la = a.layer ? *a.layer + 1 : 0;
                     size_t lb = b.layer ? *b.layer + 1 : 0;
                     return la < lb;
                   });
  return report;
}

}  // namespace layerfs
