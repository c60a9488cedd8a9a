// ResolveFunctionLayers: a function configuration and a layer store made
// here, resolved to the stored zips in Layers order.
#include "fs/lambda/function_layers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fs/lambda/layer_store.h"
#include "tests/test_files.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;

constexpr char kArnPrefix[] = "arn:aws:lambda:us-east-1:000000000000:layer:";

// Publishes `name` once per content given; returns the stored zip paths.
std::vector<std::string> Publish(const LayerStore& store, const TempDir& tmp,
                                 const std::string& name, const std::vector<std::string>& contents) {
  std::vector<std::string> zips;
  for (const std::string& content : contents) {
    std::string zip = tmp / (name + ".zip");
    WriteFile(zip, content);
    PublishRequest request;
    request.layer_name = name;
    request.zip_path = zip;
    Result<StoredLayerVersion> stored = store.Publish(request);
    EXPECT_TRUE(stored.ok()) << stored.status().message();
    if (stored.ok()) zips.push_back(stored->zip_path);
  }
  return zips;
}

TEST(FunctionLayersTest, ResolvesEveryLayerToItsStoredZipInLayersOrder) {
  TempDir tmp;
  Result<LayerStore> store = LayerStore::Open(tmp / "store", ZipValidator());
  ASSERT_TRUE(store.ok()) << store.status().message();
  std::vector<std::string> numpy = Publish(*store, tmp, "numpy", {"numpy v1", "numpy v2"});
  std::vector<std::string> tools = Publish(*store, tmp, "tools", {"tools v1"});
  ASSERT_EQ(numpy.size(), 2u);
  ASSERT_EQ(tools.size(), 1u);
  WriteFile(tmp / "f.json", std::string("{\"FunctionName\": \"f\", \"Layers\": [\"") + kArnPrefix +
                                "tools:1\", \"" + kArnPrefix + "numpy:2\"]}");
  Result<FunctionLayers> zips = ResolveFunctionLayers(tmp / "f.json", tmp / "store");
  ASSERT_TRUE(zips.ok()) << zips.status().message();
  EXPECT_EQ(zips->zips, (std::vector<std::string>{tools[0], numpy[1]}));
  EXPECT_TRUE(zips->warnings.empty());
}

TEST(FunctionLayersTest, AnUnknownVersionNamesTheConfigAndTheLayerPosition) {
  TempDir tmp;
  Result<LayerStore> store = LayerStore::Open(tmp / "store", ZipValidator());
  ASSERT_TRUE(store.ok());
  Publish(*store, tmp, "numpy", {"numpy v1"});
  WriteFile(tmp / "f.json", std::string("{\"Layers\": [\"") + kArnPrefix + "numpy:1\", \"" +
                                kArnPrefix + "numpy:7\"]}");
  Result<FunctionLayers> zips = ResolveFunctionLayers(tmp / "f.json", tmp / "store");
  ASSERT_FALSE(zips.ok());
  EXPECT_EQ(zips.status().code(), ErrorCode::kNotFound);
  const std::string& m = zips.status().message();
  EXPECT_NE(m.find(tmp / "f.json"), std::string::npos) << m;
  EXPECT_NE(m.find("Layers[1]"), std::string::npos) << m;
  EXPECT_NE(m.find("numpy:7"), std::string::npos) << m;
}

TEST(FunctionLayersTest, ADeletedVersionStillResolvesAsOnLambda) {
  TempDir tmp;
  Result<LayerStore> store = LayerStore::Open(tmp / "store", ZipValidator());
  ASSERT_TRUE(store.ok());
  std::vector<std::string> numpy = Publish(*store, tmp, "numpy", {"numpy v1"});
  Result<LayerArn> arn = ParseLayerVersionArn(std::string(kArnPrefix) + "numpy:1");
  ASSERT_TRUE(arn.ok());
  ASSERT_TRUE(store->Delete(*arn).ok());
  WriteFile(tmp / "f.json", std::string("{\"Layers\": [\"") + kArnPrefix + "numpy:1\"]}");
  Result<FunctionLayers> zips = ResolveFunctionLayers(tmp / "f.json", tmp / "store");
  ASSERT_TRUE(zips.ok()) << zips.status().message();
  EXPECT_EQ(zips->zips, numpy);
  ASSERT_EQ(zips->warnings.size(), 1u);
  EXPECT_NE(zips->warnings[0].find("Layers[0]"), std::string::npos) << zips->warnings[0];
  EXPECT_NE(zips->warnings[0].find("deleted"), std::string::npos) << zips->warnings[0];
}

TEST(FunctionLayersTest, AFunctionWithoutLayersOrAMissingConfigIsAnError) {
  TempDir tmp;
  WriteFile(tmp / "f.json", "{\"FunctionName\": \"f\"}");
  Result<FunctionLayers> none = ResolveFunctionLayers(tmp / "f.json", tmp / "store");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no layers"), std::string::npos);
  Result<FunctionLayers> missing =
      ResolveFunctionLayers(tmp / "missing.json", tmp / "store");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.json"), std::string::npos);
}

}  // namespace
}  // namespace layerfs
