// BytecodeWarm: which compiled modules a first read plans, and the worker
// that decompresses them into the read cache.
#include "fs/read/bytecode_warm.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_files.h"
#include "tests/support/union_stack.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using namespace testing_zip;
using namespace testing_union;
using Names = std::vector<std::string>;

class BytecodeWarmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string code(20000, 'c');
    ZipBuilder zip;
    zip.File("pkg/__init__.py", "from pkg import a\n");
    zip.File("pkg/__pycache__/__init__.cpython-311.pyc", code + "init");
    zip.File("pkg/__pycache__/a.cpython-311.pyc", code + "a");
    zip.File("pkg/__pycache__/a.cpython-311.opt-1.pyc", code + "a1");
    zip.File("pkg/__pycache__/b.cpython-310.pyc", code + "b310");
    zip.File("pkg/__pycache__/b.cpython-311.pyc", code + "b");
    zip.File("pkg/__pycache__/c.cpython-311.pyc", code).Compress(Compression::kStore);
    zip.File("pkg/__pycache__/d.cpython-311.pyc", "");
    zip.File("pkg/__pycache__/notes.txt", code);
    zip.File("pkg/__pycache__/z.cpython-311.pyc", code + "zz");
    zip.File("pkg/sub/__pycache__/s.cpython-311.pyc", code + "s");
    zip.File("pkg/compiled/x.cpython-311.pyc", code + "x");  // not a __pycache__
    zip.File("pkg/compiled/y.cpython-311.pyc", code + "y");
    view_ = OpenStack(WriteLayers(dir_.path(), {zip}));
    ASSERT_NE(view_, nullptr);
  }
  const UnionNode& At(std::string_view path) { return *FindNode(*view_, path); }
  Names Plan(BytecodeWarm& warm, std::string_view read) {
    Names names;
    for (const UnionNode* node : warm.Plan(At(read))) names.push_back(view_->PathOf(*node));
    return names;
  }

  TempDir dir_;
  std::shared_ptr<const UnionView> view_;
  ReadResources resources_{8 << 20};
  ReaderPool readers_{8};
};

TEST(BytecodeTagTest, TheInterpreterAndOptimisationPartOfTheName) {
  EXPECT_EQ(BytecodeTag("frame.cpython-311.pyc"), ".cpython-311.pyc");
  EXPECT_EQ(BytecodeTag("frame.cpython-311.opt-1.pyc"), ".cpython-311.opt-1.pyc");
  EXPECT_EQ(BytecodeTag("__init__.pypy39.pyc"), ".pypy39.pyc");
  for (const char* name : {"frame.pyc", ".pyc", ".cpython-311.pyc", "frame.py", "x.pyc.bak"}) {
    EXPECT_EQ(BytecodeTag(name), "") << name;
  }
}

TEST_F(BytecodeWarmTest, PlansTheOtherModulesOfItsPycacheWithItsTag) {
  BytecodeWarm warm(readers_, resources_, {});
  // Same interpreter and optimisation level, compressed, not empty, in
  // listing order; never the one just read.
  EXPECT_EQ(Plan(warm, "pkg/__pycache__/a.cpython-311.pyc"),
            (Names{"pkg/__pycache__/__init__.cpython-311.pyc", "pkg/__pycache__/b.cpython-311.pyc",
                   "pkg/__pycache__/z.cpython-311.pyc"}));
  // A directory is planned once.
  EXPECT_EQ(Plan(warm, "pkg/__pycache__/b.cpython-311.pyc"), Names{});
  EXPECT_EQ(Plan(warm, "pkg/__pycache__/a.cpython-311.opt-1.pyc"), Names{});
  EXPECT_EQ(Plan(warm, "pkg/sub/__pycache__/s.cpython-311.pyc"), Names{});  // alone there
}

TEST_F(BytecodeWarmTest, OnlyCompiledModulesInAPycacheStartAPlan) {
  BytecodeWarm warm(readers_, resources_, {});
  EXPECT_EQ(Plan(warm, "pkg/__init__.py"), Names{});
  EXPECT_EQ(Plan(warm, "pkg/__pycache__/notes.txt"), Names{});
  EXPECT_EQ(Plan(warm, "pkg/compiled/x.cpython-311.pyc"), Names{});
  // A plan from another tag warms that tag's modules only.
  EXPECT_EQ(Plan(warm, "pkg/__pycache__/b.cpython-310.pyc"), Names{});
}

TEST_F(BytecodeWarmTest, StopsAtItsBytesAndSkipsLargeModules) {
  BytecodeWarm by_bytes(readers_, resources_, {.bytes = 45000});
  EXPECT_EQ(Plan(by_bytes, "pkg/__pycache__/a.cpython-311.pyc"),
            (Names{"pkg/__pycache__/__init__.cpython-311.pyc", "pkg/__pycache__/b.cpython-311.pyc"}));
  BytecodeWarm small(readers_, resources_, {.max_file_size = 20001});
  EXPECT_EQ(Plan(small, "pkg/__pycache__/a.cpython-311.pyc"),
            Names{"pkg/__pycache__/b.cpython-311.pyc"});
}

TEST_F(BytecodeWarmTest, TheWorkerDecompressesThemIntoTheCache) {
  BytecodeWarm warm(readers_, resources_, {});
  warm.AfterFirstRead(view_, At("pkg/__pycache__/a.cpython-311.pyc"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (warm.stats().files < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(warm.stats().files, 3u);
  EXPECT_EQ(warm.stats().bytes, 3 * 20000u + 4 + 1 + 2);
  EXPECT_EQ(resources_.cache().stats().bytes_held, warm.stats().bytes);
  // The interpreter's read of one now finds its bytes in the cache.
  bool made = false;
  Result<std::shared_ptr<FileReader>> reader =
      readers_.Get(*view_, At("pkg/__pycache__/z.cpython-311.pyc"), resources_, &made);
  ASSERT_TRUE(reader.ok());
  uint64_t misses = resources_.cache().stats().misses;
  std::string tail(2, '\0');
  ASSERT_TRUE((*reader)->Read(20000, std::span<char>(tail.data(), tail.size())).ok());
  EXPECT_EQ(tail, "zz");
  EXPECT_EQ(resources_.cache().stats().misses, misses);
}

}  // namespace
}  // namespace layerfs
