#include "fs/zip/archive.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fs/union/layer.h"
#include "fs/zip/compression_method.h"
#include "tests/support/same_bytes.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"
#include "tests/support/zip_patch.h"

namespace layerfs {
namespace {

using testing_bytes::SameBytes;
using testing_files::ReadFile;
using testing_files::TempDir;
using testing_files::WriteFile;
using namespace testing_zip;

// Bytes that compress, but not to nothing: text-like with some noise.
std::string SampleBytes(size_t size, uint32_t seed) {
  std::mt19937 rng(seed);
  static const char kWords[][8] = {"import ", "def ", "return ", "self", "\n    ", "(x)", "# "};
  std::string out;
  while (out.size() < size) {
    if (rng() % 4 == 0) {
      out += char(rng() % 256);
    } else {
      out += kWords[rng() % 7];
    }
  }
  out.resize(size);
  return out;
}

std::string AsString(const std::vector<char>& v) { return std::string(v.begin(), v.end()); }
std::string AsString(const ByteBuffer& v) { return std::string(v.begin(), v.end()); }

class ArchiveTest : public ::testing::Test {
 protected:
  std::unique_ptr<Archive> Open(const ZipBuilder& zip, const std::string& name = "layer.zip") {
    std::string path = dir_ / name;
    EXPECT_TRUE(zip.Write(path));
    return MustOpen(path);
  }
  static std::unique_ptr<Archive> MustOpen(const std::string& path) {
    Result<std::unique_ptr<Archive>> archive = Archive::Open(path);
    EXPECT_TRUE(archive.ok()) << archive.status().ToString();
    return archive.ok() ? std::move(*archive) : nullptr;
  }
  // Archive::Open and Layer::Open must both refuse `path`, naming it.
  static ErrorCode MustRefuse(const std::string& path) {
    Result<std::unique_ptr<Archive>> archive = Archive::Open(path);
    Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
    EXPECT_FALSE(archive.ok()) << path;
    EXPECT_FALSE(layer.ok()) << path;
    if (archive.ok() || layer.ok()) return ErrorCode::kOk;
    EXPECT_NE(archive.status().message().find(path), std::string::npos)
        << archive.status().message();
    EXPECT_NE(layer.status().message().find(path), std::string::npos)
        << layer.status().message();
    EXPECT_EQ(archive.status().code(), layer.status().code());
    return archive.status().code();
  }
  static uint32_t IndexOf(const Archive& archive, std::string_view name) {
    const auto& records = archive.directory().records();
    for (uint32_t i = 0; i < records.size(); ++i) {
      if (archive.directory().name(records[i]) == name) return i;
    }
    ADD_FAILURE() << "no entry " << name;
    return 0;
  }
  static std::string Whole(const Archive& archive, std::string_view name) {
    Result<ByteBuffer> data = archive.ReadWhole(IndexOf(archive, name));
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    return data.ok() ? AsString(*data) : "<error>";
  }

  TempDir dir_;
};

// ---- Opening -----------------------------------------------------------------

TEST_F(ArchiveTest, OpenReadsTheDirectoryAndTheFileIdentity) {
  std::string path = dir_ / "id.zip";
  ASSERT_TRUE(ZipBuilder().File("a", "1").File("b", "22").Write(path));
  auto archive = MustOpen(path);
  ASSERT_TRUE(archive);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(archive->path(), path);
  EXPECT_EQ(archive->file_size(), uint64_t(st.st_size));
  EXPECT_EQ(archive->file_mtime(), st.st_mtime);
  const SourceIdentity id = archive->source().identity();
  EXPECT_EQ(id.words[0], uint64_t(st.st_dev));
  EXPECT_EQ(id.words[1], uint64_t(st.st_ino));
  EXPECT_EQ(id.words[2], uint64_t(st.st_size));
  EXPECT_EQ(archive->directory().records().size(), 2u);
  EXPECT_EQ(archive->EntryLabel(1), path + ": entry b");
}

TEST_F(ArchiveTest, MissingFileIsNotFound) {
  EXPECT_EQ(MustRefuse(dir_ / "nope.zip"), ErrorCode::kNotFound);
}

TEST_F(ArchiveTest, DirectoryIsNotARegularFile) {
  EXPECT_EQ(MustRefuse(dir_.path()), ErrorCode::kInvalidArgument);
}

TEST_F(ArchiveTest, EmptyFileIsRefused) {
  std::string path = dir_ / "empty.zip";
  WriteFile(path, "");
  EXPECT_EQ(MustRefuse(path), ErrorCode::kCorrupt);
}

TEST_F(ArchiveTest, NotAZipIsRefused) {
  std::string path = dir_ / "text.zip";
  WriteFile(path, "#!/usr/bin/env python3\nprint('hello')\n" + std::string(4000, '#'));
  EXPECT_EQ(MustRefuse(path), ErrorCode::kCorrupt);
}

TEST_F(ArchiveTest, TruncatedZipIsRefused) {
  std::string path = dir_ / "cut.zip";
  ASSERT_TRUE(ZipBuilder().File("a", SampleBytes(20000, 1)).File("b", "x").Write(path));
  std::string bytes = ReadFile(path);
  ASSERT_TRUE(TruncateFile(path, bytes.size() / 2));
  EXPECT_EQ(MustRefuse(path), ErrorCode::kCorrupt);
  WriteFile(path, bytes.substr(0, bytes.size() - 5));
  EXPECT_EQ(MustRefuse(path), ErrorCode::kCorrupt);
}

TEST_F(ArchiveTest, EmptyArchiveOpens) {
  auto archive = Open(ZipBuilder());
  ASSERT_TRUE(archive);
  EXPECT_TRUE(archive->directory().records().empty());
}

// ---- Reading entries ---------------------------------------------------------

class ArchiveMethodTest : public ArchiveTest,
                          public ::testing::WithParamInterface<Compression> {};

TEST_P(ArchiveMethodTest, ReadWholeIsByteExact) {
  std::string big = SampleBytes(300000, 7);
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary += char(i * 7 + (i >> 8));
  ZipBuilder zip;
  zip.File("big", big).Compress(GetParam());
  zip.File("binary", binary).Compress(GetParam());
  zip.File("empty", "").Compress(GetParam());
  zip.File("one", "1").Compress(GetParam());
  auto archive = Open(zip);
  ASSERT_TRUE(archive);
  EXPECT_TRUE(SameBytes(Whole(*archive, "big"), big));
  EXPECT_TRUE(SameBytes(Whole(*archive, "binary"), binary));
  EXPECT_EQ(Whole(*archive, "empty"), "");
  EXPECT_EQ(Whole(*archive, "one"), "1");
  bool native = GetParam() != Compression::kBzip2;  // only bzip2 goes through libzip
  EXPECT_EQ(archive->HasNativeReader(IndexOf(*archive, "big")), native);
}

TEST_P(ArchiveMethodTest, BadCrcIsCorruptAndOtherEntriesStillRead) {
  std::string path = dir_ / "crc.zip";
  std::string good = SampleBytes(50000, 3);
  ASSERT_TRUE(ZipBuilder()
                  .File("good1", good).Compress(GetParam())
                  .File("bad", SampleBytes(50000, 4)).Compress(GetParam())
                  .File("good2", good).Compress(GetParam())
                  .Write(path));
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(FlipDataByte(path, 1, entries[1].compressed_size / 2));
  auto archive = MustOpen(path);
  ASSERT_TRUE(archive);
  Result<ByteBuffer> bad = archive->ReadWhole(1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kCorrupt) << bad.status().ToString();
  EXPECT_NE(bad.status().message().find(path + ": entry bad"), std::string::npos)
      << bad.status().message();
  EXPECT_TRUE(SameBytes(Whole(*archive, "good1"), good));
  EXPECT_TRUE(SameBytes(Whole(*archive, "good2"), good));
}

TEST_P(ArchiveMethodTest, ReadPrefixReadsTheFirstBytesOnly) {
  std::string big = SampleBytes(300000, 11);
  ZipBuilder zip;
  zip.File("big", big).Compress(GetParam());
  zip.File("short", "abc").Compress(GetParam());
  zip.File("empty", "").Compress(GetParam());
  auto archive = Open(zip);
  ASSERT_TRUE(archive);
  char head[64];
  Result<size_t> n = archive->ReadPrefix(IndexOf(*archive, "big"), head);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(std::string(head, *n), big.substr(0, sizeof head));
  // Past the middle of a large entry too, where a decoder is mid-stream.
  std::vector<char> most(200001);
  n = archive->ReadPrefix(IndexOf(*archive, "big"), most);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_TRUE(SameBytes(std::string(most.data(), *n), big.substr(0, most.size())));
  n = archive->ReadPrefix(IndexOf(*archive, "short"), head);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(std::string(head, *n), "abc");
  n = archive->ReadPrefix(IndexOf(*archive, "empty"), head);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 0u);
}

TEST_P(ArchiveMethodTest, MethodConstantsNameWhatZipsCarry) {
  ZipBuilder zip;
  zip.File("a", SampleBytes(1000, 1)).Compress(GetParam());
  auto archive = Open(zip);
  ASSERT_TRUE(archive);
  const uint16_t method = archive->record(0).method;
  switch (GetParam()) {
    case Compression::kStore: EXPECT_EQ(method, kMethodStored); break;
    case Compression::kDeflate: EXPECT_EQ(method, kMethodDeflate); break;
    case Compression::kBzip2: EXPECT_EQ(method, kMethodBzip2); break;
    case Compression::kXz: EXPECT_EQ(method, kMethodXz); break;
    case Compression::kZstd: EXPECT_EQ(method, kMethodZstd); break;
    case Compression::kLzma: EXPECT_EQ(method, kMethodLzma); break;
  }
  EXPECT_NE(MethodName(method).find_first_not_of("0123456789 "), std::string::npos);
  EXPECT_EQ(MethodName(77), "method 77");
}

INSTANTIATE_TEST_SUITE_P(Methods, ArchiveMethodTest,
                         ::testing::Values(Compression::kStore, Compression::kDeflate,
                                           Compression::kBzip2, Compression::kXz,
                                           Compression::kZstd, Compression::kLzma),
                         [](const ::testing::TestParamInfo<Compression>& p) {
                           return CompressionName(p.param);
                         });

TEST_F(ArchiveTest, StoredEntriesAreReadInPlace) {
  std::string text = SampleBytes(10000, 5);
  auto archive = Open(ZipBuilder().File("pad", "xyz").File("s", text).Compress(Compression::kStore));
  ASSERT_TRUE(archive);
  uint32_t s = IndexOf(*archive, "s");
  Result<uint64_t> offset = archive->DataOffset(s);
  ASSERT_TRUE(offset.ok()) << offset.status().ToString();
  std::string bytes = ReadFile(archive->path());
  EXPECT_TRUE(SameBytes(bytes.substr(*offset, text.size()), text));

  std::vector<char> out(100);
  Result<size_t> got = archive->ReadStored(s, *offset, 1234, out);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 100u);
  EXPECT_EQ(AsString(out), text.substr(1234, 100));

  // Reads stop at the end of the entry, not of the file.
  got = archive->ReadStored(s, *offset, text.size() - 10, out);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 10u);
  EXPECT_EQ(std::string(out.data(), 10), text.substr(text.size() - 10));
  got = archive->ReadStored(s, *offset, text.size() + 5, out);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 0u);
}

TEST_F(ArchiveTest, VerifyStoredRemembersItsVerdict) {
  std::string path = dir_ / "verify.zip";
  ASSERT_TRUE(ZipBuilder()
                  .File("ok", SampleBytes(3000, 1)).Compress(Compression::kStore)
                  .File("bad", SampleBytes(3000, 2)).Compress(Compression::kStore)
                  .Write(path));
  ASSERT_TRUE(FlipDataByte(path, 1, 2999));
  auto archive = MustOpen(path);
  ASSERT_TRUE(archive);
  for (int round = 0; round < 2; ++round) {
    Result<uint64_t> ok_offset = archive->DataOffset(0);
    ASSERT_TRUE(ok_offset.ok());
    EXPECT_TRUE(archive->VerifyStored(0, *ok_offset, 1 << 20).ok());
    Result<uint64_t> bad_offset = archive->DataOffset(1);
    ASSERT_TRUE(bad_offset.ok());
    Status s = archive->VerifyStored(1, *bad_offset, 1 << 20);
    EXPECT_EQ(s.code(), ErrorCode::kCorrupt);
    EXPECT_NE(s.message().find("CRC"), std::string::npos) << s.message();
  }
}

TEST_F(ArchiveTest, VerifyStoredSkipsEntriesOverTheLimit) {
  std::string path = dir_ / "limit.zip";
  ASSERT_TRUE(
      ZipBuilder().File("bad", SampleBytes(3000, 2)).Compress(Compression::kStore).Write(path));
  ASSERT_TRUE(FlipDataByte(path, 0, 10));
  auto archive = MustOpen(path);
  ASSERT_TRUE(archive);
  Result<uint64_t> offset = archive->DataOffset(0);
  ASSERT_TRUE(offset.ok());
  EXPECT_TRUE(archive->VerifyStored(0, *offset, 100).ok());
}

TEST_F(ArchiveTest, DamagedLocalHeaderIsCorrupt) {
  std::string path = dir_ / "local.zip";
  ASSERT_TRUE(ZipBuilder().File("a", "aaaa").File("b", "bbbb").Write(path));
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(OverwriteBytes(path, entries[0].local_offset, "XXXX"));
  auto archive = MustOpen(path);  // the central directory is intact
  ASSERT_TRUE(archive);
  EXPECT_EQ(archive->DataOffset(0).status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(archive->ReadWhole(0).status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(Whole(*archive, "b"), "bbbb");
}

TEST_F(ArchiveTest, LocalNameLengthRunningPastTheFileIsCorrupt) {
  std::string path = dir_ / "locallen.zip";
  ASSERT_TRUE(ZipBuilder().File("a", "aaaa").Compress(Compression::kStore).Write(path));
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(OverwriteBytes(path, entries[0].local_offset + 28, Le16(0xffff)));
  auto archive = MustOpen(path);
  ASSERT_TRUE(archive);
  EXPECT_EQ(archive->DataOffset(0).status().code(), ErrorCode::kCorrupt);
}

TEST_F(ArchiveTest, EncryptedEntriesCannotBeRead) {
  for (Encryption e : {Encryption::kAes256, Encryption::kTraditional}) {
    if (!CanWrite(e)) continue;
    std::string name = e == Encryption::kAes256 ? "aes.zip" : "pkware.zip";
    auto archive = Open(ZipBuilder()
                            .File("secret", "the password is not known").Encrypt(e)
                            .File("open", "readable"),
                        name);
    ASSERT_TRUE(archive);
    Result<ByteBuffer> secret = archive->ReadWhole(0);
    ASSERT_FALSE(secret.ok()) << name;
    EXPECT_EQ(secret.status().code(), ErrorCode::kUnsupported) << name;
    EXPECT_NE(secret.status().message().find("secret"), std::string::npos);
    EXPECT_FALSE(archive->DataOffset(0).ok());
    EXPECT_FALSE(archive->HasNativeReader(0));
    char head[8];
    Result<size_t> prefix = archive->ReadPrefix(0, head);
    ASSERT_FALSE(prefix.ok()) << name;
    EXPECT_EQ(prefix.status().code(), ErrorCode::kUnsupported) << name;
    EXPECT_EQ(Whole(*archive, "open"), "readable");
  }
}

TEST_F(ArchiveTest, PrefixStubStoredAndDeflated) {
  std::string path = dir_ / "sfx.zip";
  std::string text = SampleBytes(20000, 9);
  ASSERT_TRUE(ZipBuilder()
                  .File("stored", text).Compress(Compression::kStore)
                  .File("deflated", text).Compress(Compression::kDeflate)
                  .Write(path));
  ASSERT_TRUE(PrependBytes(path, "#!/bin/sh\nexec unzip \"$0\"\n" + std::string(5000, '\x7f')));
  auto archive = MustOpen(path);
  ASSERT_TRUE(archive);
  EXPECT_TRUE(SameBytes(Whole(*archive, "stored"), text));
  EXPECT_TRUE(SameBytes(Whole(*archive, "deflated"), text));
}

TEST_F(ArchiveTest, PrefixStubOtherMethods) {
  // bzip2 is read through libzip, which must find the same entry; xz, zstd
  // and LZMA by layerfs, from the shifted offsets.
  std::string path = dir_ / "sfx2.zip";
  std::string text = SampleBytes(20000, 10);
  ZipBuilder zip;
  zip.File("pad", "p");
  if (CanWrite(Compression::kBzip2)) zip.File("bzip2", text).Compress(Compression::kBzip2);
  zip.File("xz", text).Compress(Compression::kXz);
  zip.File("zstd", text).Compress(Compression::kZstd);
  zip.File("lzma", text).Compress(Compression::kLzma);
  ASSERT_TRUE(zip.Write(path));
  ASSERT_TRUE(PrependBytes(path, std::string(333, 's')));
  auto archive = MustOpen(path);
  ASSERT_TRUE(archive);
  for (const ZipRecord& r : archive->directory().records()) {
    std::string_view name = archive->directory().name(r);
    if (name != "pad") {
      EXPECT_TRUE(SameBytes(Whole(*archive, name), text)) << name;
    }
  }
}

TEST_F(ArchiveTest, LibzipEntriesWithHostileNamesStillRead) {
  // bzip2 goes through libzip, which numbers entries as we do even when
  // names repeat.
  if (!CanWrite(Compression::kBzip2)) GTEST_SKIP();
  auto archive = Open(ZipBuilder()
                          .File("dup", "first").Compress(Compression::kBzip2)
                          .File("dup", "second").Compress(Compression::kBzip2)
                          .File("../x", "third").Compress(Compression::kBzip2));
  ASSERT_TRUE(archive);
  EXPECT_EQ(AsString(*archive->ReadWhole(0)), "first");
  EXPECT_EQ(AsString(*archive->ReadWhole(1)), "second");
  EXPECT_EQ(AsString(*archive->ReadWhole(2)), "third");
}

TEST_F(ArchiveTest, ReplacedLayerFileKeepsServingTheOpenedBytes) {
  std::string path = dir_ / "swap.zip";
  ASSERT_TRUE(ZipBuilder().File("f", "original").Write(path));
  auto archive = MustOpen(path);
  ASSERT_TRUE(archive);
  std::string next = dir_ / "next.zip";
  ASSERT_TRUE(ZipBuilder().File("f", "replacement, longer").Write(next));
  ASSERT_EQ(std::rename(next.c_str(), path.c_str()), 0);
  EXPECT_EQ(Whole(*archive, "f"), "original");
  auto reopened = MustOpen(path);
  ASSERT_TRUE(reopened);
  EXPECT_NE(reopened->source().identity(), archive->source().identity());
  EXPECT_EQ(Whole(*reopened, "f"), "replacement, longer");
}

TEST_F(ArchiveTest, DeletedLayerFileStillReadsEveryMethod) {
  // bzip2 goes through libzip, which must reach the same (unlinked) file.
  std::string path = dir_ / "gone.zip";
  ZipBuilder zip;
  zip.File("deflated", "d-content");
  if (CanWrite(Compression::kBzip2)) zip.File("bzip2", "b-content").Compress(Compression::kBzip2);
  ASSERT_TRUE(zip.Write(path));
  auto archive = MustOpen(path);
  ASSERT_TRUE(archive);
  ASSERT_EQ(std::remove(path.c_str()), 0);
  EXPECT_EQ(Whole(*archive, "deflated"), "d-content");
  if (CanWrite(Compression::kBzip2)) {
    EXPECT_EQ(Whole(*archive, "bzip2"), "b-content");
  }
}

TEST_F(ArchiveTest, ConcurrentReadsFromOneArchive) {
  ZipBuilder zip;
  std::vector<std::string> contents;
  const Compression methods[] = {Compression::kStore, Compression::kDeflate,
                                 Compression::kBzip2, Compression::kXz};
  for (int i = 0; i < 16; ++i) {
    contents.push_back(SampleBytes(20000 + i * 100, uint32_t(i)));
    Compression m = methods[i % 4];
    zip.File("f" + std::to_string(i), contents.back())
        .Compress(CanWrite(m) ? m : Compression::kDeflate);
  }
  auto archive = Open(zip);
  ASSERT_TRUE(archive);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 4; ++round) {
        for (int i = 0; i < 16; ++i) {
          int k = (i + t * 3) % 16;
          Result<ByteBuffer> data = archive->ReadWhole(uint32_t(k));
          if (!data.ok() || AsString(*data) != contents[k]) ++mismatches[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace layerfs
