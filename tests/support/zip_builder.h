// ZipBuilder: describes a small layer zip in a test and writes it with
// libzip's write API, so every fs/ test builds exactly the archive it
// talks about.
//
//   ZipBuilder zip;
//   zip.File("bin/tool", "#!/bin/sh\n").Mode(0755).Compress(Compression::kStore);
//   zip.Dir("lib/").Mtime(kSomeTime);
//   zip.Symlink("lib/libz.so", "libz.so.1");
//   ASSERT_TRUE(zip.Write(dir / "layer.zip"));
//
// Names are raw bytes. Names libzip will not write (one an earlier entry
// already has, or with a NUL byte, "..", a leading slash or a backslash,
// which libzip may reject or normalise) are written under a placeholder of
// the same length and renamed afterwards with tests/support/zip_patch.h. Write()
// reads the result back and fails unless the names are exactly the ones
// asked for.
//
// libzip turns DOS times into time_t with localtime(), so Write() sets
// TZ=UTC for the process (fs/ itself reads times as UTC whatever TZ is).
// For test threads; one builder per archive.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace layerfs::testing_zip {

// kXz, kZstd and kLzma entries are compressed by the builder itself (Debian's
// libzip cannot write them) and patched into the zip after libzip writes it.
enum class Compression { kStore, kDeflate, kBzip2, kXz, kZstd, kLzma };

// "Store", "Deflate", ...: for parameterised test names.
inline const char* CompressionName(Compression c) {
  switch (c) {
    case Compression::kStore: return "Store";
    case Compression::kDeflate: return "Deflate";
    case Compression::kBzip2: return "Bzip2";
    case Compression::kXz: return "Xz";
    case Compression::kZstd: return "Zstd";
    case Compression::kLzma: return "Lzma";
  }
  return "Unknown";
}
enum class Encryption { kNone, kAes256, kTraditional };

// 2021-03-04 05:06:08 UTC: even, so a DOS time holds it exactly.
constexpr int64_t kDefaultMtime = 1614834368;

struct ZipEntry {
  std::string name;                   // raw, as stored in the archive
  std::string content;                // file data; a symlink's target
  uint32_t mode = S_IFREG | 0644;     // st_mode: type and permission bits
  bool unix_attributes = true;        // false: "made on DOS", no mode at all
  Compression compression = Compression::kDeflate;
  Encryption encryption = Encryption::kNone;
  int64_t mtime = kDefaultMtime;      // written as a DOS time (2 s steps)
  bool utf8_flag = false;             // general purpose bit 11
  struct ExtraField {
    uint16_t id;
    std::string data;
  };
  std::vector<ExtraField> extra_fields;  // in the local and central headers
};

class ZipBuilder {
 public:
  // A regular file.
  ZipBuilder& File(std::string name, std::string content);
  // A directory entry; a trailing '/' is added when missing.
  ZipBuilder& Dir(std::string name);
  // A symlink entry (S_IFLNK) whose data is the target.
  ZipBuilder& Symlink(std::string name, std::string target);

  // Modifiers of the entry added last.
  ZipBuilder& Mode(uint32_t permission_bits);  // keeps the type bits
  ZipBuilder& RawMode(uint32_t st_mode);       // type and permission bits
  ZipBuilder& NoUnixAttributes();
  ZipBuilder& Compress(Compression compression);
  ZipBuilder& Encrypt(Encryption encryption);
  ZipBuilder& Mtime(int64_t unix_seconds);
  // An Info-ZIP extended timestamp (0x5455) holding only the mtime.
  ZipBuilder& ExtendedMtime(int64_t unix_seconds);
  ZipBuilder& ExtraField(uint16_t id, std::string data);
  // Marks the name as UTF-8 (bit 11); without it the name has no flag.
  ZipBuilder& Utf8Flag();

  // Sets the archive comment (after the end record).
  ZipBuilder& Comment(std::string comment);

  const std::vector<ZipEntry>& entries() const { return entries_; }

  // Writes the archive to `path`, replacing any file there. With no entry
  // it writes a lone end record (libzip deletes empty archives instead).
  ::testing::AssertionResult Write(const std::string& path) const;

 private:
  ZipEntry& last();

  std::vector<ZipEntry> entries_;
  std::optional<std::string> comment_;
};

// Whether this libzip can write (and so read) a compression or encryption.
bool CanWrite(Compression compression);
bool CanWrite(Encryption encryption);

}  // namespace layerfs::testing_zip
