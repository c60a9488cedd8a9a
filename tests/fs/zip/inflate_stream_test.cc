// InflateStream and its checkpoints, without a mount: the first pass
// records a checkpoint about every spacing, and afterwards a seek to any
// offset restarts within one spacing (plus one deflate block) of it, with
// the bytes that follow exactly the entry's.
#include "fs/zip/inflate_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "fs/zip/archive.h"
#include "fs/zip/inflate_checkpoints.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/same_bytes.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_bytes::Noise;
using testing_bytes::SameBytes;
using testing_files::TempDir;
using namespace testing_zip;

TEST(CheckpointIndexTest, OnlyTheFrontierGrows) {
  CheckpointIndex index(100);
  EXPECT_FALSE(index.Before(50).has_value());
  EXPECT_TRUE(index.Wants(100));
  EXPECT_FALSE(index.Wants(99));
  index.Add({.out_offset = 120, .in_offset = 40, .bits = 3, .window = {'a'}});
  index.Add({.out_offset = 150, .in_offset = 50, .bits = 0, .window = {'b'}});  // too close
  index.Add({.out_offset = 230, .in_offset = 80, .bits = 0, .window = {'c'}});
  EXPECT_FALSE(index.Before(119).has_value());
  EXPECT_EQ(index.Before(120)->out_offset, 120u);
  EXPECT_EQ(index.Before(229)->in_offset, 40u);
  EXPECT_EQ(index.Before(1000)->window, std::vector<char>{'c'});
  EXPECT_FALSE(index.Wants(329));
  EXPECT_TRUE(index.Wants(330));
}

class InflateStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    text_ = Noise(6 << 20, 7);
    std::string path = dir_ / "big.zip";
    ASSERT_TRUE(ZipBuilder().File("big", text_).Compress(Compression::kDeflate).Write(path));
    Result<std::unique_ptr<Archive>> archive = Archive::Open(path);
    ASSERT_TRUE(archive.ok()) << archive.status().ToString();
    archive_ = std::move(*archive);
    Result<uint64_t> offset = archive_->DataOffset(0);
    ASSERT_TRUE(offset.ok());
    data_offset_ = *offset;
    index_ = std::make_shared<CheckpointIndex>(kSpacing);
  }

  // Reads the whole entry once, in odd-sized pieces.
  void FirstPass() {
    InflateStream stream(*archive_, 0, data_offset_, index_);
    std::string got;
    std::vector<char> buf(77777);
    for (;;) {
      Result<size_t> n = stream.Inflate(buf);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (*n == 0) break;
      got.append(buf.data(), *n);
    }
    ASSERT_TRUE(SameBytes(got, text_));
  }

  static constexpr uint64_t kSpacing = 256 << 10;
  TempDir dir_;
  std::string text_;
  std::unique_ptr<Archive> archive_;
  uint64_t data_offset_ = 0;
  std::shared_ptr<CheckpointIndex> index_;
};

TEST_F(InflateStreamTest, FirstPassRecordsACheckpointEverySpacing) {
  FirstPass();
  // One per spacing, give or take the deflate block each waits for.
  std::set<uint64_t> seen;
  for (uint64_t at = 0; at < text_.size(); at += 4096) {
    std::optional<InflateCheckpoint> c = index_->Before(at);
    if (c) seen.insert(c->out_offset);
    if (at >= 2 * kSpacing) {
      ASSERT_TRUE(c.has_value()) << at;
      EXPECT_LT(at - c->out_offset, 2 * kSpacing) << at;
    }
  }
  EXPECT_GE(seen.size(), text_.size() / (2 * kSpacing));
  EXPECT_LE(seen.size(), text_.size() / kSpacing);
}

TEST_F(InflateStreamTest, SeeksRestartNearTheTargetAndReadExactBytes) {
  FirstPass();
  InflateStream stream(*archive_, 0, data_offset_, index_);
  std::mt19937_64 rng(3);
  std::vector<char> buf(4096);
  for (int i = 0; i < 200; ++i) {
    uint64_t target = rng() % text_.size();
    ASSERT_TRUE(stream.SeekNear(target).ok());
    // The work a random read costs: what lies between restart and target.
    ASSERT_LE(stream.position(), target);
    ASSERT_LT(target - stream.position(), 2 * kSpacing) << target;
    std::vector<char> skip(target - stream.position());
    ASSERT_TRUE(stream.Inflate(skip).ok());
    Result<size_t> n = stream.Inflate(buf);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    size_t want = std::min<size_t>(buf.size(), text_.size() - target);
    ASSERT_EQ(*n, want);
    ASSERT_TRUE(SameBytes(std::string_view(buf.data(), *n),
                          std::string_view(text_).substr(target, want)))
        << "at " << target;
  }
}

}  // namespace
}  // namespace layerfs
