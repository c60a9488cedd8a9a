// Test helpers for building a union of layer zips and walking it: the
// setup the union, reader and spill tests share. Plain functions, for
// test threads.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fs/union/union_view.h"
#include "tests/support/zip_builder.h"

namespace layerfs::testing_union {

// Writes the layers as dir/layer0.zip, dir/layer1.zip, ... and returns
// their paths, in stack order (the last one wins).
inline std::vector<std::string> WriteLayers(const std::string& dir,
                                            const std::vector<testing_zip::ZipBuilder>& layers) {
  std::vector<std::string> paths;
  for (size_t i = 0; i < layers.size(); ++i) {
    paths.push_back(dir + "/layer" + std::to_string(i) + ".zip");
    EXPECT_TRUE(layers[i].Write(paths.back()));
  }
  return paths;
}

// Opens the zips at `paths` as one union; null (and a test failure) if it
// does not open.
inline std::unique_ptr<UnionView> OpenStack(const std::vector<std::string>& paths) {
  Result<std::unique_ptr<UnionView>> view = UnionView::Open(paths);
  EXPECT_TRUE(view.ok()) << view.status().ToString();
  return view.ok() ? std::move(*view) : nullptr;
}

// Walks `path` ("a/b/c") with Lookup; null when absent.
inline const UnionNode* FindNode(const UnionView& view, std::string_view path) {
  const UnionNode* node = &view.root();
  while (node != nullptr && !path.empty()) {
    size_t slash = path.find('/');
    node = view.Lookup(*node, path.substr(0, slash));
    path = slash == std::string_view::npos ? "" : path.substr(slash + 1);
  }
  return node;
}

}  // namespace layerfs::testing_union
