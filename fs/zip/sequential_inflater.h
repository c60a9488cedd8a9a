// SequentialInflater: the EntryDecoder (fs/zip/entry_decoder.h) for
// deflate: decompresses one deflated zip entry front to back, once, with
// ISA-L's inflate (about 2.5 times zlib's speed on the 110 MiB libLLVM of
// the bench's ML layer), for the spill's background fill
// (fs/read/entry_spill.h). It cannot seek and records no checkpoints: the
// spill needs neither, and InflateStream (zlib) stays the engine of every
// read that must start in the middle of an entry.
//
// When the entry's last byte is produced it checks the size and the
// CRC-32 (ISA-L computes it while it inflates) and that the deflate data
// ends there: a mismatch is kCorrupt, never returned as good bytes.
//
// Not thread-safe: one inflater belongs to one spill worker.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "fs/base/status.h"
#include "fs/zip/archive.h"
#include "fs/zip/entry_decoder.h"

struct inflate_state;

namespace layerfs {

class SequentialInflater final : public EntryDecoder {
 public:
  SequentialInflater(const Archive& archive, uint32_t record, uint64_t data_offset);
  ~SequentialInflater() override;
  SequentialInflater(const SequentialInflater&) = delete;
  SequentialInflater& operator=(const SequentialInflater&) = delete;

  // Fills `out` with the next bytes; fewer only at the end of the entry.
  Result<size_t> Decode(std::span<char> out) override;
  uint64_t position() const override { return position_; }

 private:
  Status Refill();
  Status Corrupt(const char* why) const;
  Status CheckEnd();

  const Archive& archive_;
  const uint32_t record_;
  const uint64_t data_offset_;
  const uint64_t compressed_size_;
  const uint64_t uncompressed_size_;
  // ISA-L's state is large (its history window): on the heap, owned here.
  std::unique_ptr<inflate_state> state_;
  std::vector<unsigned char> input_;
  uint64_t input_offset_ = 0;  // compressed bytes handed to ISA-L so far
  uint64_t position_ = 0;      // uncompressed bytes produced so far
  bool ended_ = false;
};

}  // namespace layerfs
