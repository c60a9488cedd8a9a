#include "fs/read/file_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/noise_bytes.h"
#include "tests/support/same_bytes.h"
#include "tests/support/test_files.h"
#include "tests/support/union_stack.h"
#include "tests/support/zip_builder.h"
#include "tests/support/zip_patch.h"

namespace layerfs {
namespace {

using testing_bytes::SameBytes;
using testing_files::ReadFile;
using testing_files::TempDir;
using namespace testing_zip;
using namespace testing_union;

// Text-like bytes with noise: compresses, but not trivially.
std::string SampleBytes(size_t size, uint32_t seed) {
  return testing_bytes::PathNoise(size, seed, "site-packages/requests/");
}

class FileReaderTest : public ::testing::Test {
 protected:
  std::unique_ptr<UnionView> Stack(const std::vector<ZipBuilder>& layers) {
    return OpenStack(WriteLayers(dir_.path(), layers));
  }
  static std::unique_ptr<UnionView> OpenPaths(const std::vector<std::string>& paths) {
    return OpenStack(paths);
  }
  static const UnionNode* Find(const UnionView& view, std::string_view path) {
    return FindNode(view, path);
  }
  // Opens `path` with the fixture's resources, or with `resources`.
  Result<std::unique_ptr<FileReader>> OpenFile(const UnionView& view, std::string_view path,
                                               ReadResources* resources = nullptr) {
    const UnionNode* node = Find(view, path);
    if (node == nullptr) return Status::NotFound(std::string(path));
    return FileReader::Open(view, *node, resources != nullptr ? *resources : resources_);
  }
  // The whole file read in `chunk`-byte pieces, or the first failure.
  Result<std::string> ReadAll(const UnionView& view, std::string_view path,
                              size_t chunk = 65536, ReadResources* resources = nullptr) {
    Result<std::unique_ptr<FileReader>> reader = OpenFile(view, path, resources);
    if (!reader.ok()) return reader.status();
    std::string out;
    std::vector<char> buf(chunk);
    while (true) {
      Result<size_t> n = (*reader)->Read(out.size(), buf);
      if (!n.ok()) return n.status();
      if (*n == 0) return out;
      out.append(buf.data(), *n);
    }
  }
  // Whether opening or reading `path` fails with `code`.
  ::testing::AssertionResult FailsWith(const UnionView& view, std::string_view path,
                                       ErrorCode code) {
    Result<std::string> data = ReadAll(view, path);
    if (data.ok()) return ::testing::AssertionFailure() << path << " was read";
    if (data.status().code() != code) {
      return ::testing::AssertionFailure() << path << ": " << data.status().ToString();
    }
    return ::testing::AssertionSuccess();
  }
  // Reads at random offsets and sizes and compares with `expected`.
  static void RandomReads(FileReader& reader, const std::string& expected, uint32_t seed) {
    std::mt19937 rng(seed);
    for (int i = 0; i < 200; ++i) {
      uint64_t offset = rng() % (expected.size() + 100);
      size_t size = 1 + rng() % (i % 10 == 0 ? 200000 : 5000);
      std::vector<char> buf(size, '\xee');
      Result<size_t> n = reader.Read(offset, buf);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      size_t want = offset >= expected.size() ? 0 : std::min(size, expected.size() - offset);
      ASSERT_EQ(*n, want) << "offset " << offset << " size " << size;
      ASSERT_TRUE(SameBytes(std::string_view(buf.data(), *n),
                            std::string_view(expected).substr(
                                std::min<uint64_t>(offset, expected.size()), want)))
          << "offset " << offset << " size " << size;
    }
  }

  TempDir dir_;
  ReadResources resources_{64 << 20};
};

class FileReaderMethodTest : public FileReaderTest,
                             public ::testing::WithParamInterface<Compression> {};

TEST_P(FileReaderMethodTest, ContentsAreByteExact) {
  std::string big = SampleBytes(700000, 11);
  std::string small = "print('hello from a layer')\n";
  std::string zeros(100000, '\0');
  auto view = Stack({ZipBuilder()
                         .File("python/big.bin", big).Compress(GetParam())
                         .File("python/small.py", small).Compress(GetParam())
                         .File("zeros", zeros).Compress(GetParam())
                         .File("empty", "").Compress(GetParam())});
  ASSERT_TRUE(view);
  const auto& records = view->layer(0).archive().directory().records();
  uint16_t expected_method[] = {0, 8, 12, 95, 93, 14};
  EXPECT_EQ(records[0].method, expected_method[int(GetParam())]);

  for (size_t chunk : {size_t(1) << 20, size_t(4096), size_t(4093)}) {
    Result<std::string> data = ReadAll(*view, "python/big.bin", chunk);
    ASSERT_TRUE(data.ok()) << data.status().ToString();
    EXPECT_TRUE(SameBytes(*data, big)) << "chunk " << chunk;
  }
  Result<std::string> s = ReadAll(*view, "python/small.py");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, small);
  Result<std::string> z = ReadAll(*view, "zeros");
  ASSERT_TRUE(z.ok());
  EXPECT_TRUE(SameBytes(*z, zeros));
  Result<std::string> e = ReadAll(*view, "empty");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*e, "");
}

TEST_P(FileReaderMethodTest, RandomOffsetsAndSizes) {
  std::string big = SampleBytes(400000, 12);
  auto view = Stack({ZipBuilder().File("f", big).Compress(GetParam())});
  ASSERT_TRUE(view);
  Result<std::unique_ptr<FileReader>> reader = OpenFile(*view, "f");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  RandomReads(**reader, big, 1);
}

TEST_P(FileReaderMethodTest, EntriesLargerThanTheWholeEntryLimit) {
  // A small budget: stored, deflated, xz, zstd and LZMA entries stream
  // (the last three restarting from the entry's start for a backward
  // read); bzip2, through libzip, can only be decompressed whole: refused.
  ReadResources small(256 << 10);
  std::string big = SampleBytes(300000, 13);
  ASSERT_GT(big.size(), small.whole_entry_limit());
  auto view = Stack({ZipBuilder().File("f", big).Compress(GetParam())});
  ASSERT_TRUE(view);
  Result<std::unique_ptr<FileReader>> reader = OpenFile(*view, "f", &small);
  if (GetParam() == Compression::kBzip2) {
    ASSERT_FALSE(reader.ok());
    EXPECT_EQ(reader.status().code(), ErrorCode::kUnsupported);
    return;
  }
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  RandomReads(**reader, big, 2);
  Result<std::string> all = ReadAll(*view, "f", 8192, &small);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_TRUE(SameBytes(*all, big));
  EXPECT_LE(small.cache().stats().bytes_held, small.cache().capacity());
}

TEST_P(FileReaderMethodTest, BadCrcFailsAsCorruptAndOtherEntriesStillRead) {
  std::string path = dir_ / "bad.zip";
  std::string good = SampleBytes(60000, 14);
  ASSERT_TRUE(ZipBuilder()
                  .File("before", good).Compress(GetParam())
                  .File("broken", SampleBytes(60000, 15)).Compress(GetParam())
                  .File("after", good).Compress(GetParam())
                  .Write(path));
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(FlipDataByte(path, 1, entries[1].compressed_size / 3));
  auto view = OpenPaths({path});
  ASSERT_TRUE(view);
  EXPECT_TRUE(FailsWith(*view, "broken", ErrorCode::kCorrupt));
  EXPECT_TRUE(FailsWith(*view, "broken", ErrorCode::kCorrupt));  // and again
  Result<std::string> before = ReadAll(*view, "before");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_TRUE(SameBytes(*before, good));
  Result<std::string> after = ReadAll(*view, "after");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(SameBytes(*after, good));
}

TEST_P(FileReaderMethodTest, ReadsThroughAPrefixStub) {
  std::string path = dir_ / "sfx.zip";
  std::string text = SampleBytes(50000, 16);
  ASSERT_TRUE(ZipBuilder().File("pad", "p").File("f", text).Compress(GetParam()).Write(path));
  ASSERT_TRUE(PrependBytes(path, "#!/bin/sh\nexit 0\n" + std::string(4000, '\0')));
  auto view = OpenPaths({path});
  ASSERT_TRUE(view);
  Result<std::string> data = ReadAll(*view, "f");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_TRUE(SameBytes(*data, text));
}

INSTANTIATE_TEST_SUITE_P(Methods, FileReaderMethodTest,
                         ::testing::Values(Compression::kStore, Compression::kDeflate,
                                           Compression::kBzip2, Compression::kXz,
                                           Compression::kZstd, Compression::kLzma),
                         [](const ::testing::TestParamInfo<Compression>& p) {
                           return CompressionName(p.param);
                         });

TEST_F(FileReaderTest, TheWinningLayerIsRead) {
  auto view = Stack({ZipBuilder().File("f", "bottom layer content").File("only-bottom", "b"),
                     ZipBuilder().File("f", "top").Compress(Compression::kStore),
                     ZipBuilder().File("other", "o")});
  ASSERT_TRUE(view);
  Result<std::string> f = ReadAll(*view, "f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, "top");
  Result<std::string> b = ReadAll(*view, "only-bottom");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "b");
}

TEST_F(FileReaderTest, DuplicateInsideOneArchiveReadsTheLaterEntry) {
  auto view = Stack({ZipBuilder()
                         .File("dup", "first version").Compress(Compression::kDeflate)
                         .File("dup", "second").Compress(Compression::kStore)
                         .File("dup2", "stored first").Compress(Compression::kStore)
                         .File("dup2", "deflated second").Compress(Compression::kDeflate)});
  ASSERT_TRUE(view);
  EXPECT_EQ(*ReadAll(*view, "dup"), "second");
  EXPECT_EQ(*ReadAll(*view, "dup2"), "deflated second");
}

TEST_F(FileReaderTest, OnlyRegularFilesOpen) {
  auto view = Stack({ZipBuilder().Dir("d").Symlink("l", "d")});
  ASSERT_TRUE(view);
  EXPECT_EQ(OpenFile(*view, "d").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(OpenFile(*view, "l").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(FileReader::Open(*view, view->root(), resources_).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(FileReaderTest, SpecialFilesReadAsRegularFiles) {
  auto view = Stack({ZipBuilder().File("fifo", "fifo bytes").RawMode(S_IFIFO | 0644)});
  ASSERT_TRUE(view);
  Result<std::string> data = ReadAll(*view, "fifo");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(*data, "fifo bytes");
}

TEST_F(FileReaderTest, EncryptedEntriesFailAndOthersStillRead) {
  for (Encryption e : {Encryption::kAes256, Encryption::kTraditional}) {
    if (!CanWrite(e)) continue;
    SCOPED_TRACE(e == Encryption::kAes256 ? "AES-256" : "traditional PKWARE");
    auto view = Stack({ZipBuilder()
                           .File("secret", "classified").Encrypt(e)
                           .File("stored-secret", "classified").Compress(Compression::kStore)
                           .Encrypt(e)
                           .File("public", "open data")});
    ASSERT_TRUE(view);
    EXPECT_TRUE(FailsWith(*view, "secret", ErrorCode::kUnsupported));
    EXPECT_TRUE(FailsWith(*view, "stored-secret", ErrorCode::kUnsupported));
    Result<std::string> open = ReadAll(*view, "public");
    ASSERT_TRUE(open.ok());
    EXPECT_EQ(*open, "open data");
  }
}

TEST_F(FileReaderTest, UnsupportedMethodFails) {
  // Patch the method of a stored entry to 99 (AES marker without the flag)
  // in both headers: nothing can read it.
  std::string path = dir_ / "method.zip";
  ASSERT_TRUE(ZipBuilder()
                  .File("odd", "bytes").Compress(Compression::kStore)
                  .File("fine", "ok")
                  .Write(path));
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  ASSERT_TRUE(OverwriteBytes(path, entries[0].central_offset + 10, Le16(97)));
  ASSERT_TRUE(OverwriteBytes(path, entries[0].local_offset + 8, Le16(97)));
  auto view = OpenPaths({path});
  ASSERT_TRUE(view);
  Result<std::string> odd = ReadAll(*view, "odd");
  EXPECT_FALSE(odd.ok());
  Result<std::string> fine = ReadAll(*view, "fine");
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(*fine, "ok");
}

TEST_F(FileReaderTest, SizeOf2To63OrMoreFailsAndOthersStillRead) {
  std::string path = dir_ / "huge.zip";
  ASSERT_TRUE(ZipBuilder()
                  .File("huge", "12345678").Compress(Compression::kStore)
                  .ExtraField(kPlaceholderExtraId, kPlaceholderExtra)
                  .File("fine", "ok")
                  .Write(path));
  ASSERT_TRUE(ClaimZip64Size(path, 0, uint64_t(1) << 63));
  auto view = OpenPaths({path});
  ASSERT_TRUE(view);
  EXPECT_TRUE(FailsWith(*view, "huge", ErrorCode::kCorrupt));
  Result<std::string> fine = ReadAll(*view, "fine");
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(*fine, "ok");
}

TEST_F(FileReaderTest, TruncatedEntryDataFails) {
  // The central directory claims more stored bytes than the file holds
  // before the directory: refused when opened or read, never garbage.
  std::string path = dir_ / "short.zip";
  ASSERT_TRUE(ZipBuilder()
                  .File("s", SampleBytes(1000, 1)).Compress(Compression::kStore)
                  .File("t", "tail")
                  .Write(path));
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path, &entries));
  // Grow both sizes of "s" so its data would run over "t" and beyond.
  std::string size = Le32(uint32_t(entries[0].compressed_size + 100000));
  ASSERT_TRUE(OverwriteBytes(path, entries[0].central_offset + 20, size + size));
  Result<std::unique_ptr<UnionView>> view = UnionView::Open({path});
  if (!view.ok()) {
    EXPECT_EQ(view.status().code(), ErrorCode::kCorrupt);  // refused up front
    return;
  }
  Result<std::string> s = ReadAll(**view, "s");
  EXPECT_FALSE(s.ok());
}

TEST_F(FileReaderTest, LabelNamesLayerAndEntry) {
  auto view = Stack({ZipBuilder().File("dir/file.py", "x")});
  ASSERT_TRUE(view);
  Result<std::unique_ptr<FileReader>> reader = OpenFile(*view, "dir/file.py");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->Label(), (dir_ / "layer0.zip") + ": entry dir/file.py");
}

TEST_F(FileReaderTest, CompressedEntriesAreDecompressedOnceIntoTheSharedCache) {
  std::string text = SampleBytes(100000, 17);
  auto view = Stack({ZipBuilder().File("f", text).Compress(Compression::kDeflate)});
  ASSERT_TRUE(view);
  Result<std::unique_ptr<FileReader>> r1 = OpenFile(*view, "f");
  Result<std::unique_ptr<FileReader>> r2 = OpenFile(*view, "f");
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(r2.ok());
  std::vector<char> buf(1000);
  for (uint64_t off = 0; off < text.size(); off += 10000) {
    ASSERT_TRUE((*r1)->Read(off, buf).ok());
    ASSERT_TRUE((*r2)->Read(off, buf).ok());
  }
  EXPECT_EQ(resources_.cache().stats().bytes_loaded, text.size());
  EXPECT_EQ(resources_.cache().stats().misses, 1u);
}

TEST_F(FileReaderTest, ConcurrentReadsOfOneHandle) {
  std::string text = SampleBytes(500000, 18);
  std::string stored = SampleBytes(300000, 19);
  auto view = Stack({ZipBuilder()
                         .File("deflated", text).Compress(Compression::kDeflate)
                         .File("stored", stored).Compress(Compression::kStore)});
  ASSERT_TRUE(view);
  for (const auto& [name, expected] :
       {std::pair<std::string, const std::string*>{"deflated", &text}, {"stored", &stored}}) {
    Result<std::unique_ptr<FileReader>> reader = OpenFile(*view, name);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    std::atomic<int> errors{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng{uint32_t(t)};
        std::vector<char> buf(4096);
        for (int i = 0; i < 300; ++i) {
          uint64_t off = rng() % expected->size();
          Result<size_t> n = (*reader)->Read(off, buf);
          size_t want = std::min<size_t>(buf.size(), expected->size() - off);
          if (!n.ok() || *n != want ||
              std::string_view(buf.data(), *n) != std::string_view(*expected).substr(off, want)) {
            ++errors;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(errors, 0) << name;
  }
}

// Large deflated entries under a small budget go through the streaming
// reader: checkpoints, block cache and all. Only the bytes are checked.
class StreamedFileTest : public FileReaderTest {
 protected:
  void SetUp() override {
    text_ = SampleBytes(4 << 20, 21);
    path_ = dir_ / "streamed.zip";
    ASSERT_TRUE(ZipBuilder()
                    .File("small", "tiny")
                    .File("big", text_).Compress(Compression::kDeflate)
                    .Write(path_));
  }

  std::string text_;
  std::string path_;
  ReadResources small_{1 << 20};
};

TEST_F(StreamedFileTest, ReadsInAnyOrderAreByteExact) {
  ASSERT_GT(text_.size(), small_.whole_entry_limit());
  auto view = OpenPaths({path_});
  ASSERT_TRUE(view);
  Result<std::unique_ptr<FileReader>> reader = OpenFile(*view, "big", &small_);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  // Backwards, 100 KB at a time: every read seeks behind the stream.
  std::vector<char> buf(100000);
  for (uint64_t end = text_.size(); end > 0;) {
    uint64_t start = end > buf.size() ? end - buf.size() : 0;
    Result<size_t> n = (*reader)->Read(start, std::span<char>(buf.data(), end - start));
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_EQ(*n, end - start);
    ASSERT_TRUE(SameBytes(std::string_view(buf.data(), *n),
                          std::string_view(text_).substr(start, *n)))
        << "at " << start;
    end = start;
  }
  RandomReads(**reader, text_, 3);
  EXPECT_LE(small_.cache().stats().bytes_held, small_.cache().capacity());
}

TEST_F(StreamedFileTest, ConcurrentReadsOfOneHandle) {
  auto view = OpenPaths({path_});
  ASSERT_TRUE(view);
  Result<std::unique_ptr<FileReader>> reader = OpenFile(*view, "big", &small_);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng{uint32_t(100 + t)};
      std::vector<char> buf(70000);
      for (int i = 0; i < 40; ++i) {
        uint64_t off = rng() % text_.size();
        Result<size_t> n = (*reader)->Read(off, buf);
        size_t want = std::min<size_t>(buf.size(), text_.size() - off);
        if (!n.ok() || *n != want ||
            std::string_view(buf.data(), *n) != std::string_view(text_).substr(off, want)) {
          ++errors;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors, 0);
}

TEST_F(StreamedFileTest, DamagedDataFailsWhenReadThroughAndOthersStillRead) {
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(path_, &entries));
  ASSERT_TRUE(FlipDataByte(path_, 1, entries[1].compressed_size / 2));
  auto view = OpenPaths({path_});
  ASSERT_TRUE(view);
  Result<std::string> big = ReadAll(*view, "big", 65536, &small_);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), ErrorCode::kCorrupt) << big.status().ToString();
  Result<std::string> small = ReadAll(*view, "small", 65536, &small_);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(*small, "tiny");
}

TEST_F(FileReaderTest, ReadsPastTheEndReturnNothing) {
  auto view = Stack({ZipBuilder().File("d", "deflated").File("s", "stored!!").Compress(
      Compression::kStore)});
  ASSERT_TRUE(view);
  for (const char* name : {"d", "s"}) {
    Result<std::unique_ptr<FileReader>> reader = OpenFile(*view, name);
    ASSERT_TRUE(reader.ok());
    std::vector<char> buf(10);
    EXPECT_EQ(*(*reader)->Read(6, buf), 2u) << name;
    EXPECT_EQ(*(*reader)->Read(100, buf), 0u) << name;
    EXPECT_EQ(*(*reader)->Read(UINT64_MAX - 5, buf), 0u) << name;
    std::vector<char> none;
    EXPECT_EQ(*(*reader)->Read(0, none), 0u) << name;
  }
}

}  // namespace
}  // namespace layerfs
