// The resolution order of credentials, region and endpoint for s3://
// layers (fs/source/aws_credentials.h), over files in a scratch home and
// an environment given as data: no network, no process environment.
#include "fs/source/aws_credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/mount_harness.h"

namespace layerfs {
namespace {

class AwsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.home = home_.path();
    std::filesystem::create_directories(home_ / ".aws");
  }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(home_ / rel) << text;
  }
  Result<AwsCredentials> Resolve() const { return ResolveAwsCredentials(settings_, env_); }

  test::ScratchDir home_;
  AwsEnvironment env_;
  AwsSettings settings_;
};

TEST_F(AwsCredentialsTest, EnvironmentBeatsSharedFile) {
  Write(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FS\n");
  env_.vars = {{"AWS_ACCESS_KEY_ID", "ENVKEY"},
               {"AWS_SECRET_ACCESS_KEY", "ES"},
               {"AWS_SESSION_TOKEN", "TOKEN"}};
  Result<AwsCredentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "ENVKEY");
  EXPECT_EQ(c->secret_access_key, "ES");
  EXPECT_EQ(c->session_token, "TOKEN");
  EXPECT_NE(c->origin.find("environment"), std::string::npos);
}

TEST_F(AwsCredentialsTest, SharedFileDefaultThenAwsProfile) {
  Write(".aws/credentials",
        "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n"
        "[ci]\naws_access_key_id = C\naws_secret_access_key = CS\naws_session_token = CT\n");
  Result<AwsCredentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "D");
  EXPECT_EQ(c->session_token, "");
  EXPECT_EQ(c->origin, home_ / ".aws/credentials [default]");
  env_.vars["AWS_PROFILE"] = "ci";
  c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "C");
  EXPECT_EQ(c->session_token, "CT");
}

TEST_F(AwsCredentialsTest, SharedCredentialsFileVariableMovesTheFile) {
  Write("elsewhere", "[default]\naws_access_key_id = E\naws_secret_access_key = ES\n");
  env_.vars["AWS_SHARED_CREDENTIALS_FILE"] = home_ / "elsewhere";
  Result<AwsCredentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "E");
}

TEST_F(AwsCredentialsTest, ConfigFileProfileIsTheLastResort) {
  Write(".aws/config", "[profile ci]\naws_access_key_id = K\naws_secret_access_key = S\n");
  env_.vars["AWS_PROFILE"] = "ci";
  Result<AwsCredentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "K");
  EXPECT_EQ(c->origin, home_ / ".aws/config [profile ci]");
}

TEST_F(AwsCredentialsTest, FlagsBeatTheEnvironmentAndNeverFallThrough) {
  Write("keys", "[deploy]\naws_access_key_id = FLAG\naws_secret_access_key = FS\n");
  env_.vars = {{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "ES"}};
  settings_.credentials_file = home_ / "keys";
  settings_.profile = "deploy";
  Result<AwsCredentials> c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "FLAG");
  settings_.profile = "other";  // named but absent: an error, not the env keys
  c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("profile 'other'"), std::string::npos);
  EXPECT_NE(c.status().message().find(home_ / "keys"), std::string::npos);
  // --aws-profile alone reads the default credentials file.
  Write(".aws/credentials", "[other]\naws_access_key_id = O\naws_secret_access_key = OS\n");
  settings_.credentials_file.clear();
  c = Resolve();
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->access_key_id, "O");
}

TEST_F(AwsCredentialsTest, MissingCredentialsSayWhereItLookedWithoutSecrets) {
  Result<AwsCredentials> c = Resolve();
  ASSERT_FALSE(c.ok());
  const std::string m = c.status().message();
  EXPECT_NE(m.find("AWS_ACCESS_KEY_ID"), std::string::npos) << m;
  EXPECT_NE(m.find(home_ / ".aws/credentials (no such file)"), std::string::npos) << m;
  EXPECT_NE(m.find(home_ / ".aws/config (no such file)"), std::string::npos) << m;
  Write(".aws/credentials", "[default]\naws_access_key_id = HALF\n");
  c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("needs both"), std::string::npos);
  env_.vars = {{"AWS_ACCESS_KEY_ID", "ONLYID"}};
  c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("AWS_SECRET_ACCESS_KEY is not"), std::string::npos);
  env_.vars = {{"AWS_SECRET_ACCESS_KEY", "TOPSECRET"}};
  c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message().find("TOPSECRET"), std::string::npos);
}

TEST_F(AwsCredentialsTest, MalformedCredentialsFileIsAnErrorNamingIt) {
  Write(".aws/credentials", "[default]\nnot a key value line\n");
  Result<AwsCredentials> c = Resolve();
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(home_ / ".aws/credentials:2:"), std::string::npos)
      << c.status().message();
}

TEST_F(AwsCredentialsTest, RegionOrder) {
  EXPECT_EQ(*ResolveAwsRegion(settings_, env_), "us-east-1");
  Write(".aws/config", "[default]\nregion = eu-north-1\n[profile ci]\nregion = ap-south-1\n");
  EXPECT_EQ(*ResolveAwsRegion(settings_, env_), "eu-north-1");
  env_.vars["AWS_PROFILE"] = "ci";
  EXPECT_EQ(*ResolveAwsRegion(settings_, env_), "ap-south-1");
  Write("cfg", "[profile ci]\nregion = ca-central-1\n");
  env_.vars["AWS_CONFIG_FILE"] = home_ / "cfg";
  EXPECT_EQ(*ResolveAwsRegion(settings_, env_), "ca-central-1");
  env_.vars["AWS_DEFAULT_REGION"] = "us-west-1";
  EXPECT_EQ(*ResolveAwsRegion(settings_, env_), "us-west-1");
  env_.vars["AWS_REGION"] = "us-west-2";
  EXPECT_EQ(*ResolveAwsRegion(settings_, env_), "us-west-2");
  settings_.region = "eu-central-1";
  EXPECT_EQ(*ResolveAwsRegion(settings_, env_), "eu-central-1");
  settings_.region = "eu:central";  // would break the signing scope
  Result<std::string> bad = ResolveAwsRegion(settings_, env_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("--aws-region"), std::string::npos);
}

TEST_F(AwsCredentialsTest, EndpointOrder) {
  EXPECT_EQ(*ResolveS3Endpoint(settings_, env_), "");
  env_.vars["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9000/";
  EXPECT_EQ(*ResolveS3Endpoint(settings_, env_), "http://127.0.0.1:9000");
  env_.vars["AWS_ENDPOINT_URL_S3"] = "https://s3.internal";
  EXPECT_EQ(*ResolveS3Endpoint(settings_, env_), "https://s3.internal");
  settings_.endpoint = "http://localhost:4566";
  EXPECT_EQ(*ResolveS3Endpoint(settings_, env_), "http://localhost:4566");
  for (const char* bad : {"localhost:4566", "ftp://x", "http://", "http:///x", "http://h/?q=1"}) {
    settings_.endpoint = bad;
    Result<std::string> e = ResolveS3Endpoint(settings_, env_);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_NE(e.status().message().find("--s3-endpoint"), std::string::npos);
  }
}

}  // namespace
}  // namespace layerfs
