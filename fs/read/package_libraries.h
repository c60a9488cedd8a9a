// PackageLibraries: decompresses the shared libraries of a package into
// the read cache as soon as the package is first read, on a background
// thread, before the dynamic loader asks for them.
//
// Why: a loader's first read of a library (its ELF header) waits for the
// whole entry to be inflated, since the loader goes on to map and touch
// the rest at once; on the bench's `import pandas` those first reads were
// a fifth of the import. A package whose modules are being read is about
// to load its extension modules (numpy/core/_multiarray_umath..., a Node
// addon's .node), while the interpreter still executes the modules that
// import them: the other core can inflate them meanwhile.
//
// What: the first read of a file in directory P (its parent, or the
// parent's parent for a file in __pycache__) plans P once: the files
// under P, breadth first in listing order, named like shared libraries
// (IsSharedLibraryName, or ending in ".node"), compressed, no larger than
// the whole-entry limit (larger ones are the spill's: library_prefetch),
// in a local layer (a remote one would download it), until Options::bytes
// are planned. A P with more than Options::max_nodes nodes below it is not a
// package but a root of many (site-packages, /opt/lib): nothing is planned
// there. Each library is planned once per view.
//
// Thread-safety: AfterFirstRead() may be called from any thread. mu_
// guards the sets; the CacheWarmer's thread decompresses, outside it. The
// destructor stops and joins that thread; the pool and the resources must
// outlive this object.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "fs/read/cache_warmer.h"
#include "fs/read/reader_pool.h"
#include "fs/union/node_bits.h"
#include "fs/union/union_view.h"

namespace layerfs {

// True for a name a loader would map: a shared library or a Node addon.
bool IsLoadableName(std::string_view name);

class PackageLibraries {
 public:
  struct Options {
    uint32_t max_nodes = 4096;  // a larger tree is not one package
    uint64_t bytes = 24ull << 20;  // planned per package
    uint64_t max_library_size = 16ull << 20;  // the whole-entry limit
  };
  struct Stats {
    uint64_t libraries = 0;  // decompressed ahead of the loader
    uint64_t bytes = 0;      // their uncompressed bytes
  };

  PackageLibraries(ReaderPool& readers, ReadResources& resources, Options options);
  PackageLibraries(const PackageLibraries&) = delete;
  PackageLibraries& operator=(const PackageLibraries&) = delete;

  // `file` of `view` was just read for the first time.
  void AfterFirstRead(std::shared_ptr<const UnionView> view, const UnionNode& file);

  // The libraries of the package `file` belongs to that are not planned
  // yet, in the order they would be decompressed; marks them planned.
  // (AfterFirstRead queues these.)
  std::vector<const UnionNode*> Plan(const UnionNode& file);

  Stats stats() const;

 private:
  std::vector<const UnionNode*> PlanLocked(const UnionNode& package);
  bool WantsLocked(const UnionNode& node) const;

  const Options options_;
  std::mutex mu_;
  NodeBits packages_;   // directories planned; guarded by mu_
  NodeBits planned_;    // libraries planned; guarded by mu_
  CacheWarmer warmer_;  // last: its thread stops before the rest goes
};

}  // namespace layerfs
