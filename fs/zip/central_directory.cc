#include "fs/zip/central_directory.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string_view>

#include "fs/base/byte_buffer.h"

namespace layerfs {

namespace {

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kCentralSize = 46;
constexpr size_t kMaxCommentLength = 0xffff;
constexpr uint16_t kExtraZip64 = 0x0001;
constexpr uint16_t kExtraTimestamp = 0x5455;    // Info-ZIP "UT"
constexpr uint16_t kExtraInfoZipUnix = 0x5855;  // Info-ZIP "UX", old style
constexpr uint16_t kExtraPkwareUnix = 0x000d;   // PKWARE Unix: atime, mtime, ...

// Little-endian reads from a span the caller has bounds-checked.
uint16_t Le16(const unsigned char* p) { return p[0] | (p[1] << 8); }
uint32_t Le32(const unsigned char* p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
         (uint32_t(p[3]) << 24);
}
uint64_t Le64(const unsigned char* p) {
  return uint64_t(Le32(p)) | (uint64_t(Le32(p + 4)) << 32);
}

Status ReadExactly(const ByteSource& source, uint64_t offset, size_t length, unsigned char* out,
                   const std::string& label) {
  Result<size_t> got = source.ReadAt(offset, {reinterpret_cast<char*>(out), length});
  if (!got.ok()) return got.status();
  if (*got != length) return Status::Corrupt(label + ": unexpected end of file");
  return Status::Ok();
}

// What the end records say, before the prefix is known.
struct EndInfo {
  uint64_t entry_count = 0;
  uint64_t directory_size = 0;
  uint64_t directory_offset = 0;  // as stored, relative to the archive start
  uint64_t directory_end = 0;     // where the directory really ends in file
  std::vector<std::string> warnings;
};

Result<EndInfo> ReadZip64End(const ByteSource& source, uint64_t file_size, uint64_t end_pos,
                             const std::string& label) {
  if (end_pos < kZip64LocatorSize) {
    return Status::Corrupt(label + ": zip64 locator missing");
  }
  unsigned char loc[kZip64LocatorSize];
  uint64_t loc_pos = end_pos - kZip64LocatorSize;
  if (Status s = ReadExactly(source, loc_pos, sizeof loc, loc, label); !s.ok()) {
    return s;
  }
  if (Le32(loc) != kZip64LocatorSignature) {
    return Status::Corrupt(label + ": zip64 locator missing");
  }
  // The zip64 end record sits right before the locator; trusting that
  // position rather than the stored offset also copes with a prefix.
  if (loc_pos < kZip64EndSize) {
    return Status::Corrupt(label + ": zip64 end record missing");
  }
  unsigned char rec[kZip64EndSize];
  uint64_t rec_pos = loc_pos - kZip64EndSize;
  if (Status s = ReadExactly(source, rec_pos, sizeof rec, rec, label); !s.ok()) {
    return s;
  }
  uint64_t stored_pos = Le64(loc + 8);
  if (Le32(rec) != kZip64EndSignature && stored_pos < rec_pos) {
    // Not at the fixed position: a zip64 end record with an extensible
    // data sector. Use the stored position (with no prefix: the stored
    // position cannot tell us one).
    rec_pos = stored_pos;
    if (Status s = ReadExactly(source, rec_pos, sizeof rec, rec, label); !s.ok()) {
      return s;
    }
  }
  if (Le32(rec) != kZip64EndSignature) {
    return Status::Corrupt(label + ": zip64 end record missing");
  }
  EndInfo info;
  info.entry_count = Le64(rec + 32);
  info.directory_size = Le64(rec + 40);
  info.directory_offset = Le64(rec + 48);
  info.directory_end = rec_pos;
  (void)file_size;
  return info;
}

Result<EndInfo> ReadEnd(const ByteSource& source, uint64_t file_size, const std::string& label) {
  if (file_size < kEndSize) {
    return Status::Corrupt(label + ": not a zip file (too short)");
  }
  size_t tail = size_t(std::min<uint64_t>(file_size, kEndSize + kMaxCommentLength));
  std::vector<unsigned char> buf(tail);
  uint64_t tail_pos = file_size - tail;
  if (Status s = ReadExactly(source, tail_pos, tail, buf.data(), label); !s.ok()) {
    return s;
  }
  // The end record is the one whose comment runs exactly to the end of the
  // file. Scanning backwards, the first signature met may lie inside that
  // comment, which can hold anything, even a whole fake end record. Failing
  // an exact fit, the last record whose comment fits is taken: bytes
  // appended after an archive are tolerated, as unzip and libzip do. A
  // record whose comment runs past the end of the file is taken last (only
  // the comment was cut short; unzip, libzip and Python open it), with a
  // warning; the directory it points at is validated as any other.
  size_t found = tail;
  size_t cut = tail;
  for (size_t i = tail - kEndSize + 1; i-- > 0;) {
    if (Le32(buf.data() + i) != kEndSignature) continue;
    size_t comment_end = i + kEndSize + Le16(buf.data() + i + 20);
    if (comment_end == tail) {
      found = i;
      break;
    }
    if (comment_end > tail) {
      if (cut == tail) cut = i;
    } else if (found == tail) {
      found = i;
    }
  }
  std::vector<std::string> warnings;
  if (found == tail && cut != tail) {
    found = cut;
    warnings.push_back("archive comment runs past the end of the file (cut short); "
                       "the central directory is read anyway");
  }
  if (found == tail) {
    return Status::Corrupt(label + ": not a zip file (no end of central directory record)");
  }
  const unsigned char* p = buf.data() + found;
  uint64_t end_pos = tail_pos + found;
  // Disk numbers other than 0 on a file that holds the whole directory:
  // unzip warns and extracts, and every offset is still checked against
  // this one file, so the same is done here. Data really on other disks
  // fails those checks.
  if ((Le16(p + 4) != 0 && Le16(p + 4) != 0xffff) || (Le16(p + 6) != 0 && Le16(p + 6) != 0xffff)) {
    warnings.push_back("marked as part of a multi-disk archive; read as a single file");
  }
  EndInfo info;
  info.warnings = std::move(warnings);
  info.entry_count = Le16(p + 10);
  info.directory_size = Le32(p + 12);
  info.directory_offset = Le32(p + 16);
  info.directory_end = end_pos;
  // An entry count of 0xffff is not enough to demand zip64 records:
  // libzip writes exactly 65535 entries without them.
  bool zip64 = info.directory_size == 0xffffffff ||
               info.directory_offset == 0xffffffff;
  if (zip64 || (end_pos >= kZip64LocatorSize && [&] {
        unsigned char sig[4];
        return ReadExactly(source, end_pos - kZip64LocatorSize, 4, sig, label).ok() &&
               Le32(sig) == kZip64LocatorSignature;
      }())) {
    Result<EndInfo> zip64_info = ReadZip64End(source, file_size, end_pos, label);
    if (zip64_info.ok()) zip64_info->warnings = std::move(info.warnings);
    return zip64_info;
  }
  return info;
}

// The central directory's bytes, read through a window that moves along
// the walk. On a VM each page a process touches for the first time costs
// about 10 µs: one buffer the directory's size (650 KB for the bench's
// largest layer) was a third of that layer's parse, where a 64 KiB window
// read again and again costs 16 pages. A source where each read may be a
// request is read in one piece.
class DirectoryWindow {
 public:
  DirectoryWindow(const ByteSource& source, uint64_t start, uint64_t size,
                  const std::string& label)
      : source_(source), start_(start), size_(size), label_(label),
        window_(source.cheap_small_reads() ? std::min<uint64_t>(size, kWindow) : size) {}

  // The bytes [pos, pos + n) of the directory (pos + n <= its size), valid
  // until the next call.
  Result<const unsigned char*> Bytes(uint64_t pos, size_t n) {
    if (pos >= begin_ && pos + n <= begin_ + buffer_.size()) {
      return reinterpret_cast<const unsigned char*>(buffer_.data()) + (pos - begin_);
    }
    const size_t length = size_t(std::min<uint64_t>(size_ - pos, std::max<uint64_t>(window_, n)));
    buffer_.resize(length);  // not zero-filled: the read overwrites it or fails
    if (Status s = ReadExactly(source_, start_ + pos, length,
                               reinterpret_cast<unsigned char*>(buffer_.data()), label_);
        !s.ok()) {
      return s;
    }
    begin_ = pos;
    return reinterpret_cast<const unsigned char*>(buffer_.data());
  }

 private:
  static constexpr uint64_t kWindow = 64 << 10;

  const ByteSource& source_;
  const uint64_t start_;  // where the directory starts in the source
  const uint64_t size_;
  const std::string& label_;
  const uint64_t window_;
  ByteBuffer buffer_;
  uint64_t begin_ = 0;  // directory offset of buffer_[0]
};

// Where a record's error happened. The message is only built on failure:
// building it for every record cost a string per entry on each mount.
struct RecordPlace {
  const std::string& label;
  uint64_t index;
  std::string Say(std::string_view problem) const {
    return label + ": central directory record " + std::to_string(index) + ": " +
           std::string(problem);
  }
};

// Applies the zip64 extended-information extra field: each 64-bit value is
// present only for the 32-bit fields that hold the 0xffffffff marker.
Status ApplyZip64(const unsigned char* data, size_t size, ZipRecord& r,
                  bool need_usize, bool need_csize, bool need_offset,
                  const RecordPlace& where) {
  size_t pos = 0;
  auto take = [&](uint64_t& field) -> bool {
    if (pos + 8 > size) return false;
    field = Le64(data + pos);
    pos += 8;
    return true;
  };
  if ((need_usize && !take(r.uncompressed_size)) ||
      (need_csize && !take(r.compressed_size)) ||
      (need_offset && !take(r.local_header_offset))) {
    return Status::Corrupt(where.Say("zip64 extra field too short"));
  }
  return Status::Ok();
}

// Walks the extra fields of one record: sizes from zip64, mtime from the
// Info-ZIP timestamp fields (which unzip prefers over the DOS time).
Status ApplyExtraFields(const unsigned char* extra, size_t length, ZipRecord& r,
                        bool need_usize, bool need_csize, bool need_offset,
                        const RecordPlace& where) {
  bool have_ut = false;
  size_t pos = 0;
  while (pos + 4 <= length) {
    uint16_t id = Le16(extra + pos);
    uint16_t size = Le16(extra + pos + 2);
    const unsigned char* data = extra + pos + 4;
    if (pos + 4 + size > length) break;  // a ragged tail is ignored, as unzip does
    if (id == kExtraZip64 && (need_usize || need_csize || need_offset)) {
      if (Status s = ApplyZip64(data, size, r, need_usize, need_csize,
                                need_offset, where);
          !s.ok()) {
        return s;
      }
      need_usize = need_csize = need_offset = false;
    } else if (id == kExtraTimestamp && size >= 5 && (data[0] & 1)) {
      r.mtime = int32_t(Le32(data + 1));
      have_ut = true;
    } else if ((id == kExtraInfoZipUnix || id == kExtraPkwareUnix) && size >= 8 && !have_ut) {
      // Both hold atime then mtime; as in unzip, the last one met wins.
      r.mtime = int32_t(Le32(data + 4));
    }
    pos += 4 + size;
  }
  if (need_usize || need_csize || need_offset) {
    return Status::Corrupt(where.Say("zip64 extra field missing"));
  }
  return Status::Ok();
}

}  // namespace

// The arithmetic of timegm(3) on the DOS fields, without its cost (a
// tenth of a mount's central-directory pass went there): out-of-range
// fields carry over as timegm's normalisation does (month 13 is January
// of the next year, day 0 the last day of the month before, second 62
// the next minute); month 0 counts as January.
int64_t DosTimeToUnix(uint16_t dos_date, uint16_t dos_time) {
  using namespace std::chrono;
  const int month0 = std::max(((dos_date >> 5) & 0xf) - 1, 0);  // 0..14
  const int year = 1980 + (dos_date >> 9) + month0 / 12;
  const sys_days first = year_month_day(std::chrono::year(year), month(unsigned(month0 % 12 + 1)), day(1));
  const int64_t days = first.time_since_epoch().count() + (dos_date & 0x1f) - 1;
  const int64_t seconds = int64_t(dos_time >> 11) * 3600 + ((dos_time >> 5) & 0x3f) * 60 +
                          (dos_time & 0x1f) * 2;
  return days * 86400 + seconds;
}

Result<CentralDirectory> CentralDirectory::Read(const ByteSource& source) {
  const uint64_t file_size = source.size();
  const std::string& label = source.name();
  Result<EndInfo> end = ReadEnd(source, file_size, label);
  if (!end.ok()) return end.status();
  const EndInfo& info = *end;
  if (info.directory_size > info.directory_end) {
    return Status::Corrupt(label + ": central directory larger than the file");
  }
  uint64_t start = info.directory_end - info.directory_size;
  if (info.directory_offset > start) {
    return Status::Corrupt(label + ": central directory offset points past its end record");
  }
  if (info.entry_count > info.directory_size / kCentralSize) {
    return Status::Corrupt(label + ": entry count does not fit the central directory");
  }

  CentralDirectory dir;
  dir.warnings_ = info.warnings;
  dir.prefix_length_ = start - info.directory_offset;
  const uint64_t directory_size = info.directory_size;
  DirectoryWindow window(source, start, directory_size, label);
  dir.records_.reserve(size_t(info.entry_count));
  dir.names_.reserve(size_t(directory_size - std::min<uint64_t>(directory_size, info.entry_count * kCentralSize)));
  // Records are walked until the directory's byte range is used up, not
  // for the end record's count: a 16-bit count wraps past 65,535 entries
  // when a writer leaves out the zip64 records, and unzip, libzip and
  // Python read every record. Fewer records than the count is damage.
  uint64_t pos = 0;
  for (uint64_t i = 0; pos < directory_size; ++i) {
    const RecordPlace where{label, i};
    const unsigned char* head = nullptr;
    if (pos + kCentralSize <= directory_size) {
      Result<const unsigned char*> got = window.Bytes(pos, kCentralSize);
      if (!got.ok()) return got.status();
      head = *got;
    }
    if (head == nullptr || Le32(head) != kCentralSignature) {
      if (i >= info.entry_count && i > 0) {
        dir.warnings_.push_back("central directory has " + std::to_string(directory_size - pos) +
                                " bytes after its last record; ignored");
        break;
      }
      return Status::Corrupt(where.Say("bad signature or truncated"));
    }
    size_t name_len = Le16(head + 28), extra_len = Le16(head + 30), comment_len = Le16(head + 32);
    const size_t record_size = kCentralSize + name_len + extra_len + comment_len;
    if (pos + record_size > directory_size) {
      return Status::Corrupt(where.Say("runs past the central directory"));
    }
    Result<const unsigned char*> whole = window.Bytes(pos, record_size);
    if (!whole.ok()) return whole.status();
    const unsigned char* p = *whole;
    ZipRecord r;
    r.version_made_by = Le16(p + 4);
    r.flags = Le16(p + 8);
    r.method = Le16(p + 10);
    r.mtime = DosTimeToUnix(Le16(p + 14), Le16(p + 12));
    r.crc32 = Le32(p + 16);
    r.compressed_size = Le32(p + 20);
    r.uncompressed_size = Le32(p + 24);
    r.external_attributes = Le32(p + 38);
    r.local_header_offset = Le32(p + 42);
    if (Status s = ApplyExtraFields(p + kCentralSize + name_len, extra_len, r,
                                    r.uncompressed_size == 0xffffffff,
                                    r.compressed_size == 0xffffffff,
                                    r.local_header_offset == 0xffffffff, where);
        !s.ok()) {
      return s;
    }
    // A local header outside the archive means the directory contradicts
    // the file: refused. A compressed size running on into later entries or
    // the directory is damage to this entry alone: Archive::DataOffset
    // checks it against the file on open, and that entry fails with EIO
    // while the rest serve, as unzip fails only that file.
    if (r.local_header_offset >= info.directory_offset) {
      return Status::Corrupt(where.Say("local header lies outside the archive"));
    }
    r.local_header_offset += dir.prefix_length_;
    if (dir.names_.size() + name_len > std::numeric_limits<uint32_t>::max()) {
      return Status::Unsupported(label + ": names exceed 4 GiB");
    }
    r.name_offset = uint32_t(dir.names_.size());
    r.name_length = uint32_t(name_len);
    dir.names_.append(reinterpret_cast<const char*>(p + kCentralSize), name_len);
    dir.records_.push_back(r);
    pos += record_size;
  }
  if (dir.records_.size() < info.entry_count) {
    return Status::Corrupt(label + ": central directory holds " +
                           std::to_string(dir.records_.size()) + " records, the end record says " +
                           std::to_string(info.entry_count));
  }
  if (dir.records_.size() != info.entry_count) {
    dir.warnings_.push_back("the end record counts " + std::to_string(info.entry_count) +
                            " entries but the central directory holds " +
                            std::to_string(dir.records_.size()) + "; all are served");
  }
  return dir;
}

}  // namespace layerfs
