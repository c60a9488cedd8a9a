// EntrySpill: one large compressed entry's decompressed bytes, written
// once, front to back, into an unlinked file of the spill directory by a
// background decoder (ISA-L for deflate, liblzma or libzstd for the
// others), and read back with pread() by every reader of the entry. The
// bytes live in the kernel's page cache (or on disk), never in the
// daemon's heap.
//
// The filled prefix [0, frontier) only grows. A read whose range is below
// the frontier is served at once; a read ahead of it waits while the
// decoder runs and makes progress (it is sequential and at least as fast
// as any restart from a checkpoint or from the start would be), and gives
// up to the caller's fallback (its own decoding) if the fill stalls or
// stops. So a random read costs no decompression of its own: the work of
// one request is bounded by the wait, whatever the entry's size.
//
// When the decoder reaches the end, the entry's CRC-32 and size are
// checked (fs/zip/entry_decoder.h): a mismatch, or data that cannot be
// decoded, marks the spill corrupt and every later read fails with
// kCorrupt, never returns the bytes. Any other failure (disk full, I/O
// error) marks it failed: readers fall back, the caller logs once.
//
// Thread-safety: one filler thread calls Fill(); any number of readers call
// Read() at once. mu_ guards frontier_ and state_, cv_ signals their
// changes; fd_ and size_ are constant after construction, and pread() on
// the shared fd needs no lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>

#include "fs/base/status.h"
#include "fs/base/unique_fd.h"
#include "fs/zip/entry_decoder.h"

namespace layerfs {

class EntrySpill {
 public:
  enum class State { kFilling, kComplete, kFailed, kCorrupt };

  // `fd` is an unlinked, writable file; `size` the entry's uncompressed size.
  EntrySpill(UniqueFd fd, uint64_t size, std::string label);
  EntrySpill(const EntrySpill&) = delete;
  EntrySpill& operator=(const EntrySpill&) = delete;

  // Reads [offset, offset + out.size()) clipped to the entry. Sets
  // `*fallback` (and returns 0) when the spill cannot serve the range:
  // the caller must then read it another way.
  Result<size_t> Read(uint64_t offset, std::span<char> out, bool* fallback);

  // Decodes the whole entry from `decoder` (at its start) into the file,
  // publishing progress as it goes; stops early, as failed, once `stop` is
  // set. Adds the bytes produced to `*inflated`. Returns why it failed.
  // Called by the filler when it begins: until then readers do not wait.
  void Start();
  Status Fill(EntryDecoder& decoder, const std::atomic<bool>& stop,
              std::atomic<uint64_t>* inflated);

  uint64_t size() const { return size_; }
  const std::string& label() const { return label_; }
  State state() const;
  uint64_t frontier() const;

 private:
  void Publish(uint64_t frontier);
  void End(State state);

  const UniqueFd fd_;
  const uint64_t size_;
  const std::string label_;

  mutable std::mutex mu_;  // guards frontier_ and state_
  std::condition_variable cv_;
  uint64_t frontier_ = 0;
  State state_ = State::kFilling;
  bool started_ = false;  // a worker is filling (readers may wait for it)
};

}  // namespace layerfs
