#include "fs/lambda/layer_arn.h"

#include <gtest/gtest.h>

#include <string>

namespace layerfs {
namespace {

TEST(LayerArnTest, ParsesVersionArn) {
  Result<LayerArn> arn = ParseLayerArn(
      "arn:aws:lambda:us-east-2:123456789012:layer:my-layer_2:17");
  ASSERT_TRUE(arn.ok()) << arn.status().ToString();
  EXPECT_EQ(arn->partition, "aws");
  EXPECT_EQ(arn->region, "us-east-2");
  EXPECT_EQ(arn->account, "123456789012");
  EXPECT_EQ(arn->name, "my-layer_2");
  EXPECT_EQ(arn->version, 17);
  EXPECT_TRUE(arn->has_version());
  EXPECT_EQ(arn->LayerString(),
            "arn:aws:lambda:us-east-2:123456789012:layer:my-layer_2");
  EXPECT_EQ(arn->ToString(),
            "arn:aws:lambda:us-east-2:123456789012:layer:my-layer_2:17");
}

TEST(LayerArnTest, ParsesLayerArnWithoutVersion) {
  Result<LayerArn> arn =
      ParseLayerArn("arn:aws-cn:lambda:cn-north-1:000000000000:layer:x");
  ASSERT_TRUE(arn.ok()) << arn.status().ToString();
  EXPECT_FALSE(arn->has_version());
  EXPECT_EQ(arn->partition, "aws-cn");
  EXPECT_EQ(arn->ToString(),
            "arn:aws-cn:lambda:cn-north-1:000000000000:layer:x");
  EXPECT_EQ(arn->WithVersion(3).ToString(),
            "arn:aws-cn:lambda:cn-north-1:000000000000:layer:x:3");
}

TEST(LayerArnTest, VersionArnRequiresVersion) {
  Result<LayerArn> arn =
      ParseLayerVersionArn("arn:aws:lambda:us-east-1:123456789012:layer:x");
  ASSERT_FALSE(arn.ok());
  EXPECT_EQ(arn.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(arn.status().message().find(
                "arn:aws:lambda:us-east-1:123456789012:layer:x\""),
            std::string::npos)
      << arn.status().message();
  EXPECT_NE(arn.status().message().find("no version"), std::string::npos);
}

TEST(LayerArnTest, RoundTripsThroughToString) {
  for (const char* text :
       {"arn:aws:lambda:us-east-1:123456789012:layer:a:1",
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:A-b_C:"
        "2147483647",
        "arn:aws:lambda:eu-central-1:000000000000:layer:layer"}) {
    Result<LayerArn> arn = ParseLayerArn(text);
    ASSERT_TRUE(arn.ok()) << text << ": " << arn.status().ToString();
    EXPECT_EQ(arn->ToString(), text);
  }
}

struct BadArn {
  const char* text;
  const char* complaint;  // expected in the message
};

class LayerArnRejectTest : public testing::TestWithParam<BadArn> {};

TEST_P(LayerArnRejectTest, NamesTheArnAndTheProblem) {
  const BadArn& bad = GetParam();
  Result<LayerArn> arn = ParseLayerArn(bad.text);
  ASSERT_FALSE(arn.ok()) << bad.text;
  const std::string& message = arn.status().message();
  EXPECT_NE(message.find(std::string("\"") + bad.text + "\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(bad.complaint), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    LayerArn, LayerArnRejectTest,
    testing::Values(
        BadArn{"", "expected arn:<partition>"},
        BadArn{"my-layer:3", "expected arn:<partition>"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:function:f",
               "expected arn:"},
        BadArn{"arn:aws:s3:us-east-1:123456789012:layer:x:1", "expected arn:"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:x:1:2",
               "expected arn:"},
        BadArn{"arn::lambda:us-east-1:123456789012:layer:x:1", "partition"},
        BadArn{"arn:aws:lambda:us_east_1:123456789012:layer:x:1", "region"},
        BadArn{"arn:aws:lambda::123456789012:layer:x:1", "region"},
        BadArn{"arn:aws:lambda:us-east-1:12345678901:layer:x:1", "12 digits"},
        BadArn{"arn:aws:lambda:us-east-1:1234567890123:layer:x:1", "12 digits"},
        BadArn{"arn:aws:lambda:us-east-1:12345678901a:layer:x:1", "12 digits"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer::1",
               "name is empty"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:my.layer:1",
               "letters, digits"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:x:0",
               "positive integer"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:x:-1",
               "positive integer"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:x:07",
               "leading zeros"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:x:",
               "version after the last ':' is empty"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:x:1.5",
               "positive integer"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:x:"
               "99999999999999999999",
               "too large"},
        // One past kMaxLayerVersion: the store could never number after it.
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:x:2147483648",
               "too large (at most 2147483647)"},
        BadArn{"arn:aws:lambda:us-east-1:123456789012:layer:x:-5",
               "positive integer"},
        BadArn{" arn:aws:lambda:us-east-1:123456789012:layer:x:1",
               "expected arn:"}));

TEST(LayerArnTest, NameLengthLimit) {
  std::string longest(kMaxLayerNameLength, 'a');
  EXPECT_TRUE(ValidateLayerName(longest).ok());
  Status too_long = ValidateLayerName(longest + "a");
  EXPECT_FALSE(too_long.ok());
  EXPECT_NE(too_long.message().find("141 characters"), std::string::npos)
      << too_long.message();
  EXPECT_FALSE(ValidateLayerName("").ok());
  EXPECT_FALSE(ValidateLayerName("a/b").ok());
  EXPECT_TRUE(ValidateLayerName("A-z_09").ok());

  std::string text =
      "arn:aws:lambda:us-east-1:123456789012:layer:" + longest + "a:1";
  EXPECT_FALSE(ParseLayerArn(text).ok());
}

TEST(LayerArnTest, MakeValidates) {
  Result<LayerArn> arn =
      MakeLayerArn("aws", "us-west-2", "123456789012", "numpy", 4);
  ASSERT_TRUE(arn.ok()) << arn.status().ToString();
  EXPECT_EQ(arn->ToString(),
            "arn:aws:lambda:us-west-2:123456789012:layer:numpy:4");
  EXPECT_FALSE(MakeLayerArn("aws", "us-west-2", "1234", "numpy").ok());
  EXPECT_FALSE(MakeLayerArn("aws", "us west", "123456789012", "numpy").ok());
  EXPECT_FALSE(MakeLayerArn("aws", "us-west-2", "123456789012", "num py").ok());
}

TEST(LayerArnTest, PartitionFollowsRegion) {
  EXPECT_EQ(PartitionForRegion("us-east-1"), "aws");
  EXPECT_EQ(PartitionForRegion("cn-northwest-1"), "aws-cn");
  EXPECT_EQ(PartitionForRegion("us-gov-east-1"), "aws-us-gov");
  EXPECT_EQ(PartitionForRegion("us-iso-east-1"), "aws-iso");
  EXPECT_EQ(PartitionForRegion("us-isob-east-1"), "aws-iso-b");
}

}  // namespace
}  // namespace layerfs
