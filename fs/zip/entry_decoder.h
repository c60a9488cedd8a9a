// EntryDecoder: sequential decoding of one zip entry, front to back, in a
// method layerfs decodes natively: deflate (8, ISA-L), LZMA (14, liblzma
// raw LZMA1), XZ (95, liblzma) and Zstandard (93, libzstd). The
// compressed bytes are read with positional reads of the archive's
// source, a chunk at a time.
//
// A decoder only moves forward: a reader of LZMA, XZ or Zstandard data
// that needs an earlier offset starts a new decoder from the entry's start
// (see fs/read/file_reader.cc), since these formats have no restart points
// layerfs can record. Deflated entries are read at random through
// InflateStream (fs/zip/inflate_stream.h) instead; their decoder here
// serves whole front-to-back passes (the spill, fs/read/entry_spill.h).
//
// Not thread-safe: one decoder belongs to one reader, which serialises it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "fs/base/status.h"
#include "fs/zip/archive.h"

namespace layerfs {

class EntryDecoder {
 public:
  virtual ~EntryDecoder() = default;

  // Fills `out` with the next bytes; fewer only at the end of the entry.
  // Fails (naming the entry) on bad data, on data that ends before the
  // entry's stated size, and, once the whole entry has been produced (a
  // decoder always runs from the start), on a CRC-32 mismatch.
  virtual Result<size_t> Decode(std::span<char> out) = 0;

  // The uncompressed offset the next Decode() starts at.
  virtual uint64_t position() const = 0;
};

// Whether `method` is one of the methods read through an EntryDecoder
// (LZMA, XZ, Zstandard; not deflate, read through InflateStream).
bool IsDecoderMethod(uint16_t method);

// A decoder for entry `record` whose data starts at `data_offset`: for
// deflate and every IsDecoderMethod method.
Result<std::unique_ptr<EntryDecoder>> OpenEntryDecoder(const Archive& archive, uint32_t record,
                                                      uint64_t data_offset);

}  // namespace layerfs
