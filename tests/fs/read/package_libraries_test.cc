// PackageLibraries: which libraries a package's first read plans, and the
// worker that decompresses them into the read cache.
#include "fs/read/package_libraries.h"

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

Names PathsOf(const UnionView& view, const std::vector<const UnionNode*>& nodes) {
  Names names;
  for (const UnionNode* node : nodes) names.push_back(view.PathOf(*node));
  return names;
}

class PackageLibrariesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string lib(30000, 'l');
    ZipBuilder zip;
    zip.File("pkg/__init__.py", "import pkg._core\n");
    zip.File("pkg/__pycache__/__init__.cpython-311.pyc", "pyc");
    zip.File("pkg/_core.cpython-311-x86_64-linux-gnu.so", lib + "core");
    zip.File("pkg/addon.node", lib + "addon");
    zip.File("pkg/empty.so", "");
    zip.File("pkg/notes.txt", lib);
    zip.File("pkg/stored.so", lib).Compress(Compression::kStore);
    zip.File("pkg/sub/_x.so", lib + "x");
    zip.File("pkg/sub/deeper/_y.so.1", lib + "y");
    zip.File("pkg/sub/mod.py", "m");
    zip.File("other/lib.so", lib);
    view_ = OpenStack(WriteLayers(dir_.path(), {zip}));
    ASSERT_NE(view_, nullptr);
  }
  const UnionNode& At(std::string_view path) { return *FindNode(*view_, path); }
  Names Plan(PackageLibraries& libraries, std::string_view read) {
    return PathsOf(*view_, libraries.Plan(At(read)));
  }

  TempDir dir_;
  std::shared_ptr<const UnionView> view_;
  ReadResources resources_{8 << 20};
  ReaderPool readers_{8};
};

TEST_F(PackageLibrariesTest, PlansThePackagesCompressedLibrariesBreadthFirst) {
  PackageLibraries libraries(readers_, resources_, {});
  // A module's bytecode names its package: pkg/, not pkg/__pycache__/.
  EXPECT_EQ(Plan(libraries, "pkg/__pycache__/__init__.cpython-311.pyc"),
            (Names{"pkg/_core.cpython-311-x86_64-linux-gnu.so", "pkg/addon.node",
                   "pkg/sub/_x.so", "pkg/sub/deeper/_y.so.1"}));
  // Once per package, and once per library.
  EXPECT_EQ(Plan(libraries, "pkg/__init__.py"), Names{});
  EXPECT_EQ(Plan(libraries, "pkg/sub/mod.py"), Names{});
  EXPECT_EQ(Plan(libraries, "other/lib.so"), Names{"other/lib.so"});
}

TEST_F(PackageLibrariesTest, StopsAtItsBytesAndSkipsLargeLibraries) {
  PackageLibraries by_bytes(readers_, resources_, {.bytes = 70000});
  EXPECT_EQ(Plan(by_bytes, "pkg/__init__.py"),
            (Names{"pkg/_core.cpython-311-x86_64-linux-gnu.so", "pkg/addon.node"}));
  PackageLibraries small(readers_, resources_, {.max_library_size = 30001});
  EXPECT_EQ(Plan(small, "pkg/__init__.py"), (Names{"pkg/sub/_x.so", "pkg/sub/deeper/_y.so.1"}));
}

TEST_F(PackageLibrariesTest, ATreeOfManyPackagesIsNotOne) {
  // pkg/ holds 8 entries, pkg/__pycache__ 1, pkg/sub 3, pkg/sub/deeper 1.
  PackageLibraries bounded(readers_, resources_, {.max_nodes = 12});
  EXPECT_EQ(Plan(bounded, "pkg/__init__.py"), Names{});
  PackageLibraries enough(readers_, resources_, {.max_nodes = 13});
  EXPECT_EQ(Plan(enough, "pkg/__init__.py").size(), 4u);
}

TEST_F(PackageLibrariesTest, TheWorkerDecompressesThemIntoTheCache) {
  PackageLibraries libraries(readers_, resources_, {});
  libraries.AfterFirstRead(view_, At("pkg/__init__.py"));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (libraries.stats().libraries < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(libraries.stats().libraries, 4u);
  EXPECT_EQ(libraries.stats().bytes, 4 * 30000u + 4 + 5 + 1 + 1);
  EXPECT_EQ(resources_.cache().stats().bytes_held, libraries.stats().bytes);
  // A read of one now finds its bytes in the cache.
  bool made = false;
  Result<std::shared_ptr<FileReader>> reader =
      readers_.Get(*view_, At("pkg/addon.node"), resources_, &made);
  ASSERT_TRUE(reader.ok());
  uint64_t misses = resources_.cache().stats().misses;
  std::string tail(5, '\0');
  ASSERT_TRUE((*reader)->Read(30000, std::span<char>(tail.data(), tail.size())).ok());
  EXPECT_EQ(tail, "addon");
  EXPECT_EQ(resources_.cache().stats().misses, misses);
}

TEST(LoadableNameTest, SharedLibrariesAndNodeAddons) {
  for (const char* name : {"libz.so.1", "x.cpython-311-x86_64-linux-gnu.so", "binding.node"}) {
    EXPECT_TRUE(IsLoadableName(name)) << name;
  }
  for (const char* name : {".node", "node", "x.nodes", "readme.txt"}) {
    EXPECT_FALSE(IsLoadableName(name)) << name;
  }
}

}  // namespace
}  // namespace layerfs
