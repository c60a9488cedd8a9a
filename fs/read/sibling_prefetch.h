// SiblingPrefetch: after a file's first read, which files to warm next
// (those a tree walker reads after it), and which were warmed already.
//
// Why: tools that walk a tree read each directory in listing order
// (find | xargs cat, tar, cp -r, rsync), and an interpreter importing a
// package reads many of its modules and their cached bytecode, which sit
// side by side. On a FUSE mount each first read of a file is a round trip
// to the daemon while the reader waits; the files listed after it can be
// decompressed on the other core meanwhile and handed to the kernel's
// page cache (mount/page_push.h), so those reads never leave the kernel.
//
// What: the files a tree walker reads next, in its order: the entries
// listed after the one read, descending into each subdirectory met and,
// at the end of the directory, going on after it in its parent's
// listing, as `find` does. Only directories whose entries the kernel was
// given with their attributes (Listed(): a readdirplus) are entered, since
// a page cache exists only for files the kernel knows. Up to
// Options::files regular files and Options::bytes in all, each not empty
// and no larger than Options::max_file_size (larger ones are read ahead by
// the kernel's own readahead), looking at no more than
// Options::max_visits entries, and never one planned before in this view.
// A file read counts as planned: its bytes reached the kernel already.
// The window grows while reads keep arriving where the last plan ended,
// as the kernel's readahead grows for a sequential reader.
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
    uint32_t max_visits = 512;             // entries looked at per plan
    // A reader that reaches the end of what was planned for it is walking
    // the tree: each such read doubles the window (files, bytes, entries
    // looked at), up to this many times the first. Any other read starts
    // it over.
    uint32_t max_growth = 16;
  };

  // `eligible` says whether a file may be warmed at all (its layer's kind).
  explicit SiblingPrefetch(Options options,
                           std::function<bool(const UnionNode&)> eligible = nullptr)
      : options_(options), eligible_(std::move(eligible)) {}

  const Options& options() const { return options_; }

  // The kernel was handed `dir`'s entries (readdirplus).
  void Listed(const UnionNode& dir);

  // `file` (a regular file of a view) was just read for the first time:
  // returns the files to warm now, in the order a walker reads them, and
  // marks them (and `file`) planned.
  std::vector<const UnionNode*> Plan(const UnionNode& file);

  // `file` is about to be read (opened, or mapped by a loader): true if it
  // was not planned before and is worth warming whole now (as Plan() would
  // pick it, but no larger than `max_size`); marks it planned.
  bool Claim(const UnionNode& file, uint64_t max_size);

 private:
  bool WantsLocked(const UnionNode& node) const {
    return WantsLocked(node, options_.max_file_size);
  }
  bool WantsLocked(const UnionNode& node, uint64_t max_size) const;

  const Options options_;
  const std::function<bool(const UnionNode&)> eligible_;
  std::mutex mu_;
  NodeBits planned_;  // files planned or read; guarded by mu_
  NodeBits listed_;   // directories listed; guarded by mu_
  // Where the last plan stopped: the next file a walker would read after
  // it, never dereferenced (compared only); and the window's growth.
  const UnionNode* resume_ = nullptr;  // guarded by mu_
  uint32_t growth_ = 1;                // guarded by mu_
};

}  // namespace layerfs
