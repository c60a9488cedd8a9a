// Archive: one layer zip: its central directory and the bytes of its
// entries, read through a ByteSource (fs/source/byte_source.h), so the
// format code knows nothing of where the bytes live.
//
// The source is read only with positional reads, so any number of threads
// may read through one Archive at once. Stored entries are read in place;
// deflated entries are inflated here with libdeflate (whole entries) or by
// fs/zip/inflate_stream.h (ranges of large ones); LZMA, XZ and Zstandard
// by fs/zip/entry_decoder.h; bzip2 goes through libzip, over a libzip source
// that reads the same ByteSource. libzip handles are not safe for
// concurrent use, so each such read opens its own.
//
// This is the only file of layerfs that includes <zip.h>.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fs/zip/central_directory.h"
#include "fs/base/byte_buffer.h"
#include "fs/base/status.h"
#include "fs/source/byte_source.h"
#include "fs/source/http_source.h"

namespace layerfs {

class Archive {
 public:
  // Opens `path` (a local file or a URL: fs/source/open_source.h) with
  // `remote` for URLs and reads its central directory. Fails
  // naming the file and the reason: missing, not a regular file, not a zip,
  // corrupt.
  static Result<std::unique_ptr<Archive>> Open(const std::string& path,
                                                const RemoteOptions& remote = {});
  // Reads the central directory of any source.
  static Result<std::unique_ptr<Archive>> Open(std::unique_ptr<ByteSource> source);

  const std::string& path() const { return source_->name(); }
  const ByteSource& source() const { return *source_; }
  uint64_t file_size() const { return source_->size(); }
  int64_t file_mtime() const { return source_->mtime(); }
  const CentralDirectory& directory() const { return directory_; }
  const ZipRecord& record(uint32_t index) const { return directory_.records()[index]; }
  std::string EntryLabel(uint32_t index) const;  // "layer.zip: entry a/b"

  // Where the entry's data starts (after its local header); checks that
  // the data lies inside the file. Fails for encrypted entries.
  Result<uint64_t> DataOffset(uint32_t index) const;

  // Reads up to out.size() bytes of a stored entry from `offset`.
  Result<size_t> ReadStored(uint32_t index, uint64_t data_offset, uint64_t offset,
                            std::span<char> out) const;

  // Decompresses a whole entry and checks its CRC-32.
  Result<ByteBuffer> ReadWhole(uint32_t index) const;

  // Checks a stored entry's CRC-32 by reading it once; the verdict is
  // remembered, so later opens cost nothing. Entries over `max_bytes` are
  // not checked (reading gigabytes on open would be worse).
  Status VerifyStored(uint32_t index, uint64_t data_offset, uint64_t max_bytes) const;

  // Reads the first out.size() bytes of an entry (fewer if it is shorter)
  // through the decoder the read path uses for its method, decompressing
  // no more than it must: enough to look at a file's magic number. The
  // CRC-32 is checked only if the whole entry was read.
  Result<size_t> ReadPrefix(uint32_t index, std::span<char> out) const;

  // Whether this entry is read by layerfs' own code rather than libzip:
  // stored, deflated, LZMA, XZ and Zstandard entries, so large ones stream.
  bool HasNativeReader(uint32_t index) const;

 private:
  Archive(std::unique_ptr<ByteSource> source, CentralDirectory directory);
  // Reads exactly out.size() bytes at `offset` of the source, within the
  // data of entry `index` that starts at `data_offset`, or fails naming
  // the entry (a short read is corrupt data: the entry was checked to lie
  // inside the source).
  Status ReadExactly(uint32_t index, uint64_t data_offset, uint64_t offset,
                     std::span<char> out) const;

  // Where entry `index` ends (its local header, name, extra field and
  // data), before its local header is read: the local name taken as long
  // as the central one, the extra field as at most kLocalExtraAllowance
  // bytes; never past the file.
  uint64_t EntryEndGuess(uint32_t index) const;
  // Where the data starts, from the first bytes at the local header;
  // checks the signature and that the data lies inside the file.
  Result<uint64_t> ParseLocalHeader(uint32_t index, std::span<const char> header) const;
  // Reads the local header and the data together, and inflates the data.
  Result<ByteBuffer> InflateWhole(uint32_t index) const;
  Result<ByteBuffer> DecodeWhole(uint32_t index) const;
  Result<ByteBuffer> ReadWithLibzip(uint32_t index) const;
  // Reads the first out.size() bytes (at most the entry) through libzip;
  // `whole`: out spans the entry, and data past it is corrupt.
  Result<size_t> ReadWithLibzip(uint32_t index, std::span<char> out, bool whole) const;

  // Constant after construction.
  const std::unique_ptr<ByteSource> source_;
  const CentralDirectory directory_;
  // Per record: 0 unchecked, 1 CRC good, 2 CRC bad. Benign races: two
  // threads may both check one entry and store the same verdict.
  const std::unique_ptr<std::atomic<uint8_t>[]> stored_verdict_;
};

}  // namespace layerfs
