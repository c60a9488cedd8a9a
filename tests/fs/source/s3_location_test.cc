// S3Location: parsing s3:// URLs and the URL a signed GET goes to.
#include "fs/source/s3_location.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

TEST(S3LocationTest, ParsesBucketAndKeyAsWritten) {
  Result<S3Location> l = ParseS3Url("s3://layers/dir/boto3 layer+v2%41.zip");
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->bucket, "layers");
  EXPECT_EQ(l->key, "dir/boto3 layer+v2%41.zip");
}

TEST(S3LocationTest, RejectsMalformedUrlsNamingThem) {
  for (const char* bad : {"s3://", "s3:///key", "s3://bucket", "s3://bucket/",
                          "s3://bad bucket/k", "s3://b@d/k", "s3://b/k\x01", "http://b/k"}) {
    Result<S3Location> l = ParseS3Url(bad);
    ASSERT_FALSE(l.ok()) << bad;
    EXPECT_EQ(l.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(l.status().message().rfind(bad, 0), 0u) << l.status().message();
  }
}

TEST(S3LocationTest, EncodesKeysTheWaySigV4CanonicalisesThem) {
  EXPECT_EQ(EncodeS3Key("a/b-c_d.e~f/G9.zip"), "a/b-c_d.e~f/G9.zip");
  EXPECT_EQ(EncodeS3Key("my layer+1=?#%&.zip"), "my%20layer%2B1%3D%3F%23%25%26.zip");
  EXPECT_EQ(EncodeS3Key("caf\xc3\xa9"), "caf%C3%A9");
}

TEST(S3LocationTest, AmazonUrlsAreVirtualHostedUnlessTheBucketCannotBeAHost) {
  S3Location l{"layers", "dir/x y.zip"};
  EXPECT_EQ(S3ObjectUrl(l, "eu-west-1", ""),
            "https://layers.s3.eu-west-1.amazonaws.com/dir/x%20y.zip");
  S3Location dotted{"my.layers", "x.zip"};
  EXPECT_EQ(S3ObjectUrl(dotted, "us-east-1", ""),
            "https://s3.us-east-1.amazonaws.com/my.layers/x.zip");
  S3Location legacy{"Old_Bucket", "x.zip"};
  EXPECT_EQ(S3ObjectUrl(legacy, "us-east-1", ""),
            "https://s3.us-east-1.amazonaws.com/Old_Bucket/x.zip");
}

TEST(S3LocationTest, CustomEndpointsArePathStyle) {
  S3Location l{"layers", "a/b.zip"};
  EXPECT_EQ(S3ObjectUrl(l, "us-east-1", "http://127.0.0.1:9000"),
            "http://127.0.0.1:9000/layers/a/b.zip");
  EXPECT_EQ(S3ObjectUrl(l, "us-east-1", "https://minio.example/s3"),
            "https://minio.example/s3/layers/a/b.zip");
}

}  // namespace
}  // namespace layerfs
