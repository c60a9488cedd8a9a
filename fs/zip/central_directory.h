// CentralDirectory: the entry records of one zip file, read in a single
// pass over its end record and central directory.
//
// This is layerfs' own reader of the zip container (not of compressed
// data): it yields what libzip's public API does not, the offset of each
// entry's local header, which the read path needs to pread and inflate
// entries itself. It validates the directory's own offsets and lengths and
// every local header offset against the file, and refuses the archive when
// they contradict it; an entry's compressed size is checked when the entry
// is opened (Archive::DataOffset), so a wrong one costs that entry alone.
// A prefix before the archive (a self-extractor stub) is detected from the
// end record and every offset is shifted by it, as unzip and libzip do.
//
// Oddities it accepts as unzip does (an entry count that disagrees with
// the records, an end-record comment cut short, a multi-disk marker on a
// single file) are kept as warnings for the caller to log.
//
// Immutable after Read(); safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fs/base/status.h"
#include "fs/source/byte_source.h"

namespace layerfs {

// One central-directory record, decoded. Kept compact: the name lives in
// the directory's shared name pool.
struct ZipRecord {
  uint64_t local_header_offset = 0;  // absolute, prefix already added
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  int64_t mtime = 0;               // Unix seconds, UTC, as unzip sets it
  uint32_t name_offset = 0;        // into CentralDirectory::names()
  uint32_t name_length = 0;
  uint32_t crc32 = 0;
  uint32_t external_attributes = 0;
  uint16_t method = 0;             // 0 stored, 8 deflate, 12 bzip2, ...
  uint16_t flags = 0;              // general purpose bit flag
  uint16_t version_made_by = 0;    // high byte: host system (3 = Unix)

  bool encrypted() const { return (flags & 0x1) != 0; }
  bool utf8_name() const { return (flags & 0x800) != 0; }
  uint8_t host_system() const { return version_made_by >> 8; }
};

class CentralDirectory {
 public:
  // Reads the directory of the zip in `source`; errors name the source.
  static Result<CentralDirectory> Read(const ByteSource& source);

  const std::vector<ZipRecord>& records() const { return records_; }
  std::string_view name(const ZipRecord& r) const {
    return std::string_view(names_).substr(r.name_offset, r.name_length);
  }
  // Bytes before the archive proper (a self-extractor stub), usually 0.
  uint64_t prefix_length() const { return prefix_length_; }
  // Damage tolerated while reading, one line each, for the caller to log.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  std::vector<ZipRecord> records_;
  std::string names_;
  uint64_t prefix_length_ = 0;
  std::vector<std::string> warnings_;
};

// Converts a DOS date and time, read as UTC, to Unix seconds. A month of 0
// counts as January and a day of 0 as the day before the 1st, as unzip
// reads them (a date field of 0 is 1979-12-31).
int64_t DosTimeToUnix(uint16_t dos_date, uint16_t dos_time);

}  // namespace layerfs
