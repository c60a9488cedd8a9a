#include "fs/lambda/function_config.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace layerfs {
namespace {

std::string DataPath(const std::string& name) {
  return std::string(LAYERFS_SOURCE_DIR) + "/tests/data/functions/" + name;
}

std::vector<std::string> ArnStrings(const FunctionConfig& config) {
  std::vector<std::string> out;
  for (const LayerArn& arn : config.layers) out.push_back(arn.ToString());
  return out;
}

TEST(FunctionConfigTest, CreateFunctionRequest) {
  Result<FunctionConfig> config =
      LoadFunctionConfig(DataPath("create_function_request.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->function_name, "image-resizer");
  EXPECT_EQ(config->runtime, "python3.12");
  EXPECT_EQ(config->handler, "app.lambda_handler");
  EXPECT_EQ(config->architectures, std::vector<std::string>{"arm64"});
  EXPECT_EQ(ArnStrings(*config),
            (std::vector<std::string>{
                "arn:aws:lambda:us-east-2:123456789012:layer:pillow:7",
                "arn:aws:lambda:us-east-2:123456789012:layer:shared-utils:12",
                "arn:aws:lambda:us-east-2:017000801446:layer:"
                "AWSLambdaPowertoolsPythonV2-Arm64:68"}));
  EXPECT_EQ(config->layers[1].name, "shared-utils");
  EXPECT_EQ(config->layers[1].version, 12);
}

TEST(FunctionConfigTest, UpdateFunctionConfigurationRequest) {
  Result<FunctionConfig> config = LoadFunctionConfig(
      DataPath("update_function_configuration_request.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  // FunctionName may be an ARN in a request; it is kept as given.
  EXPECT_EQ(config->function_name,
            "arn:aws:lambda:eu-west-1:123456789012:function:orders-api");
  EXPECT_EQ(config->runtime, "nodejs20.x");
  EXPECT_EQ(config->handler, "index.handler");
  EXPECT_EQ(config->architectures, std::vector<std::string>{"x86_64"});
  EXPECT_EQ(ArnStrings(*config),
            std::vector<std::string>{
                "arn:aws:lambda:eu-west-1:123456789012:layer:node-deps:4"});
}

TEST(FunctionConfigTest, GetFunctionConfigurationResponse) {
  Result<FunctionConfig> config =
      LoadFunctionConfig(DataPath("get_function_configuration.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->function_name, "image-resizer");
  EXPECT_EQ(config->runtime, "python3.12");
  EXPECT_EQ(config->architectures, std::vector<std::string>{"x86_64"});
  EXPECT_EQ(
      ArnStrings(*config),
      (std::vector<std::string>{
          "arn:aws:lambda:us-east-2:123456789012:layer:pillow:7",
          "arn:aws:lambda:us-east-2:123456789012:layer:shared-utils:12"}));
}

TEST(FunctionConfigTest, ListFunctionsItem) {
  Result<FunctionConfig> config =
      LoadFunctionConfig(DataPath("list_functions_item.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->function_name, "report-builder");
  EXPECT_EQ(config->runtime, "java21");
  EXPECT_EQ(config->handler, "example.Handler::handleRequest");
  EXPECT_EQ(config->architectures, std::vector<std::string>{"arm64"});
  ASSERT_EQ(config->layers.size(), 2u);
  EXPECT_EQ(config->layers[0].name, "java-common");
  EXPECT_EQ(config->layers[1].account, "580247275435");
  EXPECT_EQ(config->layers[1].version, 49);
}

TEST(FunctionConfigTest, GetFunctionOutput) {
  Result<FunctionConfig> config =
      LoadFunctionConfig(DataPath("get_function.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->function_name, "orders-api");
  EXPECT_EQ(config->runtime, "nodejs20.x");
  EXPECT_EQ(config->handler, "index.handler");
  EXPECT_EQ(
      ArnStrings(*config),
      (std::vector<std::string>{
          "arn:aws:lambda:eu-west-1:123456789012:layer:node-deps:4",
          "arn:aws:lambda:eu-west-1:123456789012:layer:otel-collector:1"}));
}

TEST(FunctionConfigTest, CloudFormationResource) {
  Result<FunctionConfig> config =
      LoadFunctionConfig(DataPath("cloudformation_resource.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->function_name, "ingest-worker");
  EXPECT_EQ(config->runtime, "provided.al2023");
  EXPECT_EQ(config->architectures, std::vector<std::string>{"arm64"});
  ASSERT_EQ(config->layers.size(), 1u);
  EXPECT_EQ(config->layers[0].partition, "aws-cn");
}

TEST(FunctionConfigTest, NoLayersAndDefaultArchitecture) {
  Result<FunctionConfig> config =
      LoadFunctionConfig(DataPath("minimal_no_layers.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->function_name, "hello");
  EXPECT_TRUE(config->layers.empty());
  EXPECT_EQ(config->architectures, std::vector<std::string>{"x86_64"});
}

TEST(FunctionConfigTest, NameFromFunctionArnWhenNoName) {
  Result<FunctionConfig> config = ParseFunctionConfig(
      R"({"FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn:prod",
          "Layers": []})",
      "inline");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->function_name, "fn");
}

TEST(FunctionConfigTest, KeepsLayerOrderAndDuplicates) {
  // Order is Lambda's application order; duplicates are for the caller's
  // rule checks to report, so parsing keeps them.
  Result<FunctionConfig> config = ParseFunctionConfig(
      R"({"Layers": ["arn:aws:lambda:us-east-1:123456789012:layer:b:2",
                     "arn:aws:lambda:us-east-1:123456789012:layer:a:1",
                     "arn:aws:lambda:us-east-1:123456789012:layer:b:2"]})",
      "inline");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_EQ(config->layers.size(), 3u);
  EXPECT_EQ(config->layers[0].name, "b");
  EXPECT_EQ(config->layers[1].name, "a");
  EXPECT_EQ(config->layers[2], config->layers[0]);
}

void ExpectError(const Result<FunctionConfig>& config,
                 std::vector<std::string> fragments) {
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kInvalidArgument);
  for (const std::string& fragment : fragments) {
    EXPECT_NE(config.status().message().find(fragment), std::string::npos)
        << "missing \"" << fragment << "\" in: " << config.status().message();
  }
}

TEST(FunctionConfigTest, MalformedArnNamesFileIndexAndArn) {
  std::string path = DataPath("bad_account_arn.json");
  ExpectError(LoadFunctionConfig(path),
              {path, "Layers[1]",
               "arn:aws:lambda:us-east-1:12345678901:layer:short-account:2",
               "12 digits"});
}

TEST(FunctionConfigTest, UnversionedLayerIsAnError) {
  ExpectError(
      LoadFunctionConfig(DataPath("unversioned_layer.json")),
      {"Layers[0]", "arn:aws:lambda:us-east-1:123456789012:layer:no-version",
       "no version"});
}

TEST(FunctionConfigTest, ListFunctionsOutputAsksForOneItem) {
  ExpectError(LoadFunctionConfig(DataPath("list_functions_output.json")),
              {"ListFunctions", "2 functions"});
}

TEST(FunctionConfigTest, CloudFormationRefIsExplained) {
  ExpectError(LoadFunctionConfig(DataPath("cloudformation_ref_layer.json")),
              {"Layers[0]", "CloudFormation", "SharedLayerVersion"});
}

TEST(FunctionConfigTest, RejectsWrongShapes) {
  ExpectError(ParseFunctionConfig("{not json", "f.json"),
              {"f.json", "not valid JSON"});
  ExpectError(ParseFunctionConfig("[]", "f.json"), {"JSON object"});
  ExpectError(ParseFunctionConfig(R"({"Content": {"CodeSize": 1}})", "f.json"),
              {"does not look like a Lambda function configuration"});
  ExpectError(ParseFunctionConfig(R"({"Layers": "arn:aws:lambda"})", "f.json"),
              {"Layers is not a list"});
  ExpectError(ParseFunctionConfig(R"({"Layers": [42]})", "f.json"),
              {"Layers[0]", "42"});
  ExpectError(ParseFunctionConfig(R"({"Layers": [{"CodeSize": 3}]})", "f.json"),
              {"Layers[0]", "without \"Arn\""});
  ExpectError(ParseFunctionConfig(R"({"Runtime": 3})", "f.json"),
              {"Runtime is not a string"});
  ExpectError(
      ParseFunctionConfig(
          R"({"Runtime": "python3.12", "Architectures": ["amd64"]})", "f.json"),
      {"\"amd64\"", "x86_64"});
  ExpectError(
      ParseFunctionConfig(
          R"({"Runtime": "python3.12", "Architectures": ["arm64", "x86_64"]})",
          "f.json"),
      {"exactly one"});
}

TEST(FunctionConfigTest, MissingFileIsNotFound) {
  Result<FunctionConfig> config = LoadFunctionConfig(DataPath("nope.json"));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(config.status().message().find("nope.json"), std::string::npos);
}

TEST(FunctionConfigTest, DeepNestingHugeFilesAndOddValuesFailWithOneLineErrors) {
  Result<FunctionConfig> deep =
      ParseFunctionConfig("{\"Layers\": " + std::string(80000, '[') + "}", "f.json");
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("nested deeper than 64"), std::string::npos);
  // Brackets inside strings are text, not nesting.
  std::string in_string = "{\"Description\": \"" + std::string(100, '[') + "\", \"Layers\": []}";
  EXPECT_TRUE(ParseFunctionConfig(in_string, "f.json").ok());
  // /dev/zero never ends: reading stops at the size cap.
  Result<FunctionConfig> endless = LoadFunctionConfig("/dev/zero");
  ASSERT_FALSE(endless.ok());
  EXPECT_NE(endless.status().message().find("larger than 4 MiB"), std::string::npos);
  // A value is shown by its type, never re-serialised whole.
  Result<FunctionConfig> odd = ParseFunctionConfig(
      "{\"Layers\": [[" + std::string(40, '[') + std::string(40, ']') + "]]}", "f.json");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.status().message().find("a JSON array"), std::string::npos)
      << odd.status().message();
  Result<FunctionConfig> newline = ParseFunctionConfig(
      "{\"Layers\": [\"x\\nlayerfs: error: forged\"]}", "f.json");
  ASSERT_FALSE(newline.ok());
  EXPECT_EQ(newline.status().message().find('\n'), std::string::npos)
      << newline.status().message();
}

}  // namespace
}  // namespace layerfs
