#include "tests/support/zip_patch.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

namespace layerfs::testing_zip {

namespace {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;

bool ReadAll(const std::string& path, std::string* bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *bytes = text.str();
  return true;
}

bool WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
  return out.good();
}

uint64_t Get(const std::string& b, uint64_t at, int width) {
  uint64_t v = 0;
  for (int i = width - 1; i >= 0; --i) v = (v << 8) | uint8_t(b[at + i]);
  return v;
}

AssertionResult Locate(const std::string& b, std::vector<EntryLocation>* entries) {
  if (b.size() < 22) return AssertionFailure() << "shorter than an end record";
  uint64_t end = b.size() - 22;
  while (Get(b, end, 4) != kEndSignature || end + 22 + Get(b, end + 20, 2) != b.size()) {
    if (end == 0) return AssertionFailure() << "no end record";
    --end;
  }
  uint64_t count = Get(b, end + 10, 2);
  uint64_t cd_offset = Get(b, end + 16, 4);
  if (end >= 20 && Get(b, end - 20, 4) == kZip64LocatorSignature) {
    uint64_t rec = Get(b, end - 20 + 8, 8);
    if (rec + 56 > b.size() || Get(b, rec, 4) != kZip64EndSignature) {
      return AssertionFailure() << "bad zip64 end record";
    }
    count = Get(b, rec + 32, 8);
    cd_offset = Get(b, rec + 48, 8);
  }
  entries->clear();
  uint64_t pos = cd_offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (pos + 46 > b.size() || Get(b, pos, 4) != kCentralSignature) {
      return AssertionFailure() << "central record " << i << " not found";
    }
    EntryLocation e;
    e.central_offset = pos;
    uint64_t name_len = Get(b, pos + 28, 2);
    uint64_t extra_len = Get(b, pos + 30, 2);
    uint64_t comment_len = Get(b, pos + 32, 2);
    e.compressed_size = Get(b, pos + 20, 4);
    e.flags = uint16_t(Get(b, pos + 8, 2));
    e.local_offset = Get(b, pos + 42, 4);
    if (e.compressed_size == 0xffffffff || e.local_offset == 0xffffffff) {
      return AssertionFailure() << "zip64 entries are not supported here";
    }
    e.name = b.substr(pos + 46, name_len);
    if (e.local_offset + 30 > b.size() || Get(b, e.local_offset, 4) != kLocalSignature) {
      return AssertionFailure() << "local header " << i << " not found";
    }
    e.data_offset = e.local_offset + 30 + Get(b, e.local_offset + 26, 2) +
                    Get(b, e.local_offset + 28, 2);
    entries->push_back(std::move(e));
    pos += 46 + name_len + extra_len + comment_len;
  }
  return AssertionSuccess();
}

// Loads the file and the location of entry `index`, for the edits below.
AssertionResult LoadEntry(const std::string& path, size_t index, std::string* bytes,
                          EntryLocation* entry) {
  if (!ReadAll(path, bytes)) return AssertionFailure() << "cannot read " << path;
  std::vector<EntryLocation> entries;
  if (AssertionResult r = Locate(*bytes, &entries); !r) return r << " in " << path;
  if (index >= entries.size()) {
    return AssertionFailure() << path << " has no entry " << index;
  }
  *entry = entries[index];
  return AssertionSuccess();
}

AssertionResult Store(const std::string& path, const std::string& bytes) {
  if (!WriteAll(path, bytes)) return AssertionFailure() << "cannot write " << path;
  return AssertionSuccess();
}

}  // namespace

std::string Le16(uint16_t v) { return {char(v & 0xff), char(v >> 8)}; }
std::string Le32(uint32_t v) { return Le16(uint16_t(v)) + Le16(uint16_t(v >> 16)); }

AssertionResult LocateEntries(const std::string& path, std::vector<EntryLocation>* entries) {
  std::string bytes;
  if (!ReadAll(path, &bytes)) return AssertionFailure() << "cannot read " << path;
  return Locate(bytes, entries);
}

AssertionResult RenameEntry(const std::string& path, size_t index, const std::string& name) {
  std::string b;
  EntryLocation e;
  if (AssertionResult r = LoadEntry(path, index, &b, &e); !r) return r;
  if (e.name.size() != name.size()) {
    return AssertionFailure() << "rename of \"" << e.name << "\" needs " << e.name.size()
                              << " bytes, got " << name.size();
  }
  if (Get(b, e.local_offset + 26, 2) != name.size()) {
    return AssertionFailure() << "local and central names differ in length";
  }
  b.replace(e.central_offset + 46, name.size(), name);
  b.replace(e.local_offset + 30, name.size(), name);
  return Store(path, b);
}

AssertionResult SetEntryFlags(const std::string& path, size_t index, uint16_t mask, bool on) {
  std::string b;
  EntryLocation e;
  if (AssertionResult r = LoadEntry(path, index, &b, &e); !r) return r;
  for (uint64_t at : {e.central_offset + 8, e.local_offset + 6}) {
    uint16_t flags = uint16_t(Get(b, at, 2));
    flags = on ? uint16_t(flags | mask) : uint16_t(flags & ~mask);
    b.replace(at, 2, Le16(flags));
  }
  return Store(path, b);
}

AssertionResult FlipDataByte(const std::string& path, size_t index, uint64_t offset) {
  std::string b;
  EntryLocation e;
  if (AssertionResult r = LoadEntry(path, index, &b, &e); !r) return r;
  if (offset >= e.compressed_size) {
    return AssertionFailure() << "entry " << index << " has only " << e.compressed_size
                              << " data bytes";
  }
  b[e.data_offset + offset] = char(~b[e.data_offset + offset]);
  return Store(path, b);
}

AssertionResult OverwriteBytes(const std::string& path, uint64_t offset,
                               const std::string& bytes) {
  std::string b;
  if (!ReadAll(path, &b)) return AssertionFailure() << "cannot read " << path;
  if (offset + bytes.size() > b.size()) return AssertionFailure() << "past the end";
  b.replace(offset, bytes.size(), bytes);
  return Store(path, b);
}

AssertionResult TruncateFile(const std::string& path, uint64_t size) {
  if (::truncate(path.c_str(), off_t(size)) != 0) {
    return AssertionFailure() << "cannot truncate " << path;
  }
  return AssertionSuccess();
}

AssertionResult PrependBytes(const std::string& path, const std::string& prefix) {
  std::string b;
  if (!ReadAll(path, &b)) return AssertionFailure() << "cannot read " << path;
  return Store(path, prefix + b);
}

AssertionResult ClaimZip64Size(const std::string& path, size_t index, uint64_t size) {
  std::vector<EntryLocation> entries;
  if (AssertionResult r = LocateEntries(path, &entries); !r) return r;
  if (index >= entries.size()) return AssertionFailure() << path << ": no entry " << index;
  std::string bytes;
  if (!ReadAll(path, &bytes)) return AssertionFailure() << "cannot read " << path;
  size_t marker = bytes.find(kPlaceholderExtra, entries[index].central_offset);
  if (marker == std::string::npos) {
    return AssertionFailure() << path << ": entry " << index << " has no placeholder extra field";
  }
  if (AssertionResult r = OverwriteBytes(path, marker - 4, Le16(0x0001)); !r) return r;
  if (AssertionResult r = OverwriteBytes(
          path, marker, Le32(uint32_t(size)) + Le32(uint32_t(size >> 32)));
      !r) {
    return r;
  }
  return OverwriteBytes(path, entries[index].central_offset + 24, Le32(0xffffffffu));
}

}  // namespace layerfs::testing_zip
