// PrefetchLibraries: starts the spill of the large shared libraries of a
// mounted stack as soon as it serves, before any process asks for them.
//
// Why: the dynamic loader reads a shared library out of order (it applies
// relocations near the end of the file first), and no deflate reader can
// reach the end of an entry without inflating everything before it. So the
// first mmap of a 100 MiB library (libLLVM, libtorch, OpenBLAS) waits for
// the whole inflate, which is the bulk of an ML layer's cold import.
// Queued right after mount, the spill of each such library is usually done
// by the time the interpreter gets to it.
//
// What: regular files of the union named like shared libraries ("x.so",
// "x.so.1.2", "x.cpython-311-x86_64-linux-gnu.so"), too large to be
// decompressed whole (ReadResources::whole_entry_limit), compressed, in a
// local layer (a remote one would download it), in listing order, until
// half the spill's capacity is queued (readers keep the rest). The spill
// store fills them behind every reader's spill and evicts them first.
//
// Thread-safety: runs on the caller's thread (the daemon's background
// merger); the view and the spill store are safe to share.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>

#include "fs/read/file_reader.h"
#include "fs/union/union_view.h"

namespace layerfs {

struct PrefetchSummary {
  uint64_t entries = 0;  // spills queued
  uint64_t bytes = 0;    // their uncompressed bytes
};

// True for names a dynamic loader or CPython would map as a shared object.
bool IsSharedLibraryName(std::string_view name);

// Returns early, having queued what it had, once `stop` is set.
PrefetchSummary PrefetchLibraries(const UnionView& view, ReadResources& resources,
                                  const std::atomic<bool>& stop);

}  // namespace layerfs
