// SigV4 for services other than S3 (fs/source/sigv4.h), checked against a
// signature computed independently (botocore's SigV4Auth, Debian 12) for
// fixed credentials and time; tests/integration/lambda_api_test.cc re-signs
// live requests with botocore too.
#include "fs/source/sigv4.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

TEST(SigV4Test, CanonicalUriEncodesEveryReservedByteOnceMore) {
  EXPECT_EQ(SigV4CanonicalUri("/2018-10-31/layers/arn%3Aaws/versions/3"),
            "/2018-10-31/layers/arn%253Aaws/versions/3");
  EXPECT_EQ(SigV4CanonicalUri("/a b~_.-"), "/a%20b~_.-");
  EXPECT_EQ(SigV4CanonicalUri(""), "/");
}

TEST(SigV4Test, SignsAsBotocoresSigV4AuthDoes) {
  // botocore.auth.SigV4Auth(Credentials("AKID", "s", "tok"), "lambda",
  // "eu-west-3") at 2023-11-14T22:13:20Z gave this signature.
  AwsCredentials c{.access_key_id = "AKID", .secret_access_key = "s", .session_token = "tok"};
  std::vector<std::string> h = SigV4Headers(
      SigV4Request{.host = "h:1",
                   .path = "/2018-10-31/layers/arn%3Aaws%3Alambda%3Aeu-west-3%3A123456789012%3A"
                           "layer%3Adeps/versions/3",
                   .region = "eu-west-3",
                   .service = "lambda"},
      c, std::chrono::system_clock::time_point{std::chrono::seconds(1700000000)});
  EXPECT_EQ(h[0],
            "Authorization: AWS4-HMAC-SHA256 Credential=AKID/20231114/eu-west-3/lambda/"
            "aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, "
            "Signature=cae1aa61bc4141eaa677b4e79a43a154f69509d3abe122512f1512434f012a9c");
}

TEST(SigV4Test, HeadersCarryDateTokenAndTheSignedHeaderList) {
  AwsCredentials c{.access_key_id = "AKID", .secret_access_key = "s", .session_token = "tok"};
  std::chrono::system_clock::time_point when{std::chrono::seconds(1700000000)};
  std::vector<std::string> h = SigV4Headers(
      SigV4Request{.host = "h:1", .path = "/p", .region = "eu-west-3", .service = "lambda"}, c,
      when);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_TRUE(h[0].starts_with("Authorization: AWS4-HMAC-SHA256 Credential=AKID/20231114/"
                               "eu-west-3/lambda/aws4_request, SignedHeaders=host;x-amz-date;"
                               "x-amz-security-token, Signature="))
      << h[0];
  EXPECT_EQ(h[1], "x-amz-date: 20231114T221320Z");
  EXPECT_EQ(h[2], "x-amz-security-token: tok");
  c.session_token.clear();
  EXPECT_EQ(SigV4Headers({"h:1", "/p", "eu-west-3", "lambda"}, c, when).size(), 2u);
}

}  // namespace
}  // namespace layerfs
