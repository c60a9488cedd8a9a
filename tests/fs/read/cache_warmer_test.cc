// CacheWarmer: which files are worth decompressing ahead, and the worker
// that decompresses them, in order, into the read cache.
#include "fs/read/cache_warmer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/test_files.h"
#include "tests/support/union_stack.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using namespace testing_zip;
using namespace testing_union;

class CacheWarmerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ZipBuilder zip;
    zip.File("d/deflated.bin", std::string(50000, 'd') + "end");
    zip.File("d/stored.bin", std::string(50000, 's')).Compress(Compression::kStore);
    zip.File("d/empty.bin", "");
    zip.File("d/other.bin", std::string(70000, 'o'));
    view_ = OpenStack(WriteLayers(dir_.path(), {zip}));
    ASSERT_NE(view_, nullptr);
  }
  const UnionNode& At(std::string_view path) { return *FindNode(*view_, path); }

  TempDir dir_;
  std::shared_ptr<const UnionView> view_;
  ReadResources resources_{8 << 20};
  ReaderPool readers_{8};
};

TEST_F(CacheWarmerTest, OnlyCompressedFilesAreWorthIt) {
  EXPECT_TRUE(WorthWarming(At("d/deflated.bin")));
  EXPECT_FALSE(WorthWarming(At("d/stored.bin"))) << "read in place";
  EXPECT_FALSE(WorthWarming(At("d/empty.bin")));
  EXPECT_FALSE(WorthWarming(At("d"))) << "a directory";
}

TEST_F(CacheWarmerTest, DecompressesEachFileOnceIntoTheCache) {
  CacheWarmer warmer(readers_, resources_);
  warmer.Warm(view_, {&At("d/deflated.bin"), &At("d/other.bin")});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (warmer.stats().files < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(warmer.stats().files, 2u);
  EXPECT_EQ(warmer.stats().bytes, 50003u + 70000u);
  EXPECT_EQ(resources_.cache().stats().bytes_held, 50003u + 70000u);
  EXPECT_EQ(resources_.cache().stats().misses, 2u);
  bool made = false;
  Result<std::shared_ptr<FileReader>> reader =
      readers_.Get(*view_, At("d/deflated.bin"), resources_, &made);
  ASSERT_TRUE(reader.ok());
  std::string tail(3, '\0');
  ASSERT_TRUE((*reader)->Read(50000, std::span<char>(tail.data(), tail.size())).ok());
  EXPECT_EQ(tail, "end");
  EXPECT_EQ(resources_.cache().stats().misses, 2u) << "decompressed again by its read";
}

}  // namespace
}  // namespace layerfs
