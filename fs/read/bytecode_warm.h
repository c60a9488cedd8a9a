// BytecodeWarm: decompresses the compiled modules of a __pycache__
// directory into the read cache, on a background thread, as soon as the
// first of them is read.
//
// Why: an interpreter importing a package reads one compiled module
// (P/__pycache__/M.cpython-311.pyc) after another, each decompressed
// while it waits: on the bench's `import pandas`, 350 modules and 60 ms
// of inflating on its critical path. It never lists __pycache__, so the
// kernel does not know those files until it looks each up, and nothing
// can be handed to its page cache ahead (mount/page_push.h); but the read
// cache can hold them decompressed, and the other core is mostly idle
// while the interpreter runs the modules it has.
//
// What: the first read of a file named like compiled bytecode
// (NAME.TAG.pyc) in a directory named __pycache__ plans that directory
// once: its other files with the same TAG (same interpreter, same
// optimisation level), in listing order, compressed, in a local layer
// (a remote one would download them), no larger than Options::max_file_size,
// until Options::bytes are planned. Each file is planned once per view.
//
// Thread-safety: AfterFirstRead() may be called from any thread. mu_
// guards the set of directories planned; the CacheWarmer's thread
// decompresses, outside it. The destructor stops and joins that thread;
// the pool and the resources must outlive this object.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "fs/read/cache_warmer.h"
#include "fs/read/reader_pool.h"
#include "fs/union/node_bits.h"
#include "fs/union/union_view.h"

namespace layerfs {

// "M.cpython-311.pyc" -> ".cpython-311.pyc"; empty for a name that is not
// compiled bytecode.
std::string_view BytecodeTag(std::string_view name);

class BytecodeWarm {
 public:
  struct Options {
    uint64_t bytes = 8ull << 20;              // planned per directory
    uint64_t max_file_size = 4ull << 20;      // larger modules are left alone
  };
  using Stats = CacheWarmer::Stats;  // modules decompressed ahead, their bytes

  BytecodeWarm(ReaderPool& readers, ReadResources& resources, Options options);
  BytecodeWarm(const BytecodeWarm&) = delete;
  BytecodeWarm& operator=(const BytecodeWarm&) = delete;

  // `file` of `view` was just read for the first time.
  void AfterFirstRead(std::shared_ptr<const UnionView> view, const UnionNode& file);

  // The modules to warm after a read of `file`, in the order they would be
  // decompressed; marks them planned. (AfterFirstRead queues these.)
  std::vector<const UnionNode*> Plan(const UnionNode& file);

  Stats stats() const;

 private:
  bool Wants(const UnionNode& node, std::string_view tag) const;

  const Options options_;
  std::mutex mu_;
  NodeBits dirs_;       // __pycache__ directories planned; guarded by mu_
  CacheWarmer warmer_;  // last: its thread stops before the rest goes
};

}  // namespace layerfs
