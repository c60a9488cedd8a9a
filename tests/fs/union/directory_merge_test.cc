// The merge rule, alone and as its two users see it: the mount's
// UnionView and inspect's shadowed paths must agree on every name, even
// where file/directory clashes interleave down the stack.
#include "fs/union/directory_merge.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fs/lambda/stack_report.h"
#include "fs/union/layer.h"
#include "fs/union/union_view.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_zip::ZipBuilder;

class DirectoryMergeTest : public ::testing::Test {
 protected:
  std::shared_ptr<const Layer> Make(const ZipBuilder& zip) {
    std::string path = tmp_ / ("l" + std::to_string(++count_) + ".zip");
    EXPECT_TRUE(zip.Write(path));
    Result<std::shared_ptr<const Layer>> layer = Layer::Open(path);
    EXPECT_TRUE(layer.ok()) << layer.status().ToString();
    return *layer;
  }

  // Bottom to top: L0 has a directory `a` with x, L1 a file `a`, L2 a
  // directory `a` with y, L3 a directory `a` with z. The top two merge;
  // the file in L1 ends the merge, hiding itself and L0's directory.
  std::vector<std::shared_ptr<const Layer>> ClashStack() {
    return {Make(ZipBuilder().File("a/x", "0").File("keep", "0")),
            Make(ZipBuilder().File("a", "file in 1").File("keep", "1")),
            Make(ZipBuilder().File("a/y", "2")),
            Make(ZipBuilder().File("a/z", "3").Dir("b"))};
  }

  TempDir tmp_;
  int count_ = 0;
};

TEST_F(DirectoryMergeTest, TopWinsDirectoriesMergeUntilANonDirectory) {
  std::vector<std::shared_ptr<const Layer>> stack = ClashStack();
  std::vector<const LayerIndex*> indexes;
  for (const auto& l : stack) indexes.push_back(&l->index());
  std::vector<LayerRef> roots = {{3, kRootNode}, {2, kRootNode}, {1, kRootNode}, {0, kRootNode}};
  std::vector<MergedName> names = MergeDirectory(indexes, roots, /*with_hidden=*/true);
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0].name, "a");
  ASSERT_EQ(names[0].merged.size(), 2u);  // L3 and L2
  EXPECT_EQ(names[0].merged[0].layer, 3u);
  EXPECT_EQ(names[0].merged[1].layer, 2u);
  ASSERT_EQ(names[0].hidden.size(), 2u);  // L1's file, then L0's directory
  EXPECT_EQ(names[0].hidden[0].layer, 1u);
  EXPECT_EQ(names[0].hidden[1].layer, 0u);
  EXPECT_EQ(names[1].name, "b");
  EXPECT_EQ(names[2].name, "keep");
  EXPECT_EQ(names[2].merged.size(), 1u);
  EXPECT_EQ(names[2].merged[0].layer, 1u);
  EXPECT_EQ(names[2].hidden.size(), 1u);
  // Without hidden copies (the mount's way) the winners are the same.
  std::vector<MergedName> plain = MergeDirectory(indexes, roots, /*with_hidden=*/false);
  ASSERT_EQ(plain.size(), names.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i].name, names[i].name);
    EXPECT_TRUE(plain[i].hidden.empty());
    EXPECT_EQ(plain[i].merged.size(), names[i].merged.size());
  }
}

TEST_F(DirectoryMergeTest, InspectAndTheMountAgreeOnEveryShadowedPath) {
  std::vector<std::shared_ptr<const Layer>> stack = ClashStack();
  UnionView view(stack);
  const UnionNode* a = view.Lookup(view.root(), "a");
  ASSERT_NE(a, nullptr);
  std::vector<std::string> listed;
  for (const UnionNode& child : view.Children(*a)) listed.emplace_back(child.name());
  // x lived in L0's directory, hidden by L1's file: the mount must not show it.
  EXPECT_EQ(listed, (std::vector<std::string>{"y", "z"}));

  std::vector<ReportLayer> layers;
  for (const auto& l : stack) layers.push_back({l, StackLayer{.label = l->path()}});
  StackReport report = BuildStackReport(layers, FunctionTarget{}, RuleOptions{});
  ASSERT_FALSE(report.shadowed.empty());
  for (const ShadowedPath& p : report.shadowed) {
    SCOPED_TRACE(p.path);
    const UnionNode* node = &view.root();
    std::string_view rest = p.path;
    while (node != nullptr && !rest.empty()) {
      size_t slash = rest.find('/');
      node = view.Lookup(*node, rest.substr(0, slash));
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    }
    ASSERT_NE(node, nullptr) << "inspect names a path the mount does not have";
    EXPECT_EQ(node->is_directory(), p.winner_type == NodeType::kDirectory);
    // A file is served from the winner; a merged directory takes its
    // attributes from the lowest layer merged into it, as unzip -o does.
    if (!node->is_directory()) {
      EXPECT_EQ(view.SourceLayer(*node).path(), stack[p.winner]->path());
    }
  }
  EXPECT_EQ(report.shadowed.front().path, "a");
  EXPECT_TRUE(report.shadowed.front().type_clash);
}

}  // namespace
}  // namespace layerfs
