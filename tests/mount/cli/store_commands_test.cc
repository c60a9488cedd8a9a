#include "mount/cli/store_commands.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fs/lambda/code_sha256.h"
#include "tests/support/test_files.h"

namespace layerfs {
namespace {

using Json = nlohmann::json;
using testing_files::ReadFile;
using testing_files::TempDir;
using testing_files::WriteFile;

Status AcceptAll(const std::string&) { return Status::Ok(); }

struct CommandRun {
  int code;
  std::string out;
  std::string err;
};

class StoreCommandsTest : public ::testing::Test {
 protected:
  CommandRun Publish(std::vector<std::string> args,
                     const ZipValidator& validate = AcceptAll) {
    std::ostringstream out, err;
    int code = RunPublish(args, out, err, validate);
    return {code, out.str(), err.str()};
  }
  CommandRun Layers(std::vector<std::string> args) {
    std::ostringstream out, err;
    int code = RunLayers(args, out, err);
    return {code, out.str(), err.str()};
  }
  std::string Zip(const std::string& name, const std::string& content) {
    WriteFile(dir_ / name, content);
    return dir_ / name;
  }

  TempDir dir_;
  std::string store_ = dir_ / "store";
};

TEST_F(StoreCommandsTest, PublishPrintsPublishLayerVersionJson) {
  std::string zip = Zip("deps.zip", "zip bytes");
  CommandRun run = Publish(
      {"deps", zip, "--description", "My deps", "--store", store_,
       "--compatible-runtime", "python3.12", "--compatible-runtime=python3.11",
       "--compatible-architecture", "arm64", "--license", "MIT"});
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  EXPECT_EQ(run.out.rfind("{\n  \"Content\": {\n", 0), 0u) << run.out;
  Json json = Json::parse(run.out);
  EXPECT_EQ(json["LayerArn"],
            "arn:aws:lambda:us-east-1:000000000000:layer:deps");
  EXPECT_EQ(json["LayerVersionArn"],
            "arn:aws:lambda:us-east-1:000000000000:layer:deps:1");
  EXPECT_EQ(json["Version"], 1);
  EXPECT_EQ(json["Description"], "My deps");
  EXPECT_EQ(json["CompatibleRuntimes"], Json({"python3.12", "python3.11"}));
  EXPECT_EQ(json["CompatibleArchitectures"], Json({"arm64"}));
  EXPECT_EQ(json["LicenseInfo"], "MIT");
  EXPECT_EQ(json["Content"]["CodeSha256"], DigestCodeFile(zip)->code_sha256);
  EXPECT_EQ(json["Content"]["CodeSize"], 9);
  EXPECT_EQ(ReadFile(json["Content"]["Location"].get<std::string>()),
            "zip bytes");
  EXPECT_TRUE(json.contains("CreatedDate"));

  CommandRun second = Publish({"deps", zip, "--store", store_, "--region",
                               "eu-west-1", "--account", "123456789012"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(Json::parse(second.out)["LayerVersionArn"],
            "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1");
}

TEST_F(StoreCommandsTest, PublishUsageErrors) {
  std::string zip = Zip("a.zip", "a");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {},
           {"onlyname"},
           {"a", zip, "extra"},
           {"a", zip, "--bogus"},
           {"a", zip, "--store"},
           {"a", zip, "--license", "x", "--license", "y"},
           {"bad/name", zip},
           {"a", zip, "--account", "123"},
           {"a", zip, "--compatible-architecture", "amd64"},
           {"--from-get-layer-version", "x.json", zip, zip},
           {"--from-get-layer-version", "x.json", zip, "--description", "d"},
       }) {
    CommandRun run = Publish(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(run.code, 2) << joined << "\n" << run.err;
    EXPECT_NE(run.err.find("usage: layerfs publish"), std::string::npos)
        << joined;
    EXPECT_EQ(run.out, "");
  }
  EXPECT_FALSE(std::filesystem::exists(store_));
  CommandRun help = Publish({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("usage: layerfs publish"), std::string::npos);
}

TEST_F(StoreCommandsTest, PublishFailures) {
  CommandRun missing = Publish({"a", dir_ / "missing.zip", "--store", store_});
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("missing.zip"), std::string::npos) << missing.err;

  CommandRun unchecked =
      Publish({"a", Zip("a.zip", "a"), "--store", store_}, ZipValidator());
  EXPECT_EQ(unchecked.code, 1);
  EXPECT_NE(unchecked.err.find("no archive check"), std::string::npos);

  CommandRun refused =
      Publish({"a", Zip("b.zip", "b"), "--store", store_},
              [](const std::string&) { return Status::Corrupt("not a zip"); });
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.err.find("not a zip"), std::string::npos);
}

TEST_F(StoreCommandsTest, PublishFromGetLayerVersion) {
  std::string zip = Zip("dl.zip", "downloaded");
  CodeDigest digest = *DigestCodeFile(zip);
  Json aws = {{"Content",
               {{"Location", "https://example.invalid/x"},
                {"CodeSha256", digest.code_sha256},
                {"CodeSize", digest.code_size}}},
              {"LayerArn", "arn:aws:lambda:us-west-2:123456789012:layer:tools"},
              {"LayerVersionArn",
               "arn:aws:lambda:us-west-2:123456789012:layer:tools:8"},
              {"Description", "Tools"},
              {"CreatedDate", "2024-01-02T03:04:05.678+0000"},
              {"Version", 8}};
  WriteFile(dir_ / "get.json", aws.dump(4));
  CommandRun run = Publish(
      {"--from-get-layer-version", dir_ / "get.json", zip, "--store", store_});
  ASSERT_EQ(run.code, 0) << run.err;
  Json json = Json::parse(run.out);
  EXPECT_EQ(json["LayerVersionArn"],
            "arn:aws:lambda:us-west-2:123456789012:layer:tools:8");
  EXPECT_EQ(json["CreatedDate"], "2024-01-02T03:04:05.678+0000");
  EXPECT_NE(json["Content"]["Location"], "https://example.invalid/x");

  aws["Content"]["CodeSize"] = digest.code_size + 1;
  WriteFile(dir_ / "wrong.json", aws.dump());
  CommandRun wrong = Publish({"--from-get-layer-version", dir_ / "wrong.json",
                              zip, "--store", store_});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.err.find("CodeSize"), std::string::npos) << wrong.err;
}

TEST_F(StoreCommandsTest, LayersListVersionsGetDelete) {
  ASSERT_EQ(Publish({"a", Zip("a1", "1"), "--store", store_, "--description",
                     "first"})
                .code,
            0);
  ASSERT_EQ(Publish({"a", Zip("a2", "2"), "--store", store_}).code, 0);
  ASSERT_EQ(Publish({"b", Zip("b1", "3"), "--store", store_}).code, 0);
  const std::string a2 = "arn:aws:lambda:us-east-1:000000000000:layer:a:2";

  CommandRun list = Layers({"list", "--store", store_});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("NAME"), std::string::npos);
  EXPECT_NE(list.out.find(a2), std::string::npos) << list.out;

  CommandRun list_json = Layers({"list", "--json", "--store", store_});
  ASSERT_EQ(list_json.code, 0);
  Json layers = Json::parse(list_json.out);
  ASSERT_EQ(layers["Layers"].size(), 2u);
  EXPECT_EQ(layers["Layers"][0]["LatestMatchingVersion"]["Version"], 2);

  CommandRun versions = Layers({"versions", "a", "--json", "--store", store_});
  ASSERT_EQ(versions.code, 0) << versions.err;
  Json v = Json::parse(versions.out);
  ASSERT_EQ(v["LayerVersions"].size(), 2u);
  EXPECT_EQ(v["LayerVersions"][0]["Version"], 2);
  EXPECT_EQ(v["LayerVersions"][1]["Description"], "first");

  CommandRun get = Layers({"get", a2, "--store", store_});
  ASSERT_EQ(get.code, 0) << get.err;
  EXPECT_EQ(Json::parse(get.out)["LayerVersionArn"], a2);

  CommandRun del = Layers({"delete", a2, "--store", store_});
  ASSERT_EQ(del.code, 0) << del.err;
  EXPECT_EQ(del.out, "");
  CommandRun after = Layers({"list", "--json", "--store", store_});
  EXPECT_EQ(
      Json::parse(after.out)["Layers"][0]["LatestMatchingVersion"]["Version"],
      1);
  CommandRun get_deleted = Layers({"get", a2, "--store", store_});
  EXPECT_EQ(get_deleted.code, 0);
  EXPECT_NE(get_deleted.err.find("deleted"), std::string::npos);

  CommandRun unknown =
      Layers({"get", "arn:aws:lambda:us-east-1:000000000000:layer:a:9",
              "--store", store_});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("layer:a:9"), std::string::npos) << unknown.err;
}

TEST_F(StoreCommandsTest, LayersUsageErrors) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {},
           {"frobnicate"},
           {"list", "extra"},
           {"versions"},
           {"get"},
           {"get", "not-an-arn"},
           {"delete", "arn:aws:lambda:us-east-1:000000000000:layer:a"},
           {"list", "--bogus"},
           {"list", "--json=yes"},
       }) {
    CommandRun run = Layers(args);
    EXPECT_EQ(run.code, 2) << (args.empty() ? "" : args[0]) << "\n" << run.err;
    EXPECT_NE(run.err.find("usage: layerfs layers"), std::string::npos);
  }
  EXPECT_EQ(Layers({"--help"}).code, 0);
}

TEST_F(StoreCommandsTest, StoreFromEnvironment) {
  ASSERT_EQ(Publish({"envlayer", Zip("e", "e"), "--store", store_}).code, 0);
  const char* old = std::getenv("LAYERFS_STORE");
  std::string saved = old == nullptr ? "" : old;
  setenv("LAYERFS_STORE", store_.c_str(), 1);
  CommandRun list = Layers({"list"});
  if (old == nullptr) {
    unsetenv("LAYERFS_STORE");
  } else {
    setenv("LAYERFS_STORE", saved.c_str(), 1);
  }
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("envlayer"), std::string::npos);
}

}  // namespace
}  // namespace layerfs
