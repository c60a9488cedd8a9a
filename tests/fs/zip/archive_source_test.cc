// Archive over sources other than a local file: every read goes through
// the ByteSource seam (the libzip path included), errors name the source
// and the entry, and a source that fails mid-entry yields an error, never
// other bytes.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fs/zip/archive.h"
#include "fs/zip/inflate_checkpoints.h"
#include "fs/zip/inflate_stream.h"
#include "tests/support/memory_source.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::ReadFile;
using testing_files::TempDir;
using testing_source::MemorySource;
using namespace testing_zip;

constexpr char kUrl[] = "https://layers.example/numpy.zip";

std::string ZipBytes(const ZipBuilder& zip) {
  TempDir tmp;
  EXPECT_TRUE(zip.Write(tmp / "l.zip"));
  return ReadFile(tmp / "l.zip");
}

uint32_t IndexOf(const Archive& archive, std::string_view name) {
  const auto& records = archive.directory().records();
  for (uint32_t i = 0; i < records.size(); ++i) {
    if (archive.directory().name(records[i]) == name) return i;
  }
  ADD_FAILURE() << "no entry " << name;
  return 0;
}

std::string Whole(const Archive& archive, std::string_view name) {
  Result<ByteBuffer> data = archive.ReadWhole(IndexOf(archive, name));
  EXPECT_TRUE(data.ok()) << data.status().ToString();
  return data.ok() ? std::string(data->begin(), data->end()) : "";
}

TEST(ArchiveSourceTest, EveryMethodReadsThroughTheSource) {
  const std::string text = testing_bytes::Noise(300000, 5);
  ZipBuilder zip;
  zip.File("stored", text).Compress(Compression::kStore);
  zip.File("deflated", text);
  zip.File("bzip2", text).Compress(Compression::kBzip2);
  auto source = std::make_unique<MemorySource>(kUrl, ZipBytes(zip));
  const MemorySource* raw = source.get();
  Result<std::unique_ptr<Archive>> archive = Archive::Open(std::move(source));
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  EXPECT_EQ((*archive)->path(), kUrl);
  uint64_t before = raw->reads();
  EXPECT_EQ(Whole(**archive, "stored"), text);
  EXPECT_EQ(Whole(**archive, "deflated"), text);
  EXPECT_EQ(Whole(**archive, "bzip2"), text);  // libzip, over the same source
  EXPECT_GT(raw->reads(), before);
}

TEST(ArchiveSourceTest, AFailingSourceGivesAnErrorNamingItNeverOtherBytes) {
  const std::string text = testing_bytes::Noise(400000, 9);
  ZipBuilder zip;
  zip.File("deflated", text);
  zip.File("bzip2", text).Compress(Compression::kBzip2);
  zip.File("stored", text).Compress(Compression::kStore);
  const std::string bytes = ZipBytes(zip);
  // One failing byte inside the data of the first entry, then of a later
  // one: the directory at the end still reads, so the failure reaches the
  // read path.
  int failed = 0;
  for (uint64_t cut : {uint64_t(1000), uint64_t(bytes.size() / 2)}) {
    Result<std::unique_ptr<Archive>> archive =
        Archive::Open(std::make_unique<MemorySource>(kUrl, bytes, cut, cut + 1));
    ASSERT_TRUE(archive.ok()) << archive.status().ToString();
    for (const char* name : {"deflated", "bzip2", "stored"}) {
      const Archive& a = **archive;
      const uint32_t index = IndexOf(a, name);
      Result<ByteBuffer> data = a.ReadWhole(index);
      Result<uint64_t> offset = a.DataOffset(index);
      bool spans_cut = offset.ok() && *offset <= cut &&
                       *offset + a.record(index).compressed_size > cut;
      if (!spans_cut) {
        ASSERT_TRUE(data.ok()) << name << ": " << data.status().ToString();
        EXPECT_EQ(std::string(data->begin(), data->end()), text) << name;
        continue;
      }
      ASSERT_FALSE(data.ok()) << name << " read through a failing byte at " << cut;
      ++failed;
      EXPECT_NE(data.status().message().find(kUrl), std::string::npos)
          << data.status().message();
    }
  }
  EXPECT_EQ(failed, 2);  // each cut lies in exactly one entry's data
}

TEST(ArchiveSourceTest, StreamedRangesReadThroughTheSourceAndFailCleanly) {
  const std::string text = testing_bytes::Noise(2 << 20, 3);
  ZipBuilder zip;
  zip.File("big", text);
  const std::string bytes = ZipBytes(zip);
  Result<std::unique_ptr<Archive>> archive =
      Archive::Open(std::make_unique<MemorySource>(kUrl, bytes, bytes.size() / 2,
                                                   bytes.size() / 2 + 1));
  ASSERT_TRUE(archive.ok());
  const uint32_t index = IndexOf(**archive, "big");
  Result<uint64_t> offset = (*archive)->DataOffset(index);
  ASSERT_TRUE(offset.ok());
  InflateStream stream(**archive, index, *offset, std::make_shared<CheckpointIndex>(256 << 10));
  std::vector<char> out(64 << 10);
  uint64_t at = 0;
  Status failure = Status::Ok();
  ASSERT_TRUE(stream.SeekNear(0).ok());
  while (at < text.size()) {
    Result<size_t> got = stream.Inflate(out);
    if (!got.ok()) {
      failure = got.status();
      break;
    }
    ASSERT_GT(*got, 0u);
    ASSERT_EQ(std::string(out.data(), *got), text.substr(at, *got)) << "at " << at;
    at += *got;
  }
  EXPECT_LT(at, text.size()) << "the whole entry read past a failing source";
  EXPECT_FALSE(failure.ok());
  EXPECT_NE(failure.message().find(kUrl), std::string::npos) << failure.message();
}

}  // namespace
}  // namespace layerfs
