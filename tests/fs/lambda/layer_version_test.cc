#include "fs/lambda/layer_version.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/support/test_files.h"

namespace layerfs {
namespace {

using Json = nlohmann::json;

std::string SampleText() {
  return testing_files::ReadFile(std::string(LAYERFS_SOURCE_DIR) +
                                 "/tests/data/layers/get_layer_version.json");
}

LayerVersion Sample() {
  Result<LayerVersion> v = ParseLayerVersionJson(SampleText(), "sample");
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? *v : LayerVersion{};
}

TEST(LayerVersionTest, FormatsCreatedDateLikeAws) {
  auto t = std::chrono::system_clock::from_time_t(1543331445) +
           std::chrono::milliseconds(123);
  EXPECT_EQ(FormatCreatedDate(t), "2018-11-27T15:10:45.123+0000");
  EXPECT_EQ(FormatCreatedDate(std::chrono::system_clock::from_time_t(0)),
            "1970-01-01T00:00:00.000+0000");
}

TEST(LayerVersionTest, ParsesGetLayerVersionOutput) {
  LayerVersion v = Sample();
  EXPECT_EQ(v.arn.ToString(),
            "arn:aws:lambda:us-east-2:123456789012:layer:shared-utils:12");
  EXPECT_EQ(v.description, "Shared helpers");
  EXPECT_EQ(v.created_date, "2023-11-14T23:03:52.894+0000");
  EXPECT_EQ(v.compatible_runtimes,
            (std::vector<std::string>{"python3.11", "python3.12"}));
  EXPECT_EQ(v.compatible_architectures,
            (std::vector<std::string>{"x86_64", "arm64"}));
  EXPECT_EQ(v.license_info, "MIT");
  EXPECT_EQ(v.code_sha256, "tv9jJO+rPbXUUXuRKi7CwHzKtLDkDRJLB3cC3Z/ouXo=");
  EXPECT_EQ(v.code_size, 169u);
}

TEST(LayerVersionTest, WritesAwsShapeInAwsOrder) {
  LayerVersion v = Sample();
  std::string text = LayerVersionToJson(v, "/store/layers/x/12.zip");
  // Same keys, same order, same values as the AWS output, Location aside.
  nlohmann::ordered_json ours = nlohmann::ordered_json::parse(text);
  nlohmann::ordered_json aws = nlohmann::ordered_json::parse(SampleText());
  aws["Content"]["Location"] = "/store/layers/x/12.zip";
  EXPECT_EQ(ours.dump(), aws.dump());
  EXPECT_EQ(text.rfind("{\n  \"Content\": {\n    \"Location\": ", 0), 0u)
      << text;

  Result<LayerVersion> back = ParseLayerVersionJson(text, "round trip");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, v);

  // Without a location, Content holds only the digest and size.
  Json bare = Json::parse(LayerVersionToJson(v, ""));
  EXPECT_FALSE(bare["Content"].contains("Location"));
}

TEST(LayerVersionTest, LeavesOutUnsetOptionalFields) {
  LayerVersion v = Sample();
  v.compatible_runtimes.clear();
  v.compatible_architectures.clear();
  v.license_info.clear();
  v.description.clear();
  Json json = Json::parse(LayerVersionToJson(v, "x"));
  EXPECT_FALSE(json.contains("CompatibleRuntimes"));
  EXPECT_FALSE(json.contains("CompatibleArchitectures"));
  EXPECT_FALSE(json.contains("LicenseInfo"));
  EXPECT_EQ(json["Description"], "");
}

TEST(LayerVersionTest, RejectsInconsistentOrIncompleteJson) {
  auto error = [](const std::string& edit_key, const Json& value) {
    Json json = Json::parse(SampleText());
    if (edit_key == "CodeSha256" || edit_key == "CodeSize") {
      json["Content"][edit_key] = value;
    } else if (value.is_null()) {
      json.erase(edit_key);
    } else {
      json[edit_key] = value;
    }
    Result<LayerVersion> v = ParseLayerVersionJson(json.dump(), "edited.json");
    EXPECT_FALSE(v.ok()) << edit_key;
    return v.ok() ? std::string() : v.status().message();
  };
  EXPECT_NE(error("Version", 11).find("does not match"), std::string::npos);
  EXPECT_NE(
      error("LayerArn", "arn:aws:lambda:us-east-2:123456789012:layer:other")
          .find("does not match"),
      std::string::npos);
  EXPECT_NE(error("LayerVersionArn", nullptr).find("no LayerVersionArn"),
            std::string::npos);
  EXPECT_NE(error("LayerVersionArn",
                  "arn:aws:lambda:us-east-2:123456789012:layer:shared-utils")
                .find("no version"),
            std::string::npos);
  EXPECT_NE(error("CodeSha256", "deadbeef").find("CodeSha256"),
            std::string::npos);
  EXPECT_NE(error("CodeSize", -1).find("CodeSize"), std::string::npos);
  EXPECT_NE(error("Content", nullptr).find("Content"), std::string::npos);
  EXPECT_NE(error("CompatibleRuntimes", "python3.12").find("not a list"),
            std::string::npos);
  Result<LayerVersion> broken = ParseLayerVersionJson("{", "broken.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("broken.json: not valid JSON"),
            std::string::npos);
}

TEST(LayerVersionTest, ListShapes) {
  LayerVersion v = Sample();
  Json layers = Json::parse(ListLayersJson({v}));
  ASSERT_EQ(layers["Layers"].size(), 1u);
  EXPECT_EQ(layers["Layers"][0]["LayerName"], "shared-utils");
  EXPECT_EQ(layers["Layers"][0]["LayerArn"],
            "arn:aws:lambda:us-east-2:123456789012:layer:shared-utils");
  EXPECT_EQ(layers["Layers"][0]["LatestMatchingVersion"]["Version"], 12);
  EXPECT_EQ(layers["Layers"][0]["LatestMatchingVersion"]["LayerVersionArn"],
            v.arn.ToString());

  Json versions = Json::parse(ListLayerVersionsJson({v, v}));
  ASSERT_EQ(versions["LayerVersions"].size(), 2u);
  EXPECT_EQ(versions["LayerVersions"][1]["CompatibleArchitectures"][1],
            "arm64");
  EXPECT_EQ(Json::parse(ListLayersJson({})).dump(), R"({"Layers":[]})");
}

TEST(LayerVersionTest, ValidatesPublishFields) {
  LayerVersion v = Sample();
  EXPECT_TRUE(ValidateLayerVersionFields(v).ok());

  auto fails = [](LayerVersion bad, const std::string& fragment) {
    Status s = ValidateLayerVersionFields(bad);
    EXPECT_FALSE(s.ok()) << fragment;
    EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
  };
  LayerVersion bad = v;
  bad.description = std::string(257, 'd');
  fails(bad, "257 bytes");
  bad = v;
  bad.license_info = std::string(513, 'l');
  fails(bad, "513 bytes");
  bad = v;
  bad.description = "\xff\xfe";
  fails(bad, "not UTF-8");
  bad = v;
  bad.compatible_runtimes.assign(16, "python3.12");
  fails(bad, "16 compatible runtimes");
  bad = v;
  bad.compatible_runtimes = {"python3.12", "python3.12"};
  fails(bad, "listed twice");
  bad = v;
  bad.compatible_runtimes = {"Python 3"};
  fails(bad, "\"Python 3\"");
  bad = v;
  bad.compatible_architectures = {"amd64"};
  fails(bad, "\"amd64\"");
  bad = v;
  bad.compatible_architectures = {"arm64", "arm64"};
  fails(bad, "listed twice");
  bad = v;
  bad.arn.version = 0;
  fails(bad, "no version");
}

}  // namespace
}  // namespace layerfs
