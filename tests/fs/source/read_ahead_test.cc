#include "fs/source/read_ahead.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

constexpr uint64_t kFirst = 1 << 20;
constexpr uint64_t kMax = 8 << 20;

TEST(ReadAheadTest, FirstReadOfAnExtentTakesTheWholeSmallExtent) {
  ReadAhead ahead(kFirst, kMax);
  // A local header read of a 5 KB entry: the entry comes with it.
  EXPECT_EQ(ahead.End(1000, 30, 6000), 6000u);
}

TEST(ReadAheadTest, NeverLoadsPastTheExtent) {
  ReadAhead ahead(kFirst, kMax);
  EXPECT_EQ(ahead.End(0, 30, 100), 100u);
  // The next entry starts where this one ended: sequential, yet the window
  // stops at the next entry's own end.
  EXPECT_EQ(ahead.End(100, 30, 300), 300u);
  EXPECT_EQ(ahead.End(300, 30, 330), 330u);
}

TEST(ReadAheadTest, LargeExtentGrowsTheWindowWhileSequential) {
  ReadAhead ahead(kFirst, kMax);
  const uint64_t end = 100ull << 20;
  EXPECT_EQ(ahead.End(0, 4096, end), 4096 + kFirst);
  EXPECT_EQ(ahead.End(4096, 4096, end), 8192 + 2 * kFirst);
  EXPECT_EQ(ahead.End(8192, 4096, end), 12288 + 4 * kFirst);
  EXPECT_EQ(ahead.End(12288, 4096, end), 16384 + kMax);
  EXPECT_EQ(ahead.End(16384, 4096, end), 20480 + kMax);
  // A jump elsewhere in the extent starts over at the first window.
  EXPECT_EQ(ahead.End(50 << 20, 4096, end), (50u << 20) + 4096 + kFirst);
}

TEST(ReadAheadTest, WithoutAnExtentOnlySequentialReadsLoadAhead) {
  ReadAhead ahead(kFirst, kMax);
  EXPECT_EQ(ahead.End(0, 4096, 0), 4096u);
  EXPECT_EQ(ahead.End(4096, 4096, 0), 8192 + kFirst);
  EXPECT_EQ(ahead.End(8192, 4096, 0), 12288 + 2 * kFirst);
  EXPECT_EQ(ahead.End(0, 4096, 0), 4096u);
}

TEST(ReadAheadTest, ReadPastTheStatedExtentIsStillServed) {
  ReadAhead ahead(kFirst, kMax);
  // An extent end that is a guess (a local header's extra field) may fall
  // short of the read: the read itself is never cut.
  EXPECT_EQ(ahead.End(1000, 500, 1200), 1500u);
}

TEST(ReadAheadTest, ZeroMaximumTurnsItOff) {
  ReadAhead ahead(kFirst, 0);
  EXPECT_EQ(ahead.End(0, 30, 6000), 30u);
  EXPECT_EQ(ahead.End(30, 30, 6000), 60u);
  EXPECT_EQ(ahead.End(60, 30, 0), 90u);
}

}  // namespace
}  // namespace layerfs
