// GetLayerVersion's endpoint, request path and answers
// (fs/lambda/lambda_api.h); the call itself is proved against a fake
// Lambda in tests/integration/lambda_api_test.cc.
#include "fs/lambda/lambda_api.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

LayerArn Arn() { return *ParseLayerVersionArn("arn:aws:lambda:eu-west-3:123456789012:layer:deps:3"); }

const char kSha[] = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

std::string Answer(const std::string& arn, const std::string& location) {
  return R"({"Content": {"Location": ")" + location + R"(", "CodeSha256": ")" + kSha +
         R"(", "CodeSize": 12}, "LayerVersionArn": ")" + arn + R"(", "Version": )" +
         arn.substr(arn.rfind(':') + 1) + "}";
}

TEST(LambdaApiTest, EndpointFromTheLambdaVariableThenTheGeneralOneThenAws) {
  AwsEnvironment env;
  EXPECT_EQ(*ResolveLambdaEndpoint(env, "eu-west-3"), "https://lambda.eu-west-3.amazonaws.com");
  EXPECT_EQ(*ResolveLambdaEndpoint(env, "cn-north-1"),
            "https://lambda.cn-north-1.amazonaws.com.cn");
  env.vars["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9000/";
  EXPECT_EQ(*ResolveLambdaEndpoint(env, "eu-west-3"), "http://127.0.0.1:9000");
  env.vars["AWS_ENDPOINT_URL_LAMBDA"] = "https://lambda.local:8443";
  EXPECT_EQ(*ResolveLambdaEndpoint(env, "eu-west-3"), "https://lambda.local:8443");
  env.vars["AWS_ENDPOINT_URL_LAMBDA"] = "ftp://x";
  Result<std::string> bad = ResolveLambdaEndpoint(env, "eu-west-3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("AWS_ENDPOINT_URL_LAMBDA 'ftp://x'"), std::string::npos);
  env.vars["AWS_ENDPOINT_URL_LAMBDA"] = "http://h/?q";
  EXPECT_FALSE(ResolveLambdaEndpoint(env, "eu-west-3").ok());
}

TEST(LambdaApiTest, PathHoldsTheLayerArnPercentEncoded) {
  EXPECT_EQ(GetLayerVersionPath(Arn()),
            "/2018-10-31/layers/arn%3Aaws%3Alambda%3Aeu-west-3%3A123456789012%3Alayer%3Adeps/"
            "versions/3");
}

TEST(LambdaApiTest, ParsesTheVersionAndItsLocation) {
  Result<LambdaLayerVersion> v = ParseGetLayerVersionReply(
      Arn(), "U", 200, Answer(Arn().ToString(), "https://s3/x.zip?sig=1"), "");
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->location, "https://s3/x.zip?sig=1");
  EXPECT_EQ(v->version.code_sha256, kSha);
  EXPECT_EQ(v->version.code_size, 12u);
  EXPECT_EQ(v->version.arn, Arn());
}

TEST(LambdaApiTest, ErrorsNameTheArnStatusAndAwsMessage) {
  const std::string arn = Arn().ToString();
  Result<LambdaLayerVersion> missing = ParseGetLayerVersionReply(
      Arn(), "U", 404, R"({"Type":"User","Message":"The resource you requested does not exist."})",
      "ResourceNotFoundException:http://internal.amazon.com/coral/");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            arn + ": GetLayerVersion (U) answered 404 (ResourceNotFoundException: The resource "
                  "you requested does not exist.)");
  Result<LambdaLayerVersion> denied =
      ParseGetLayerVersionReply(Arn(), "U", 403, R"({"message":"The security token is invalid"})", "");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), ErrorCode::kIoError);
  EXPECT_NE(denied.status().message().find("answered 403 (The security token is invalid)"),
            std::string::npos)
      << denied.status().message();
  Result<LambdaLayerVersion> garbage = ParseGetLayerVersionReply(Arn(), "U", 500, "<html>", "");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().message(), arn + ": GetLayerVersion (U) answered 500");
}

TEST(LambdaApiTest, RefusesAnAnswerForAnotherVersionOrWithoutAUrl) {
  Result<LambdaLayerVersion> other = ParseGetLayerVersionReply(
      Arn(), "U", 200,
      Answer("arn:aws:lambda:eu-west-3:123456789012:layer:deps:4", "https://s3/x.zip"), "");
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("describes arn:aws:lambda:eu-west-3:123456789012:"
                                          "layer:deps:4"),
            std::string::npos)
      << other.status().message();
  EXPECT_FALSE(ParseGetLayerVersionReply(Arn(), "U", 200, Answer(Arn().ToString(), "/tmp/x.zip"), "").ok());
  EXPECT_FALSE(ParseGetLayerVersionReply(Arn(), "U", 200, "{", "").ok());
  EXPECT_FALSE(ParseGetLayerVersionReply(Arn(), "U", 200, std::string(100, '['), "").ok());
}

}  // namespace
}  // namespace layerfs
