// AwsConfigFile: the AWS CLI's INI dialect, and errors naming file:line.
#include "fs/source/aws_config_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/mount_harness.h"

namespace layerfs {
namespace {

TEST(AwsConfigFileTest, ReadsSectionsKeysAndSkipsCommentsAndNestedValues) {
  Result<AwsConfigFile> f = AwsConfigFile::Parse(
      "# a comment\n"
      "[default]\n"
      "aws_access_key_id = AKIDDEFAULT\n"
      "AWS_Secret_Access_Key=secret=with=equals  \r\n"
      "; another comment\n"
      "\n"
      "[profile dev]\n"
      "region = eu-west-1\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "  region = nested-not-flat\n"
      "[ spaced ]\n"
      "empty =\n",
      "cfg");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->Get("default", "aws_access_key_id"), "AKIDDEFAULT");
  EXPECT_EQ(f->Get("default", "aws_secret_access_key"), "secret=with=equals");
  EXPECT_EQ(f->Get("profile dev", "region"), "eu-west-1");
  EXPECT_EQ(f->Get("profile dev", "s3"), "");
  EXPECT_EQ(f->Get("profile dev", "addressing_style"), std::nullopt);
  EXPECT_TRUE(f->HasSection("spaced"));
  EXPECT_EQ(f->Get("spaced", "empty"), "");
  EXPECT_FALSE(f->HasSection("dev"));
  EXPECT_EQ(f->Get("nope", "region"), std::nullopt);
}

TEST(AwsConfigFileTest, MalformedLinesNameFileAndLine) {
  struct Case {
    const char* text;
    const char* expect;
  } cases[] = {
      {"[default]\njust words\n", "cfg:2: expected 'key = value'"},
      {"key = before section\n", "cfg:1: a key before any [section]"},
      {"[default\nx = 1\n", "cfg:1: malformed section header"},
      {"[]\n", "cfg:1: malformed section header"},
      {"  indented = first\n", "cfg:1: indented line outside a section"},
      {"[a]\n= novalue\n", "cfg:2: expected 'key = value'"},
  };
  for (const Case& c : cases) {
    Result<AwsConfigFile> f = AwsConfigFile::Parse(c.text, "cfg");
    ASSERT_FALSE(f.ok()) << c.text;
    EXPECT_EQ(f.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(f.status().message().find(c.expect), std::string::npos) << f.status().message();
  }
}

TEST(AwsConfigFileTest, LoadNamesMissingFilesAndDirectories) {
  test::ScratchDir dir;
  Result<AwsConfigFile> missing = AwsConfigFile::Load(dir / "absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find(dir / "absent"), std::string::npos);
  Result<AwsConfigFile> directory = AwsConfigFile::Load(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.status().message().find("is a directory"), std::string::npos);
  std::ofstream(dir / "credentials") << "[p]\naws_access_key_id = A\n";
  Result<AwsConfigFile> loaded = AwsConfigFile::Load(dir / "credentials");
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(loaded->Get("p", "aws_access_key_id"), "A");
}

}  // namespace
}  // namespace layerfs
