// ReaderPool: one reader per file, shared; bounded; failures not kept.
#include "fs/read/reader_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/noise_bytes.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_bytes::Noise;
using testing_files::TempDir;
using namespace testing_zip;

class ReaderPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ZipBuilder zip;
    for (int i = 0; i < 8; ++i) zip.File("f" + std::to_string(i), Noise(5000, i));
    zip.File("encrypted", "secret").Encrypt(Encryption::kTraditional);
    std::string path = dir_ / "layer.zip";
    ASSERT_TRUE(zip.Write(path));
    Result<std::unique_ptr<UnionView>> view = UnionView::Open({path});
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    view_ = std::move(*view);
  }
  const UnionNode& Node(const std::string& name) {
    const UnionNode* node = view_->Lookup(view_->root(), name);
    EXPECT_NE(node, nullptr) << name;
    return *node;
  }

  TempDir dir_;
  std::unique_ptr<UnionView> view_;
  ReadResources resources_{8 << 20};
};

TEST_F(ReaderPoolTest, OneReaderPerFileUntilItIsTheLeastRecentlyUsed) {
  ReaderPool pool(3);
  bool made = false;
  auto f0 = pool.Get(*view_, Node("f0"), resources_, &made);
  ASSERT_TRUE(f0.ok());
  EXPECT_TRUE(made);
  auto again = pool.Get(*view_, Node("f0"), resources_, &made);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(made);
  EXPECT_EQ(f0->get(), again->get());

  for (const char* name : {"f1", "f2", "f0", "f3"}) {  // f1 is now the oldest
    ASSERT_TRUE(pool.Get(*view_, Node(name), resources_, &made).ok());
  }
  EXPECT_EQ(pool.size(), 3u);
  ASSERT_TRUE(pool.Get(*view_, Node("f0"), resources_, &made).ok());
  EXPECT_FALSE(made);
  ASSERT_TRUE(pool.Get(*view_, Node("f1"), resources_, &made).ok());
  EXPECT_TRUE(made);

  // A reader dropped from the pool still reads for whoever holds it.
  std::string buf(5000, '\0');
  Result<size_t> n = (*f0)->Read(0, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf, Noise(5000, 0));
}

TEST_F(ReaderPoolTest, FailuresAreReportedEachTimeAndNotKept) {
  ReaderPool pool(4);
  bool made = false;
  for (int i = 0; i < 2; ++i) {
    auto r = pool.Get(*view_, Node("encrypted"), resources_, &made);
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(made);
    EXPECT_NE(r.status().message().find("encrypted"), std::string::npos);
  }
  EXPECT_EQ(pool.size(), 0u);
}

TEST_F(ReaderPoolTest, ConcurrentReadsOfManyFilesShareReaders) {
  ReaderPool pool(4);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::string buf(5000, '\0');
      for (int i = 0; i < 200; ++i) {
        int file = (t + i) % 8;
        bool made = false;
        auto r = pool.Get(*view_, Node("f" + std::to_string(file)), resources_, &made);
        if (!r.ok() || !(*r)->Read(0, buf).ok() || buf != Noise(5000, file)) ++errors;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  EXPECT_LE(pool.size(), 4u);
}

}  // namespace
}  // namespace layerfs
