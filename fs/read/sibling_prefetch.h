// SiblingPrefetch: after a file's first read, which files of its
// directory to warm next, and which were warmed already.
//
// Why: tools that walk a tree read each directory in listing order
// (find | xargs cat, tar, cp -r, rsync), and an interpreter importing a
// package reads many of its modules and their cached bytecode, which sit
// side by side. On a FUSE mount each first read of a file is a round trip
// to the daemon while the reader waits; the files listed after it can be
// decompressed on the other core meanwhile and handed to the kernel's
// page cache (mount/page_push.h), so those reads never leave the kernel.
//
// What: only in a directory whose entries the kernel was given with their
// attributes (Listed(): a readdirplus), since a page cache exists only for
// files the kernel knows; the regular files listed after the one read, in listing order, up
// to Options::files of them and Options::bytes in all, each no larger than
// Options::max_file_size (larger ones are read ahead by the kernel's own
// readahead) and not empty, and never one planned before in this view. A
// file read counts as planned: its bytes reached the kernel already.
// Remote layers are left out by the caller's filter (a push there would
// download files no one asked for).
//
// Thread-safety: Plan() and Listed() may be called from any thread; mu_
// guards both sets. They follow one view: a node of another view (a
// remount) starts them afresh.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "fs/union/node_bits.h"
#include "fs/union/union_view.h"

namespace layerfs {

class SiblingPrefetch {
 public:
  struct Options {
    uint32_t files = 16;                   // files warmed ahead of a read
    uint64_t bytes = 4ull << 20;           // their bytes in all
    uint64_t max_file_size = 512ull << 10; // larger files are left alone
  };

  // `eligible` says whether a file may be warmed at all (its layer's kind).
  explicit SiblingPrefetch(Options options,
                           std::function<bool(const UnionNode&)> eligible = nullptr)
      : options_(options), eligible_(std::move(eligible)) {}

  // The kernel was handed `dir`'s entries (readdirplus).
  void Listed(const UnionNode& dir);

  // `file` (a regular file of a view) was just read for the first time:
  // returns the files of its directory to warm now, in listing order, and
  // marks them (and `file`) planned.
  std::vector<const UnionNode*> Plan(const UnionNode& file);

 private:
  const Options options_;
  const std::function<bool(const UnionNode&)> eligible_;
  std::mutex mu_;
  NodeBits planned_;  // files planned or read; guarded by mu_
  NodeBits listed_;   // directories listed; guarded by mu_
};

}  // namespace layerfs
