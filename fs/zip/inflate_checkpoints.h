// Inflate checkpoints: places inside one deflate stream where decompression
// can restart without starting from the beginning (the zran idea): the
// output offset, the input offset and bit position of a deflate block
// boundary, and the 32 KiB window of output that precedes it.
//
// CheckpointIndex holds the checkpoints of one entry, recorded by whichever
// stream first passes each point; it is internally locked (mu_), shared by
// every open file of that entry (fs/read/checkpoint_store.h keeps them
// within a memory budget).
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace layerfs {

struct InflateCheckpoint {
  uint64_t out_offset = 0;  // uncompressed bytes before this point
  uint64_t in_offset = 0;   // compressed bytes fully consumed
  int bits = 0;             // unused bits of the byte before in_offset
  std::vector<char> window; // the output preceding out_offset, <= 32 KiB
};

class CheckpointIndex {
 public:
  // Checkpoints are recorded at most every `spacing` output bytes.
  explicit CheckpointIndex(uint64_t spacing) : spacing_(spacing) {}

  uint64_t spacing() const { return spacing_; }
  // The last checkpoint at or before `out_offset`, if any.
  std::optional<InflateCheckpoint> Before(uint64_t out_offset) const;
  // Whether a checkpoint at `out_offset` would be recorded (it is at least
  // `spacing` past the last one). Cheap: lets callers skip building one.
  bool Wants(uint64_t out_offset) const;
  void Add(InflateCheckpoint checkpoint);
  uint64_t bytes() const;

 private:
  const uint64_t spacing_;
  mutable std::mutex mu_;                    // guards checkpoints_
  std::vector<InflateCheckpoint> checkpoints_;  // sorted by out_offset
};

}  // namespace layerfs
