// The on-disk spill of large deflated entries (fs/read/spill_store.h,
// fs/read/entry_spill.h), through FileReader as the mount uses it: real
// zips, real spill files, real worker threads.
#include "fs/read/spill_store.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fs/read/file_reader.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/same_bytes.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"
#include "tests/support/zip_patch.h"

namespace layerfs {
namespace {

using testing_bytes::SameBytes;
using testing_files::TempDir;
using namespace testing_zip;

// Compressible but not trivially: inflating it takes real work.
std::string SampleBytes(size_t size, uint32_t seed) {
  return testing_bytes::PathNoise(size, seed, "lib/libLLVM.so.");
}

class SpillTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kBudget = 1 << 20;  // entries > 64 KiB stream

  void SetUp() override {
    a_ = SampleBytes(6 << 20, 1);
    b_ = SampleBytes(5 << 20, 2);
    zip_ = dir_ / "layer.zip";
    ASSERT_TRUE(ZipBuilder()
                    .File("lib/a.so", a_).Compress(Compression::kDeflate)
                    .File("lib/b.so", b_).Compress(Compression::kDeflate)
                    .Write(zip_));
    spill_dir_ = dir_ / "spill";
    ASSERT_EQ(::mkdir(spill_dir_.c_str(), 0700), 0);
  }

  std::unique_ptr<ReadResources> Resources(uint64_t capacity, std::string dir = "") {
    SpillOptions options;
    options.dir = dir.empty() ? spill_dir_ : dir;
    options.capacity = capacity;
    options.workers = 2;
    options.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu_);
      log_.push_back(line);
    };
    return std::make_unique<ReadResources>(kBudget, std::move(options));
  }

  std::unique_ptr<UnionView> View() {
    Result<std::unique_ptr<UnionView>> view = UnionView::Open({zip_});
    EXPECT_TRUE(view.ok()) << view.status().ToString();
    return view.ok() ? std::move(*view) : nullptr;
  }

  static std::unique_ptr<FileReader> Open(const UnionView& view, const std::string& name,
                                          ReadResources& resources) {
    const UnionNode* lib = view.Lookup(view.root(), "lib");
    EXPECT_NE(lib, nullptr);
    const UnionNode* node = lib ? view.Lookup(*lib, name) : nullptr;
    EXPECT_NE(node, nullptr);
    if (node == nullptr) return nullptr;
    Result<std::unique_ptr<FileReader>> reader = FileReader::Open(view, *node, resources);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    return reader.ok() ? std::move(*reader) : nullptr;
  }

  // Waits until the workers have no spill left to fill.
  static SpillStats Settle(ReadResources& resources, uint64_t finished) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    SpillStats s = resources.spill().stats();
    while (s.entries_spilled + s.failures < finished &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      s = resources.spill().stats();
    }
    return s;
  }

  // Random reads, small and large, checked byte for byte.
  static ::testing::AssertionResult RandomReads(FileReader& reader, const std::string& expected,
                                                uint32_t seed, int count) {
    std::mt19937 rng(seed);
    for (int i = 0; i < count; ++i) {
      uint64_t offset = rng() % (expected.size() + 100);
      size_t size = 1 + rng() % (i % 8 == 0 ? 300000 : 4096);
      std::vector<char> buf(size, '\xee');
      Result<size_t> n = reader.Read(offset, buf);
      if (!n.ok()) return ::testing::AssertionFailure() << n.status().ToString();
      size_t want = offset >= expected.size() ? 0 : std::min(size, expected.size() - offset);
      if (*n != want ||
          !SameBytes(std::string_view(buf.data(), *n),
                     std::string_view(expected).substr(std::min<uint64_t>(offset, expected.size()),
                                                       want))) {
        return ::testing::AssertionFailure() << "offset " << offset << " size " << size;
      }
    }
    return ::testing::AssertionSuccess();
  }

  TempDir dir_;
  std::string zip_;
  std::string spill_dir_;
  std::string a_, b_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_F(SpillTest, RandomReadsWhileFillingAreExactAndInflateOnce) {
  auto resources = Resources(64 << 20);
  auto view = View();
  ASSERT_TRUE(view);
  auto reader = Open(*view, "a.so", *resources);
  ASSERT_TRUE(reader);
  // From the first open on: the fill races these reads.
  EXPECT_TRUE(RandomReads(*reader, a_, 7, 300));
  SpillStats s = Settle(*resources, 1);
  EXPECT_EQ(s.entries_spilled, 1u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.bytes_inflated, a_.size());  // once, front to back
  EXPECT_EQ(s.bytes_held, a_.size());
  // Served from the spill now: nothing more is decompressed.
  uint64_t loaded = resources->cache().stats().bytes_loaded;
  EXPECT_TRUE(RandomReads(*reader, a_, 8, 300));
  EXPECT_EQ(resources->cache().stats().bytes_loaded, loaded);
  EXPECT_EQ(resources->spill().stats().bytes_inflated, a_.size());
  // The spill file is unlinked: the spill directory stays empty.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(spill_dir_),
                          std::filesystem::directory_iterator()),
            0);
  EXPECT_TRUE(log_.empty());
}

TEST_F(SpillTest, ConcurrentReadersShareOneFill) {
  auto resources = Resources(64 << 20);
  auto view = View();
  ASSERT_TRUE(view);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      // Readers of both entries, each with its own handle, from the start.
      const std::string& expected = t % 2 ? a_ : b_;
      auto reader = Open(*view, t % 2 ? "a.so" : "b.so", *resources);
      if (!reader || !RandomReads(*reader, expected, 100 + t, 150)) ++failures;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  SpillStats s = Settle(*resources, 2);
  EXPECT_EQ(s.entries_spilled, 2u);
  EXPECT_EQ(s.bytes_inflated, a_.size() + b_.size());
}

TEST_F(SpillTest, FullStoreEvictsWholeUnusedSpillsOnly) {
  // Room for one of the two entries at a time.
  auto resources = Resources(a_.size() + (1 << 20));
  auto view = View();
  ASSERT_TRUE(view);
  {
    auto a = Open(*view, "a.so", *resources);
    ASSERT_TRUE(a);
    EXPECT_EQ(Settle(*resources, 1).entries_spilled, 1u);
    // a is still open: b gets no spill, and is read the old way.
    auto b = Open(*view, "b.so", *resources);
    ASSERT_TRUE(b);
    EXPECT_TRUE(RandomReads(*b, b_, 9, 100));
    SpillStats s = resources->spill().stats();
    EXPECT_EQ(s.entries, 1u);
    EXPECT_EQ(s.evictions, 0u);
    EXPECT_TRUE(RandomReads(*a, a_, 10, 100));
  }
  // Nobody holds a now: b's next open evicts it, whole.
  auto b = Open(*view, "b.so", *resources);
  ASSERT_TRUE(b);
  SpillStats s = Settle(*resources, 2);
  EXPECT_EQ(s.evictions, 1u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.bytes_held, b_.size());
  EXPECT_LE(s.bytes_held, s.capacity);
  EXPECT_TRUE(RandomReads(*b, b_, 11, 200));
  // And a, read again, is exact though no longer spilled.
  auto a = Open(*view, "a.so", *resources);
  ASSERT_TRUE(a);
  EXPECT_TRUE(RandomReads(*a, a_, 12, 100));
}

TEST_F(SpillTest, UnusableSpillDirFallsBackWithOneLogLine) {
  auto resources = Resources(64 << 20, dir_ / "missing");
  auto view = View();
  ASSERT_TRUE(view);
  auto a = Open(*view, "a.so", *resources);
  auto b = Open(*view, "b.so", *resources);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(RandomReads(*a, a_, 13, 100));
  EXPECT_TRUE(RandomReads(*b, b_, 14, 100));
  EXPECT_EQ(resources->spill().stats().entries, 0u);
  std::lock_guard lock(log_mu_);
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("missing"), std::string::npos) << log_[0];
}

TEST_F(SpillTest, DisabledSpillReadsTheOldWay) {
  auto resources = Resources(0);
  auto view = View();
  ASSERT_TRUE(view);
  auto a = Open(*view, "a.so", *resources);
  ASSERT_TRUE(a);
  EXPECT_TRUE(RandomReads(*a, a_, 15, 100));
  EXPECT_EQ(resources->spill().stats().bytes_inflated, 0u);
}

TEST_F(SpillTest, CrcMismatchFailsEveryRead) {
  // A wrong CRC-32 in both headers: the data inflates fine, but is not
  // what the archive promises.
  std::vector<EntryLocation> entries;
  ASSERT_TRUE(LocateEntries(zip_, &entries));
  ASSERT_TRUE(OverwriteBytes(zip_, entries[0].central_offset + 16, "\x01\x02\x03\x04"));
  ASSERT_TRUE(OverwriteBytes(zip_, entries[0].local_offset + 14, "\x01\x02\x03\x04"));
  auto resources = Resources(64 << 20);
  auto view = View();
  ASSERT_TRUE(view);
  auto a = Open(*view, "a.so", *resources);
  ASSERT_TRUE(a);
  SpillStats s = Settle(*resources, 1);
  EXPECT_EQ(s.failures, 1u);
  std::vector<char> buf(4096);
  for (uint64_t offset : {uint64_t(0), uint64_t(a_.size() / 2), uint64_t(a_.size() - 10)}) {
    Result<size_t> n = a->Read(offset, buf);
    ASSERT_FALSE(n.ok()) << "offset " << offset;
    EXPECT_EQ(n.status().code(), ErrorCode::kCorrupt);
  }
  // The other entry is untouched.
  auto b = Open(*view, "b.so", *resources);
  ASSERT_TRUE(b);
  EXPECT_TRUE(RandomReads(*b, b_, 16, 50));
}

}  // namespace
}  // namespace layerfs
