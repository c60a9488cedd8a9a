// Zip paths, ARNs and function configurations resolved to a stack through
// a layer store made here.
#include "fs/lambda/stack_resolver.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fs/lambda/layer_store.h"
#include "tests/support/test_files.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;

constexpr char kPrefix[] = "arn:aws:lambda:us-east-1:000000000000:layer:";

class StackResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<LayerStore> store = LayerStore::Open(store_dir_, ZipValidator());
    ASSERT_TRUE(store.ok()) << store.status().message();
    numpy1_ = Publish(*store, "numpy", {"python3.12"});
    numpy2_ = Publish(*store, "numpy", {});
  }

  std::string Publish(const LayerStore& store, const std::string& name,
                      std::vector<std::string> runtimes) {
    WriteFile(tmp_ / "in.zip", name + std::to_string(++published_));
    PublishRequest request{.layer_name = name, .zip_path = tmp_ / "in.zip",
                           .compatible_runtimes = std::move(runtimes)};
    Result<StoredLayerVersion> stored = store.Publish(request);
    EXPECT_TRUE(stored.ok()) << stored.status().message();
    return stored.ok() ? stored->zip_path : "";
  }

  TempDir tmp_;
  std::string store_dir_ = tmp_ / "store";
  std::string numpy1_, numpy2_;
  int published_ = 0;
};

TEST_F(StackResolverTest, ZipsStayAsGivenAndArnsBecomeStoredZipsWithMetadata) {
  WriteFile(tmp_ / "local.zip", "zip");
  Result<ResolvedStack> stack = ResolveLayerArguments(
      {tmp_ / "local.zip", std::string(kPrefix) + "numpy:1"}, store_dir_);
  ASSERT_TRUE(stack.ok()) << stack.status().message();
  EXPECT_EQ(stack->zips, (std::vector<std::string>{tmp_ / "local.zip", numpy1_}));
  ASSERT_EQ(stack->layers.size(), 2u);
  EXPECT_FALSE(stack->layers[0].arn.has_value());
  EXPECT_EQ(stack->layers[0].label, tmp_ / "local.zip");
  ASSERT_TRUE(stack->layers[1].arn.has_value());
  EXPECT_EQ(stack->layers[1].label, std::string(kPrefix) + "numpy:1");
  EXPECT_EQ(stack->layers[1].compatible_runtimes, std::vector<std::string>{"python3.12"});
  EXPECT_FALSE(stack->function.has_value());
}

TEST_F(StackResolverTest, PlainZipsNeverOpenTheStore) {
  // A store path that cannot be a directory: opening it would fail.
  WriteFile(tmp_ / "not-a-dir", "");
  Result<ResolvedStack> stack = ResolveLayerArguments({"a.zip", "b.zip"}, tmp_ / "not-a-dir/x");
  ASSERT_TRUE(stack.ok()) << stack.status().message();
  EXPECT_EQ(stack->zips, (std::vector<std::string>{"a.zip", "b.zip"}));
}

TEST_F(StackResolverTest, UnknownAndMalformedArnsFailNamingThem) {
  Result<ResolvedStack> unknown =
      ResolveLayerArguments({"a.zip", std::string(kPrefix) + "numpy:9"}, store_dir_);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("layer 2: "), std::string::npos);
  EXPECT_NE(unknown.status().message().find("numpy:9"), std::string::npos);

  Result<ResolvedStack> no_layer =
      ResolveLayerArguments({std::string(kPrefix) + "scipy:1"}, store_dir_);
  ASSERT_FALSE(no_layer.ok());
  EXPECT_NE(no_layer.status().message().find("scipy"), std::string::npos);

  std::string bad = "arn:aws:lambda:us-east-1:1234:layer:numpy:1";
  Result<ResolvedStack> malformed = ResolveLayerArguments({bad}, store_dir_);
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(malformed.status().message().find(bad), std::string::npos);
  EXPECT_FALSE(ResolveLayerArguments({std::string(kPrefix) + "numpy"}, store_dir_).ok())
      << "a layer ARN without a version";
}

TEST_F(StackResolverTest, AFunctionConfigurationGivesItsLayersRuntimeAndArchitecture) {
  WriteFile(tmp_ / "f.json", std::string(R"({"Configuration": {"FunctionName": "f",
      "Runtime": "python3.11", "Architectures": ["arm64"],
      "Layers": [{"Arn": ")") + kPrefix + R"(numpy:2", "CodeSize": 1},
                 {"Arn": ")" + kPrefix + R"(numpy:1", "CodeSize": 1}]}})");
  Result<ResolvedStack> stack = ResolveFunctionStack(tmp_ / "f.json", store_dir_);
  ASSERT_TRUE(stack.ok()) << stack.status().message();
  EXPECT_EQ(stack->zips, (std::vector<std::string>{numpy2_, numpy1_}));
  FunctionTarget target = TargetOf(*stack);
  EXPECT_EQ(target.runtime, "python3.11");
  EXPECT_EQ(target.architecture, "arm64");

  WriteFile(tmp_ / "g.json", std::string(R"({"Layers": [")") + kPrefix + "numpy:1\", \"" +
                                 kPrefix + "numpy:3\"]}");
  Result<ResolvedStack> bad = ResolveFunctionStack(tmp_ / "g.json", store_dir_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(tmp_ / "g.json"), std::string::npos);
  EXPECT_NE(bad.status().message().find("Layers[1]"), std::string::npos);
}

TEST_F(StackResolverTest, TheStoreDirectoryComesFromTheFlagThenTheEnvironment) {
  EXPECT_EQ(*ResolveStoreDir("/given"), "/given");
  ::setenv("LAYERFS_STORE", "/from/env", 1);
  EXPECT_EQ(*ResolveStoreDir(""), "/from/env");
  ::unsetenv("LAYERFS_STORE");
}

// ResolveFunctionToMount: what mount, remount and a reload resolve.

// Publishes `name` once per content given; returns the stored zip paths.
std::vector<std::string> PublishContents(const LayerStore& store, const TempDir& tmp,
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

TEST(FunctionToMountTest, ResolvesEveryLayerToItsStoredZipInLayersOrder) {
  TempDir tmp;
  Result<LayerStore> store = LayerStore::Open(tmp / "store", ZipValidator());
  ASSERT_TRUE(store.ok()) << store.status().message();
  std::vector<std::string> numpy = PublishContents(*store, tmp, "numpy", {"numpy v1", "numpy v2"});
  std::vector<std::string> tools = PublishContents(*store, tmp, "tools", {"tools v1"});
  ASSERT_EQ(numpy.size(), 2u);
  ASSERT_EQ(tools.size(), 1u);
  WriteFile(tmp / "f.json", std::string("{\"FunctionName\": \"f\", \"Layers\": [\"") + kPrefix +
                                "tools:1\", \"" + kPrefix + "numpy:2\"]}");
  Result<ResolvedStack> zips = ResolveFunctionToMount(tmp / "f.json", tmp / "store");
  ASSERT_TRUE(zips.ok()) << zips.status().message();
  EXPECT_EQ(zips->zips, (std::vector<std::string>{tools[0], numpy[1]}));
  EXPECT_TRUE(ResolutionWarnings(*zips).empty());
}

TEST(FunctionToMountTest, AnUnknownVersionNamesTheConfigAndTheLayerPosition) {
  TempDir tmp;
  Result<LayerStore> store = LayerStore::Open(tmp / "store", ZipValidator());
  ASSERT_TRUE(store.ok());
  PublishContents(*store, tmp, "numpy", {"numpy v1"});
  WriteFile(tmp / "f.json", std::string("{\"Layers\": [\"") + kPrefix + "numpy:1\", \"" +
                                kPrefix + "numpy:7\"]}");
  Result<ResolvedStack> zips = ResolveFunctionToMount(tmp / "f.json", tmp / "store");
  ASSERT_FALSE(zips.ok());
  EXPECT_EQ(zips.status().code(), ErrorCode::kNotFound);
  const std::string& m = zips.status().message();
  EXPECT_NE(m.find(tmp / "f.json"), std::string::npos) << m;
  EXPECT_NE(m.find("Layers[1]"), std::string::npos) << m;
  EXPECT_NE(m.find("numpy:7"), std::string::npos) << m;
}

TEST(FunctionToMountTest, ADeletedVersionStillResolvesAsOnLambda) {
  TempDir tmp;
  Result<LayerStore> store = LayerStore::Open(tmp / "store", ZipValidator());
  ASSERT_TRUE(store.ok());
  std::vector<std::string> numpy = PublishContents(*store, tmp, "numpy", {"numpy v1"});
  Result<LayerArn> arn = ParseLayerVersionArn(std::string(kPrefix) + "numpy:1");
  ASSERT_TRUE(arn.ok());
  ASSERT_TRUE(store->Delete(*arn).ok());
  WriteFile(tmp / "f.json", std::string("{\"Layers\": [\"") + kPrefix + "numpy:1\"]}");
  Result<ResolvedStack> zips = ResolveFunctionToMount(tmp / "f.json", tmp / "store");
  ASSERT_TRUE(zips.ok()) << zips.status().message();
  EXPECT_EQ(zips->zips, numpy);
  std::vector<std::string> warnings = ResolutionWarnings(*zips);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("Layers[0]"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("deleted"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("f.json"), std::string::npos) << warnings[0];
}

TEST(FunctionToMountTest, AFunctionWithoutLayersOrAMissingConfigIsAnError) {
  TempDir tmp;
  WriteFile(tmp / "f.json", "{\"FunctionName\": \"f\"}");
  Result<ResolvedStack> none = ResolveFunctionToMount(tmp / "f.json", tmp / "store");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no layers"), std::string::npos);
  Result<ResolvedStack> missing =
      ResolveFunctionToMount(tmp / "missing.json", tmp / "store");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("missing.json"), std::string::npos);
}

}  // namespace
}  // namespace layerfs
