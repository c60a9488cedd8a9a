#include "fs/union/node_bits.h"

#include <gtest/gtest.h>

#include "tests/support/test_files.h"
#include "tests/support/union_stack.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using namespace testing_zip;
using namespace testing_union;

TEST(NodeBitsTest, OneBitPerNodeOfTheViewItFollows) {
  TempDir dir;
  ZipBuilder zip;
  for (int i = 0; i < 200; ++i) zip.File("d/f" + std::to_string(i), "x");
  std::vector<std::string> paths = WriteLayers(dir.path(), {zip});
  std::unique_ptr<UnionView> first = OpenStack(paths);
  ASSERT_NE(first, nullptr);
  NodeBits bits;
  const UnionNode& a = *FindNode(*first, "d/f7");
  const UnionNode& b = *FindNode(*first, "d/f199");
  EXPECT_FALSE(bits.Test(a));
  EXPECT_TRUE(bits.Set(a));
  EXPECT_FALSE(bits.Set(a));
  EXPECT_TRUE(bits.Test(a));
  EXPECT_FALSE(bits.Test(b));
  EXPECT_TRUE(bits.Set(b));
  EXPECT_TRUE(bits.Test(*FindNode(*first, "d/f7")));

  // Another view's nodes (numbered from another root) start afresh.
  Result<std::unique_ptr<UnionView>> second = UnionView::Open(paths, uint64_t(1) << 40);
  ASSERT_TRUE(second.ok());
  const UnionNode& a2 = *FindNode(**second, "d/f7");
  EXPECT_FALSE(bits.Test(a2));
  EXPECT_TRUE(bits.Set(a2));
  EXPECT_FALSE(bits.Test(a)) << "the first view is no longer followed";
}

}  // namespace
}  // namespace layerfs
