// InflateStream: sequential raw-deflate decompression of one zip entry,
// read straight from the archive with pread() and zlib, that can restart
// at a recorded checkpoint instead of at the start of the entry.
//
// While it inflates, it records a checkpoint (see fs/zip/inflate_checkpoints.h)
// at the first deflate block boundary after every `spacing` bytes of
// output, so any later seek costs at most about one spacing of work. When
// a stream runs from offset 0 to the end without a seek, it checks the
// entry's CRC-32 and size.
//
// Not thread-safe: one stream belongs to one open file, whose reader
// serialises access to it.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "fs/zip/archive.h"
#include "fs/zip/inflate_checkpoints.h"
#include "fs/base/status.h"

namespace layerfs {

class InflateStream {
 public:
  InflateStream(const Archive& archive, uint32_t record, uint64_t data_offset,
                std::shared_ptr<CheckpointIndex> checkpoints);
  ~InflateStream();
  InflateStream(const InflateStream&) = delete;
  InflateStream& operator=(const InflateStream&) = delete;

  // The uncompressed offset the next Inflate() starts at.
  uint64_t position() const { return position_; }

  // Moves to the best restart point for reaching `target`: the current
  // position if it is at or before `target` and no checkpoint is closer,
  // else the last checkpoint at or before `target`, else the start.
  Status SeekNear(uint64_t target);

  // Fills `out` from position(); fewer bytes only at the end of the entry.
  Result<size_t> Inflate(std::span<char> out);

 private:
  Status Restart();
  Status RestartAt(const InflateCheckpoint& checkpoint);
  Status Refill();
  Status Stalled() const;  // why zlib can make no progress
  void MaybeCheckpoint();
  Status Finish();

  const Archive& archive_;
  const uint32_t record_;
  const uint64_t data_offset_;
  const uint64_t compressed_size_;
  const uint64_t uncompressed_size_;
  const std::shared_ptr<CheckpointIndex> checkpoints_;

  z_stream strm_{};
  bool initialised_ = false;
  bool ended_ = false;
  std::vector<unsigned char> input_;
  uint64_t input_offset_ = 0;  // compressed bytes handed to zlib so far
  uint64_t position_ = 0;      // uncompressed bytes produced so far
  bool crc_valid_ = true;      // produced continuously from offset 0
  uLong crc_ = 0;
};

}  // namespace layerfs
