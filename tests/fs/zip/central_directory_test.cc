#include "fs/zip/central_directory.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <ctime>
#include <string>

#include "fs/source/local_file.h"
#include "tests/support/memory_source.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"
#include "tests/support/zip_patch.h"

namespace layerfs {
namespace {

using testing_files::ReadFile;
using testing_files::TempDir;
using testing_files::WriteFile;
using namespace testing_zip;

class CentralDirectoryTest : public ::testing::Test {
 protected:
  std::string Write(const ZipBuilder& zip, const std::string& name = "layer.zip") {
    std::string path = dir_ / name;
    EXPECT_TRUE(zip.Write(path));
    return path;
  }

  static Result<CentralDirectory> Read(const std::string& path) {
    Result<std::unique_ptr<LocalFile>> file = LocalFile::Open(path);
    if (!file.ok()) return file.status();
    return CentralDirectory::Read(**file);
  }

  // Reads a zip that must be accepted.
  static CentralDirectory MustRead(const std::string& path) {
    Result<CentralDirectory> dir = Read(path);
    EXPECT_TRUE(dir.ok()) << dir.status().ToString();
    return dir.ok() ? std::move(*dir) : CentralDirectory();
  }

  // Reads a zip that must be refused, naming the file.
  static Status MustFail(const std::string& path) {
    Result<CentralDirectory> dir = Read(path);
    EXPECT_FALSE(dir.ok()) << path << " was accepted";
    if (dir.ok()) return Status::Ok();
    EXPECT_NE(dir.status().message().find(path), std::string::npos)
        << "message does not name the file: " << dir.status().message();
    return dir.status();
  }

  TempDir dir_;
};

uint32_t Crc(const std::string& s) {
  return uint32_t(crc32(crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(s.data()),
                        uInt(s.size())));
}

TEST_F(CentralDirectoryTest, RecordsFollowTheArchiveOrder) {
  std::string big(10000, 'z');
  ZipBuilder zip;
  zip.File("b.txt", "bee\n").Mode(0600);
  zip.Dir("a/").Mode(0750);
  zip.File("a/big", big);
  zip.Symlink("link", "b.txt");
  CentralDirectory dir = MustRead(Write(zip));

  ASSERT_EQ(dir.records().size(), 4u);
  EXPECT_EQ(dir.prefix_length(), 0u);
  const auto& r = dir.records();
  EXPECT_EQ(dir.name(r[0]), "b.txt");
  EXPECT_EQ(dir.name(r[1]), "a/");
  EXPECT_EQ(dir.name(r[2]), "a/big");
  EXPECT_EQ(dir.name(r[3]), "link");

  EXPECT_EQ(r[0].uncompressed_size, 4u);
  EXPECT_EQ(r[0].crc32, Crc("bee\n"));
  EXPECT_EQ(r[0].external_attributes >> 16, uint32_t(S_IFREG | 0600));
  EXPECT_EQ(r[0].host_system(), 3);  // Unix
  EXPECT_EQ(r[1].external_attributes >> 16, uint32_t(S_IFDIR | 0750));
  EXPECT_EQ(r[2].uncompressed_size, big.size());
  EXPECT_LT(r[2].compressed_size, big.size());
  EXPECT_EQ(r[2].method, 8);
  EXPECT_EQ(r[2].crc32, Crc(big));
  EXPECT_EQ(r[3].external_attributes >> 16, uint32_t(S_IFLNK | 0777));
  EXPECT_EQ(r[3].uncompressed_size, 5u);
  for (const ZipRecord& rec : r) {
    EXPECT_FALSE(rec.encrypted());
    EXPECT_EQ(rec.mtime, kDefaultMtime);
  }
}

TEST_F(CentralDirectoryTest, LocalHeaderOffsetsPointAtLocalHeaders) {
  ZipBuilder zip;
  for (int i = 0; i < 20; ++i) zip.File("f" + std::to_string(i), std::string(i * 37, 'x'));
  std::string path = Write(zip);
  CentralDirectory dir = MustRead(path);
  std::string bytes = ReadFile(path);
  ASSERT_EQ(dir.records().size(), 20u);
  for (const ZipRecord& r : dir.records()) {
    ASSERT_LT(r.local_header_offset + 4, bytes.size());
    EXPECT_EQ(bytes.substr(r.local_header_offset, 4), "PK\x03\x04") << dir.name(r);
  }
}

TEST_F(CentralDirectoryTest, MethodsAreRecorded) {
  ZipBuilder zip;
  std::string text(5000, 'q');
  zip.File("stored", text).Compress(Compression::kStore);
  zip.File("deflated", text).Compress(Compression::kDeflate);
  if (CanWrite(Compression::kBzip2)) zip.File("bzip2", text).Compress(Compression::kBzip2);
  if (CanWrite(Compression::kXz)) zip.File("xz", text).Compress(Compression::kXz);
  CentralDirectory dir = MustRead(Write(zip));
  for (const ZipRecord& r : dir.records()) {
    std::string_view name = dir.name(r);
    uint16_t expected = name == "stored" ? 0 : name == "deflated" ? 8 : name == "bzip2" ? 12 : 95;
    EXPECT_EQ(r.method, expected) << name;
    EXPECT_EQ(r.uncompressed_size, text.size()) << name;
  }
}

TEST_F(CentralDirectoryTest, HostSystemAndFlagsAreRecorded) {
  ZipBuilder zip;
  zip.File("dos.txt", "x").NoUnixAttributes();
  zip.File("caf\xc3\xa9", "x").Utf8Flag();
  CentralDirectory dir = MustRead(Write(zip));
  ASSERT_EQ(dir.records().size(), 2u);
  EXPECT_EQ(dir.records()[0].host_system(), 0);  // MS-DOS
  EXPECT_FALSE(dir.records()[0].utf8_name());
  EXPECT_TRUE(dir.records()[1].utf8_name());
}

TEST_F(CentralDirectoryTest, EncryptedEntriesAreFlagged) {
  if (!CanWrite(Encryption::kAes256)) GTEST_SKIP() << "libzip cannot write AES";
  ZipBuilder zip;
  zip.File("secret", "hidden").Encrypt(Encryption::kAes256);
  zip.File("open", "visible");
  CentralDirectory dir = MustRead(Write(zip));
  ASSERT_EQ(dir.records().size(), 2u);
  EXPECT_TRUE(dir.records()[0].encrypted());
  EXPECT_FALSE(dir.records()[1].encrypted());
}

TEST_F(CentralDirectoryTest, DosTimeIsReadAsUtc) {
  // 2021-03-04 05:06:08, 1980-01-01 00:00:00, 2107-12-31 23:59:58,
  // 2000-02-29 12:30:44.
  EXPECT_EQ(DosTimeToUnix((41 << 9) | (3 << 5) | 4, (5 << 11) | (6 << 5) | 4), 1614834368);
  EXPECT_EQ(DosTimeToUnix((0 << 9) | (1 << 5) | 1, 0), 315532800);
  EXPECT_EQ(DosTimeToUnix(65439, 49021), 4354819198);
  EXPECT_EQ(DosTimeToUnix(10333, 25558), 951827444);
}

TEST_F(CentralDirectoryTest, DosTimeIgnoresTheLocalTimeZone) {
  const char* old = std::getenv("TZ");
  std::string saved = old != nullptr ? old : "";
  ::setenv("TZ", "America/New_York", 1);
  ::tzset();
  int64_t t = DosTimeToUnix((41 << 9) | (3 << 5) | 4, (5 << 11) | (6 << 5) | 4);
  if (old != nullptr) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
  EXPECT_EQ(t, 1614834368);
}

TEST_F(CentralDirectoryTest, MtimeComesFromTheDosTime) {
  ZipBuilder zip;
  zip.File("a", "1").Mtime(951827444);
  zip.File("b", "2").Mtime(315532800);
  CentralDirectory dir = MustRead(Write(zip));
  ASSERT_EQ(dir.records().size(), 2u);
  EXPECT_EQ(dir.records()[0].mtime, 951827444);
  EXPECT_EQ(dir.records()[1].mtime, 315532800);
}

TEST_F(CentralDirectoryTest, ExtendedTimestampWinsOverDosTime) {
  ZipBuilder zip;
  zip.File("odd", "x").Mtime(kDefaultMtime).ExtendedMtime(1700000001);
  zip.File("old", "x").Mtime(kDefaultMtime).ExtendedMtime(100);  // before 1980
  zip.File("plain", "x").Mtime(kDefaultMtime);
  CentralDirectory dir = MustRead(Write(zip));
  ASSERT_EQ(dir.records().size(), 3u);
  EXPECT_EQ(dir.records()[0].mtime, 1700000001);
  EXPECT_EQ(dir.records()[1].mtime, 100);
  EXPECT_EQ(dir.records()[2].mtime, kDefaultMtime);
}

TEST_F(CentralDirectoryTest, ExtendedTimestampWithoutMtimeIsIgnored) {
  ZipBuilder zip;
  // Flags 0x02: only an access time follows.
  zip.File("atime-only", "x").ExtraField(0x5455, std::string("\x02", 1) + Le32(1700000001));
  // A field too short to hold an mtime.
  zip.File("short", "x").ExtraField(0x5455, std::string("\x01\x01", 2));
  CentralDirectory dir = MustRead(Write(zip));
  ASSERT_EQ(dir.records().size(), 2u);
  EXPECT_EQ(dir.records()[0].mtime, kDefaultMtime);
  EXPECT_EQ(dir.records()[1].mtime, kDefaultMtime);
}

TEST_F(CentralDirectoryTest, OldInfoZipUnixFieldGivesMtimeUnlessExtendedTimestampIsThere) {
  ZipBuilder zip;
  // 0x5855: access time, then modification time.
  zip.File("ux", "x").ExtraField(0x5855, Le32(1600000000) + Le32(1600000003));
  zip.File("ux-then-ut", "x")
      .ExtraField(0x5855, Le32(1600000000) + Le32(1600000003))
      .ExtendedMtime(1700000005);
  zip.File("ut-then-ux", "x")
      .ExtendedMtime(1700000005)
      .ExtraField(0x5855, Le32(1600000000) + Le32(1600000003));
  CentralDirectory dir = MustRead(Write(zip));
  ASSERT_EQ(dir.records().size(), 3u);
  EXPECT_EQ(dir.records()[0].mtime, 1600000003);
  EXPECT_EQ(dir.records()[1].mtime, 1700000005);
  EXPECT_EQ(dir.records()[2].mtime, 1700000005);
}

TEST_F(CentralDirectoryTest, EmptyArchiveHasNoRecords) {
  CentralDirectory dir = MustRead(Write(ZipBuilder()));
  EXPECT_TRUE(dir.records().empty());
  EXPECT_EQ(dir.prefix_length(), 0u);
}

TEST_F(CentralDirectoryTest, ArchiveCommentIsSkipped) {
  ZipBuilder zip;
  zip.File("a", "1");
  // A comment that itself holds an end-record signature must not fool the
  // backwards search.
  zip.Comment("PK\x05\x06 not an end record");
  CentralDirectory dir = MustRead(Write(zip));
  ASSERT_EQ(dir.records().size(), 1u);
  EXPECT_EQ(dir.name(dir.records()[0]), "a");
}

TEST_F(CentralDirectoryTest, FakeEndRecordInTheCommentIsSkipped) {
  // A whole end record (comment length 0) inside the archive comment: the
  // real one is the record whose comment runs exactly to the end.
  std::string fake("PK\x05\x06\0\0\0\0\x01\0\x01\0\x2e\0\0\0\0\0\0\0\0\0", 22);
  ZipBuilder zip;
  zip.File("a", "1");
  zip.Comment("before " + fake + " after");
  CentralDirectory dir = MustRead(Write(zip));
  ASSERT_EQ(dir.records().size(), 1u);
  EXPECT_EQ(dir.name(dir.records()[0]), "a");
}

TEST_F(CentralDirectoryTest, BytesAfterTheEndRecordAreTolerated) {
  std::string path = Write(ZipBuilder().File("a", "1"));
  std::string bytes = ReadFile(path) + "appended by some tool";
  WriteFile(path, bytes);
  CentralDirectory dir = MustRead(path);
  ASSERT_EQ(dir.records().size(), 1u);
}

TEST_F(CentralDirectoryTest, CommentCutShortIsReadWithAWarning) {
  // The directory is intact; unzip, libzip and Python open it too.
  ZipBuilder zip;
  zip.File("a", "1");
  zip.Comment(std::string(200, 'c'));
  std::string path = Write(zip);
  std::string bytes = ReadFile(path);
  WriteFile(path, bytes.substr(0, bytes.size() - 100));
  CentralDirectory dir = MustRead(path);
  ASSERT_EQ(dir.records().size(), 1u);
  EXPECT_EQ(dir.name(dir.records()[0]), "a");
  ASSERT_EQ(dir.warnings().size(), 1u);
  EXPECT_NE(dir.warnings()[0].find("comment"), std::string::npos) << dir.warnings()[0];
}

TEST_F(CentralDirectoryTest, AnEndRecordCutInsideIsStillRefused) {
  ZipBuilder zip;
  zip.File("a", "1");
  std::string path = Write(zip);
  std::string bytes = ReadFile(path);
  WriteFile(path, bytes.substr(0, bytes.size() - 1));
  EXPECT_EQ(MustFail(path).code(), ErrorCode::kCorrupt);
}

TEST_F(CentralDirectoryTest, DosDateZeroIsTheLastDayOf1979) {
  // As unzip reads it: month 0 is January, day 0 the day before the 1st.
  EXPECT_EQ(DosTimeToUnix(0, 0), 315446400);                    // 1979-12-31 00:00
  EXPECT_EQ(DosTimeToUnix((0 << 9) | (0 << 5) | 5, 0), 315878400);  // 1980-01-05
  EXPECT_EQ(DosTimeToUnix((0 << 9) | (2 << 5) | 0, 0), 318124800);  // 1980-01-31
}

TEST_F(CentralDirectoryTest, DosTimeEqualsTimegmForEveryDate) {
  // Every DOS date (invalid months and days included), at times that
  // carry into the next minute, hour and day: the same as timegm(3).
  for (uint32_t date = 0; date <= 0xffff; ++date) {
    for (uint16_t time : {uint16_t(0), uint16_t((23 << 11) | (59 << 5) | 29),
                          uint16_t((31 << 11) | (63 << 5) | 31)}) {
      std::tm tm{};
      tm.tm_year = 80 + (date >> 9);
      tm.tm_mon = std::max(int((date >> 5) & 0xf) - 1, 0);
      tm.tm_mday = date & 0x1f;
      tm.tm_hour = time >> 11;
      tm.tm_min = (time >> 5) & 0x3f;
      tm.tm_sec = (time & 0x1f) * 2;
      ASSERT_EQ(DosTimeToUnix(uint16_t(date), time), int64_t(::timegm(&tm)))
          << "date " << date << " time " << time;
    }
  }
}

TEST_F(CentralDirectoryTest, DosDateZeroInARecord) {
  ZipBuilder zip;
  zip.File("a", "1");
  std::string path = Write(zip);
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(OverwriteBytes(path, entries[0].central_offset + 12, Le16(0) + Le16(0)));
  EXPECT_EQ(MustRead(path).records()[0].mtime, 315446400);
}

std::string PkwareUnix(uint32_t atime, uint32_t mtime) {
  return Le32(atime) + Le32(mtime) + Le16(0) + Le16(0);
}

TEST_F(CentralDirectoryTest, PkwareUnixExtraGivesTheMtime) {
  ZipBuilder zip;
  zip.File("pk", "1").Mtime(1600000000).ExtraField(0x000d, PkwareUnix(1000000000, 1234567890));
  zip.File("pk-and-ut", "2").ExtendedMtime(1500000000).ExtraField(
      0x000d, PkwareUnix(1000000000, 1234567890));
  zip.File("ux-then-pk", "3")
      .ExtraField(0x5855, Le32(0) + Le32(1400000000))
      .ExtraField(0x000d, PkwareUnix(0, 1234567890));
  CentralDirectory dir = MustRead(Write(zip));
  ASSERT_EQ(dir.records().size(), 3u);
  EXPECT_EQ(dir.records()[0].mtime, 1234567890);
  EXPECT_EQ(dir.records()[1].mtime, 1500000000);  // 0x5455 wins, as in unzip
  EXPECT_EQ(dir.records()[2].mtime, 1234567890);  // the last Unix field met
}

TEST_F(CentralDirectoryTest, Zip64SizeOf2To63IsRead) {
  // The size is kept as stored; LayerIndex and FileReader decide its fate.
  ZipBuilder zip;
  zip.File("huge", "12345678").Compress(Compression::kStore).ExtraField(kPlaceholderExtraId, kPlaceholderExtra);
  std::string path = Write(zip);
  ASSERT_TRUE(ClaimZip64Size(path, 0, uint64_t(1) << 63));
  CentralDirectory dir = MustRead(path);
  EXPECT_EQ(dir.records()[0].uncompressed_size, uint64_t(1) << 63);
}

TEST_F(CentralDirectoryTest, PrefixStubShiftsEveryOffset) {
  ZipBuilder zip;
  zip.File("a", "first");
  zip.File("b/c", std::string(3000, 'c'));
  std::string path = Write(zip);
  std::string stub = "#!/bin/sh\necho self-extractor\nexit 0\n" + std::string(1000, '\0');
  ASSERT_TRUE(PrependBytes(path, stub));
  CentralDirectory dir = MustRead(path);
  EXPECT_EQ(dir.prefix_length(), stub.size());
  std::string bytes = ReadFile(path);
  ASSERT_EQ(dir.records().size(), 2u);
  for (const ZipRecord& r : dir.records()) {
    EXPECT_EQ(bytes.substr(r.local_header_offset, 4), "PK\x03\x04") << dir.name(r);
  }
}

TEST_F(CentralDirectoryTest, EmptyArchiveWithPrefix) {
  std::string path = Write(ZipBuilder());
  ASSERT_TRUE(PrependBytes(path, "stub"));
  CentralDirectory dir = MustRead(path);
  EXPECT_TRUE(dir.records().empty());
}

TEST_F(CentralDirectoryTest, NotAZipIsRefused) {
  std::string text = dir_ / "text.zip";
  WriteFile(text, std::string(5000, 'x'));
  EXPECT_EQ(MustFail(text).code(), ErrorCode::kCorrupt);

  std::string empty = dir_ / "empty.zip";
  WriteFile(empty, "");
  EXPECT_EQ(MustFail(empty).code(), ErrorCode::kCorrupt);

  std::string tiny = dir_ / "tiny.zip";
  WriteFile(tiny, "PK\x05\x06");
  EXPECT_EQ(MustFail(tiny).code(), ErrorCode::kCorrupt);
}

TEST_F(CentralDirectoryTest, TruncatedArchivesAreRefused) {
  ZipBuilder zip;
  for (int i = 0; i < 10; ++i) zip.File("file" + std::to_string(i), std::string(500, 'a' + i));
  std::string whole = ReadFile(Write(zip, "whole.zip"));
  // Cut anywhere: inside the data, the central directory, the end record.
  for (size_t keep : {size_t(0), size_t(10), whole.size() / 2, whole.size() - 100,
                      whole.size() - 22, whole.size() - 1}) {
    std::string path = dir_ / ("cut" + std::to_string(keep) + ".zip");
    WriteFile(path, whole.substr(0, keep));
    Status s = MustFail(path);
    EXPECT_TRUE(s.code() == ErrorCode::kCorrupt) << keep << ": " << s.ToString();
  }
}

class CentralDirectoryDamageTest : public CentralDirectoryTest {
 protected:
  // A three-entry zip without comment: its end record is the last 22 bytes.
  std::string Fresh(const std::string& name) {
    ZipBuilder zip;
    zip.File("a", "aaaa");
    zip.File("b", "bbbb");
    zip.File("c", "cccc");
    std::string path = Write(zip, name);
    size_ = ReadFile(path).size();
    return path;
  }
  uint64_t end_record() const { return size_ - 22; }

  size_t size_ = 0;
};

TEST_F(CentralDirectoryDamageTest, EntryCountTooLargeForTheDirectory) {
  std::string path = Fresh("count.zip");
  ASSERT_TRUE(OverwriteBytes(path, end_record() + 8, Le16(500) + Le16(500)));
  EXPECT_EQ(MustFail(path).code(), ErrorCode::kCorrupt);
}

TEST_F(CentralDirectoryDamageTest, DirectoryLargerThanTheFile) {
  std::string path = Fresh("size.zip");
  ASSERT_TRUE(OverwriteBytes(path, end_record() + 12, Le32(1u << 30)));
  EXPECT_EQ(MustFail(path).code(), ErrorCode::kCorrupt);
}

TEST_F(CentralDirectoryDamageTest, DirectoryOffsetPastItsEnd) {
  std::string path = Fresh("offset.zip");
  ASSERT_TRUE(OverwriteBytes(path, end_record() + 16, Le32(uint32_t(size_))));
  EXPECT_EQ(MustFail(path).code(), ErrorCode::kCorrupt);
}

TEST_F(CentralDirectoryDamageTest, BadCentralSignature) {
  std::string path = Fresh("signature.zip");
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(OverwriteBytes(path, entries[1].central_offset, "XXXX"));
  EXPECT_EQ(MustFail(path).code(), ErrorCode::kCorrupt);
}

TEST_F(CentralDirectoryDamageTest, LocalHeaderOffsetOutsideTheArchive) {
  std::string path = Fresh("local.zip");
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(OverwriteBytes(path, entries[2].central_offset + 42, Le32(uint32_t(size_ + 10))));
  Status s = MustFail(path);
  EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
}

TEST_F(CentralDirectoryDamageTest, CompressedSizeRunningPastTheDirectoryIsKept) {
  // Damage to one entry, not to the directory: the archive opens, and
  // Archive::DataOffset fails that entry alone when it is opened.
  std::string path = Fresh("csize.zip");
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(OverwriteBytes(path, entries[0].central_offset + 20, Le32(uint32_t(size_))));
  CentralDirectory dir = MustRead(path);
  ASSERT_EQ(dir.records().size(), 3u);
  EXPECT_EQ(dir.records()[0].compressed_size, size_);
}

TEST_F(CentralDirectoryDamageTest, NameLengthRunsPastTheDirectory) {
  std::string path = Fresh("name.zip");
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(OverwriteBytes(path, entries[2].central_offset + 28, Le16(60000)));
  EXPECT_EQ(MustFail(path).code(), ErrorCode::kCorrupt);
}

bool HasWarning(const CentralDirectory& dir, const std::string& part) {
  for (const std::string& w : dir.warnings()) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST_F(CentralDirectoryDamageTest, MultiDiskMarkerOnASingleFileIsReadWithAWarning) {
  // unzip warns and extracts; every offset is still checked against this file.
  std::string path = Fresh("disk.zip");
  ASSERT_TRUE(OverwriteBytes(path, end_record() + 4, Le16(1) + Le16(1)));
  CentralDirectory dir = MustRead(path);
  EXPECT_EQ(dir.records().size(), 3u);
  EXPECT_TRUE(HasWarning(dir, "multi-disk")) << ::testing::PrintToString(dir.warnings());
}

TEST_F(CentralDirectoryDamageTest, EntryCountTooSmallStillReadsEveryRecord) {
  // A writer that wraps the 16-bit count past 65,535 entries: the records
  // that fill the directory's byte range all count.
  for (uint16_t count : {0, 1, 2}) {
    std::string path = Fresh("low" + std::to_string(count) + ".zip");
    ASSERT_TRUE(OverwriteBytes(path, end_record() + 8, Le16(count) + Le16(count)));
    CentralDirectory dir = MustRead(path);
    ASSERT_EQ(dir.records().size(), 3u) << count;
    EXPECT_EQ(dir.name(dir.records()[2]), "c");
    EXPECT_TRUE(HasWarning(dir, "counts " + std::to_string(count) + " entries")) << count;
  }
}

TEST_F(CentralDirectoryDamageTest, AnExactCountGivesNoWarning) {
  CentralDirectory dir = MustRead(Fresh("exact.zip"));
  EXPECT_EQ(dir.records().size(), 3u);
  EXPECT_TRUE(dir.warnings().empty()) << ::testing::PrintToString(dir.warnings());
}

// Builds an archive of `count` tiny entries, named so they can be checked.
std::string ManyEntries(const TempDir& dir, const std::string& name, int count) {
  ZipBuilder zip;
  for (int i = 0; i < count; ++i) {
    zip.File("d" + std::to_string(i % 97) + "/f" + std::to_string(i), "").Compress(
        Compression::kStore);
  }
  std::string path = dir / name;
  EXPECT_TRUE(zip.Write(path));
  return path;
}

TEST_F(CentralDirectoryTest, Zip64ManyEntries) {
  // More than 65535 entries: the count lives only in the zip64 end record.
  std::string path = ManyEntries(dir_, "many.zip", 65536 + 10);
  std::string bytes = ReadFile(path);
  ASSERT_NE(bytes.find("PK\x06\x06"), std::string::npos) << "libzip wrote no zip64 end record";
  CentralDirectory dir = MustRead(path);
  ASSERT_EQ(dir.records().size(), 65546u);
  EXPECT_EQ(dir.name(dir.records()[0]), "d0/f0");
  EXPECT_EQ(dir.name(dir.records()[65545]), "d70/f65545");

  // The same archive behind a stub.
  ASSERT_TRUE(PrependBytes(path, std::string(777, 's')));
  CentralDirectory shifted = MustRead(path);
  EXPECT_EQ(shifted.records().size(), 65546u);
  EXPECT_EQ(shifted.prefix_length(), 777u);
}

TEST_F(CentralDirectoryTest, Exactly65535Entries) {
  // 0xffff entries: the end record's count field holds the zip64 marker
  // value, whether or not the writer added zip64 records.
  std::string path = ManyEntries(dir_, "ffff.zip", 65535);
  CentralDirectory dir = MustRead(path);
  EXPECT_EQ(dir.records().size(), 65535u);
}

TEST_F(CentralDirectoryTest, AWindowedReadOfALongDirectoryEqualsAReadInOnePiece) {
  // A local file's directory is read through a 64 KiB window that moves
  // along the walk; a source that prefers one read gets it in one piece.
  // Records straddle the window's edges, and one is longer than the
  // window itself (a 60,000-byte extra field after a 9,000-byte name).
  ZipBuilder zip;
  for (int i = 0; i < 3000; ++i) {
    zip.File("dir" + std::to_string(i % 37) + "/" + std::string(size_t(i % 91), 'n') +
                 std::to_string(i),
             std::to_string(i));
    if (i % 250 == 0) zip.ExtraField(0xcafe, std::string(size_t(100 + i), 'x'));
    if (i == 1500) {
      zip.File(std::string(9000, 'L'), "long");
      zip.ExtraField(0xbeef, std::string(60000, 'y'));
    }
  }
  std::string path = Write(zip);
  CentralDirectory windowed = MustRead(path);
  testing_source::MemorySource memory(path, ReadFile(path));
  ASSERT_FALSE(memory.cheap_small_reads());
  Result<CentralDirectory> whole = CentralDirectory::Read(memory);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(memory.reads(), 3u) << "the end record, a look for a zip64 locator, then the "
                                   "directory in one read";
  ASSERT_EQ(windowed.records().size(), 3001u);
  ASSERT_EQ(whole->records().size(), windowed.records().size());
  for (size_t i = 0; i < windowed.records().size(); ++i) {
    const ZipRecord& a = windowed.records()[i];
    const ZipRecord& b = whole->records()[i];
    ASSERT_EQ(windowed.name(a), whole->name(b)) << "record " << i;
    EXPECT_EQ(a.local_header_offset, b.local_header_offset) << "record " << i;
    EXPECT_EQ(a.compressed_size, b.compressed_size) << "record " << i;
    EXPECT_EQ(a.uncompressed_size, b.uncompressed_size) << "record " << i;
    EXPECT_EQ(a.crc32, b.crc32) << "record " << i;
    EXPECT_EQ(a.mtime, b.mtime) << "record " << i;
  }
  EXPECT_EQ(windowed.name(windowed.records()[1501]), std::string(9000, 'L'));
  EXPECT_EQ(windowed.name(windowed.records()[3000]), "dir2/" + std::string(87, 'n') + "2999");
}

}  // namespace
}  // namespace layerfs
