// OpenFiles: the files the kernel holds open, owned here so that a mount
// stopped with files still open (SIGTERM, unmount --lazy) frees them.
//
// The kernel's file handle (fuse_file_info::fh) carries the OpenFile's
// address, so reads reach it without a lock; the kernel sends no read on
// a handle after its release. Only open and release take the mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "fs/file_reader.h"
#include "fs/status.h"

namespace layerfs {

// One open file: its reader, or why it has none (reported on read, so an
// unreadable entry still opens and lists like any other).
struct OpenFile {
  std::unique_ptr<FileReader> reader;
  Status error;
};

class OpenFiles {
 public:
  // Takes ownership; returns the handle to give the kernel.
  uint64_t Add(std::unique_ptr<OpenFile> file) {
    uint64_t handle = reinterpret_cast<uint64_t>(file.get());
    std::lock_guard lock(mu_);
    files_.emplace(handle, std::move(file));
    return handle;
  }

  static OpenFile& Get(uint64_t handle) { return *reinterpret_cast<OpenFile*>(handle); }

  // Frees the file behind `handle` (the kernel's release).
  void Remove(uint64_t handle) {
    std::unique_ptr<OpenFile> file;
    {
      std::lock_guard lock(mu_);
      auto it = files_.find(handle);
      if (it == files_.end()) return;
      file = std::move(it->second);
      files_.erase(it);
    }
    // The reader is destroyed outside the lock: it may return cache blocks.
  }

  size_t size() const {
    std::lock_guard lock(mu_);
    return files_.size();
  }

 private:
  mutable std::mutex mu_;  // guards files_
  std::unordered_map<uint64_t, std::unique_ptr<OpenFile>> files_;
};

}  // namespace layerfs
