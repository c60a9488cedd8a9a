// The deflate EntryDecoder (ISA-L), without a mount: it gives the entry's exact
// bytes in pieces of any size, and every lie of the archive (CRC-32, stated
// size either way, damaged data, a cut file) ends in an error, never in
// bytes reported as good.
#include "fs/zip/entry_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fs/zip/archive.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/same_bytes.h"
#include "tests/support/memory_source.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"
#include "tests/support/zip_patch.h"

namespace layerfs {
namespace {

using testing_bytes::Noise;
using testing_bytes::SameBytes;
using testing_files::TempDir;
using namespace testing_zip;

// Offsets in a central-directory record.
constexpr uint64_t kCentralCrc = 16;
constexpr uint64_t kCentralUncompressedSize = 24;

class DeflateDecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    text_ = Noise(3 << 20, 11);
    path_ = dir_ / "big.zip";
    ASSERT_TRUE(ZipBuilder().File("big", text_).Compress(Compression::kDeflate).Write(path_));
    ASSERT_TRUE(LocateEntries(path_, &entries_));
  }

  // Inflates the whole entry in odd-sized pieces; the first error, or the
  // bytes.
  Result<std::string> InflateAll() {
    Result<std::unique_ptr<Archive>> archive = Archive::Open(path_);
    if (!archive.ok()) return archive.status();
    Result<uint64_t> offset = (*archive)->DataOffset(0);
    if (!offset.ok()) return offset.status();
    Result<std::unique_ptr<EntryDecoder>> decoder = OpenEntryDecoder(**archive, 0, *offset);
    if (!decoder.ok()) return decoder.status();
    std::string got;
    std::vector<char> buf(77777);
    for (;;) {
      Result<size_t> n = (*decoder)->Decode(buf);
      if (!n.ok()) return n.status();
      if (*n == 0) return got;
      got.append(buf.data(), *n);
    }
  }

  void ExpectCorrupt(const std::string& why) {
    Result<std::string> got = InflateAll();
    ASSERT_FALSE(got.ok()) << "bytes reported good for " << why;
    EXPECT_EQ(got.status().code(), ErrorCode::kCorrupt) << got.status().ToString();
    EXPECT_NE(got.status().message().find("big.zip"), std::string::npos)
        << got.status().ToString();
  }

  TempDir dir_;
  std::string text_;
  std::string path_;
  std::vector<EntryLocation> entries_;
};

TEST_F(DeflateDecoderTest, GivesTheEntryExactly) {
  Result<std::string> got = InflateAll();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(SameBytes(*got, text_));
}

TEST_F(DeflateDecoderTest, AWrongCrcIsCorrupt) {
  ASSERT_TRUE(OverwriteBytes(path_, entries_[0].central_offset + kCentralCrc, Le32(0x12345678)));
  ExpectCorrupt("a wrong CRC-32");
}

TEST_F(DeflateDecoderTest, DataLongerThanStatedIsCorrupt) {
  ASSERT_TRUE(OverwriteBytes(path_, entries_[0].central_offset + kCentralUncompressedSize,
                             Le32(uint32_t(text_.size() - 1))));
  ExpectCorrupt("a size one byte short");
}

TEST_F(DeflateDecoderTest, DataShorterThanStatedIsCorrupt) {
  ASSERT_TRUE(OverwriteBytes(path_, entries_[0].central_offset + kCentralUncompressedSize,
                             Le32(uint32_t(text_.size() + 100))));
  ExpectCorrupt("a size 100 bytes long");
}

TEST_F(DeflateDecoderTest, DamagedDataIsNeverGood) {
  for (uint64_t at : {uint64_t(10), entries_[0].compressed_size / 2,
                      entries_[0].compressed_size - 3}) {
    SetUp();
    ASSERT_TRUE(FlipDataByte(path_, 0, at));
    ExpectCorrupt("a flipped byte at " + std::to_string(at));
  }
}

TEST_F(DeflateDecoderTest, AFailingReadIsAnIoErrorNamingTheEntry) {
  std::string bytes = testing_files::ReadFile(path_);
  uint64_t middle = entries_[0].data_offset + entries_[0].compressed_size / 2;
  Result<std::unique_ptr<Archive>> archive = Archive::Open(
      std::make_unique<testing_source::MemorySource>("big.zip", bytes, middle, middle + 1));
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  Result<std::unique_ptr<EntryDecoder>> decoder =
      OpenEntryDecoder(**archive, 0, entries_[0].data_offset);
  ASSERT_TRUE(decoder.ok()) << decoder.status().ToString();
  std::vector<char> buf(1 << 20);
  Status failed;
  for (;;) {
    Result<size_t> n = (*decoder)->Decode(buf);
    if (!n.ok()) {
      failed = n.status();
      break;
    }
    ASSERT_NE(*n, 0u) << "the whole entry came through a failing source";
  }
  EXPECT_EQ(failed.code(), ErrorCode::kIoError) << failed.ToString();
  EXPECT_NE(failed.message().find("big.zip: entry big"), std::string::npos) << failed.ToString();
}

}  // namespace
}  // namespace layerfs
