#include "fs/union/open_layers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/test_files.h"
#include "tests/support/union_stack.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;
using testing_union::WriteLayers;
using testing_zip::ZipBuilder;

// Layers whose single file names its position, so order is visible.
std::vector<ZipBuilder> NumberedLayers(int count) {
  std::vector<ZipBuilder> layers(count);
  for (int i = 0; i < count; ++i) layers[i].File("n" + std::to_string(i), std::to_string(i));
  return layers;
}

TEST(OpenLayersTest, KeepsTheStackOrder) {
  TempDir dir;
  std::vector<std::string> paths = WriteLayers(dir.path(), NumberedLayers(7));
  Result<LayerStack> stack = OpenLayers(paths);
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  ASSERT_EQ(stack->size(), paths.size());
  for (size_t i = 0; i < paths.size(); ++i) {
    EXPECT_EQ((*stack)[i]->path(), paths[i]);
    EXPECT_NE((*stack)[i]->index().FindPath("n" + std::to_string(i)), kNoNode);
  }
}

TEST(OpenLayersTest, NoLayersIsAnEmptyStack) {
  Result<LayerStack> stack = OpenLayers({});
  ASSERT_TRUE(stack.ok());
  EXPECT_TRUE(stack->empty());
}

TEST(OpenLayersTest, ReportsTheFirstFailingLayerInListOrder) {
  // Two bad layers: whichever thread finishes first, the error is the one
  // opening them in order would give, naming the earlier file.
  TempDir dir;
  std::vector<std::string> paths = WriteLayers(dir.path(), NumberedLayers(4));
  const std::string corrupt = dir.path() + "/corrupt.zip";
  WriteFile(corrupt, "not a zip at all");
  const std::string missing = dir.path() + "/missing.zip";
  paths.insert(paths.begin() + 1, corrupt);
  paths.push_back(missing);
  Result<LayerStack> stack = OpenLayers(paths);
  ASSERT_FALSE(stack.ok());
  EXPECT_NE(stack.status().message().find(corrupt), std::string::npos) << stack.status().ToString();
  EXPECT_EQ(stack.status().message().find(missing), std::string::npos);
}

}  // namespace
}  // namespace layerfs
