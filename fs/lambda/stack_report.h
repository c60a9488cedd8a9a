// StackReport: what `layerfs inspect` says about a stack of layer zips
// before anyone runs a function on it.
//
// Per layer: entry counts, compressed and uncompressed sizes, and the
// runtime directories it provides (python/, nodejs/node20/node_modules/,
// java/lib/, bin/, ...). For the stack: every path a later layer shadows
// (who wins, whom it hides, and whether a file and a directory clash
// there), Lambda's rules (fs/lambda/stack_rules.h), and the problems that only
// show once the function runs:
//   - runtime-mismatch: python/lib/python3.9 in a layer for a python3.12
//     function, nodejs/node18 for nodejs20.x, ruby/gems/3.2.0 for ruby3.3,
//     or a whole language directory the runtime never reads (a note);
//   - not-executable: a bootstrap or extensions/* file that the function's
//     user ("other") may not execute;
//   - not-world-readable: files without o+r and directories without o+rx
//     (AWS refuses to publish those, and the function could not read them);
//   - elf-architecture: ELF files whose e_machine is not the function's
//     architecture (checked in .so/.so.N/.node files, executables, and
//     bin/, lib/ and extensions/: the places a binary is loaded from);
//   - index-warning: names a layer's index skipped or altered;
//   - unreadable-entry: an entry whose first bytes could not be read.
// The union is walked with the same rules as fs/union/union_view.h (a later
// layer replaces a path whatever the types; directories merge), over the
// whole tree at once, since a report wants every path, not lazily.
//
// A report reads the layers' indexes and, for ELF checks, the first 20
// bytes of candidate entries (inflating only that much). Plain values and
// functions of immutable layers: safe from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fs/zip/archive.h"
#include "fs/union/layer.h"
#include "fs/lambda/stack_rules.h"
#include "fs/base/status.h"

namespace layerfs {

struct LayerSummary {
  uint64_t entries = 0;             // central-directory records
  uint64_t files = 0;               // in the layer's tree (what unzip -o leaves)
  uint64_t directories = 0;         // including implied ones, not the root
  uint64_t symlinks = 0;
  uint64_t compressed_bytes = 0;    // sum over entries
  uint64_t uncompressed_bytes = 0;  // sum over entries: what Lambda counts
  // The runtime directories present, each ending in '/': "python/",
  // "python/lib/python3.12/site-packages/", "nodejs/node_modules/",
  // "nodejs/node20/node_modules/", "java/lib/", "ruby/gems/3.3.0/",
  // "ruby/lib/", "bin/", "lib/", "extensions/"; and "bootstrap" when the
  // layer carries a custom runtime. In that order.
  std::vector<std::string> runtime_paths;
};

LayerSummary SummarizeLayer(const Layer& layer);

// The sum of the entries' uncompressed sizes.
uint64_t UnzippedBytes(const Archive& archive);

// The unzipped size of a function's code: a zip (its entries) or a
// directory (its regular files, symlinks not followed).
Result<uint64_t> MeasureFunctionCode(const std::string& zip_or_dir);

struct EntryMode {
  std::string path;
  NodeType type = NodeType::kFile;
  uint16_t mode = 0;
};

// Files without o+r and explicit directories without o+rx, in tree order.
// Symlinks are left out: their own mode is never consulted.
std::vector<EntryMode> NotWorldReadable(const LayerIndex& index);

struct HiddenCopy {
  size_t layer = 0;
  NodeType type = NodeType::kFile;
  bool operator==(const HiddenCopy&) const = default;
};

struct ShadowedPath {
  std::string path;
  size_t winner = 0;                     // the layer whose entry is served
  NodeType winner_type = NodeType::kFile;
  std::vector<HiddenCopy> hidden;        // top first; a hidden directory hides its subtree
  bool type_clash = false;               // a file (or symlink) and a directory meet here
};

struct ReportLayer {
  std::shared_ptr<const Layer> layer;
  StackLayer identity;  // unzipped_bytes is filled in from the layer
};

struct StackReport {
  std::vector<StackLayer> identities;   // as given, unzipped_bytes filled in
  std::vector<LayerSummary> layers;
  std::vector<ShadowedPath> shadowed;   // sorted by path
  std::vector<Finding> findings;        // stack-wide first, then by layer
  uint64_t unzipped_bytes = 0;          // layers plus the function's code
};

// `function.architecture` empty skips the ELF check; `function.runtime`
// empty skips the runtime checks.
StackReport BuildStackReport(const std::vector<ReportLayer>& layers,
                             const FunctionTarget& function, const RuleOptions& rules);

// The ELF e_machine of a Lambda architecture: 62 for x86_64, 183 for
// arm64; 0 for anything else.
uint16_t ElfMachineFor(std::string_view architecture);
// "x86_64", "aarch64", "i386", "arm", ... or "machine N".
std::string ElfMachineName(uint16_t machine);

// "file", "directory", "symlink".
std::string_view NodeTypeName(NodeType type);

}  // namespace layerfs
