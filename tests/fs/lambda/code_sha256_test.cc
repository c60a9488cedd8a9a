#include "fs/lambda/code_sha256.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/test_files.h"

namespace layerfs {
namespace {

using testing_files::ShellCodeSha256;
using testing_files::TempDir;
using testing_files::WriteFile;

std::span<const std::byte> Bytes(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST(CodeSha256Test, KnownDigests) {
  TempDir dir;
  WriteFile(dir / "empty", "");
  WriteFile(dir / "abc", "abc");
  Result<CodeDigest> empty = DigestCodeFile(dir / "empty");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->code_sha256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  EXPECT_EQ(empty->code_size, 0u);
  Result<CodeDigest> abc = DigestCodeFile(dir / "abc");
  ASSERT_TRUE(abc.ok());
  EXPECT_EQ(abc->code_sha256, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  EXPECT_EQ(abc->code_size, 3u);
}

TEST(CodeSha256Test, MatchesShellToolsAcrossReadChunks) {
  TempDir dir;
  std::string content;
  for (int i = 0; content.size() < 300000; ++i) {
    content += "line " + std::to_string(i * 7919 % 10007) + "\n";
  }
  WriteFile(dir / "big.zip", content);
  Result<CodeDigest> digest = DigestCodeFile(dir / "big.zip");
  ASSERT_TRUE(digest.ok()) << digest.status().ToString();
  EXPECT_EQ(digest->code_sha256, ShellCodeSha256(dir / "big.zip"));
  EXPECT_EQ(digest->code_size, content.size());
  EXPECT_TRUE(IsWellFormedCodeSha256(digest->code_sha256));
}

TEST(CodeSha256Test, StreamingEqualsWholeFile) {
  TempDir dir;
  std::string content(100003, 'x');
  for (std::size_t i = 0; i < content.size(); i += 13) content[i] = char(i);
  WriteFile(dir / "f", content);
  Result<CodeDigester> digester = CodeDigester::Start();
  ASSERT_TRUE(digester.ok());
  for (std::size_t at = 0; at < content.size(); at += 4097) {
    ASSERT_TRUE(digester->Update(Bytes(content.substr(at, 4097))).ok());
  }
  Result<CodeDigest> streamed = digester->Finish();
  ASSERT_TRUE(streamed.ok());
  EXPECT_EQ(streamed->code_sha256, DigestCodeFile(dir / "f")->code_sha256);
  EXPECT_EQ(streamed->code_size, content.size());
  EXPECT_FALSE(digester->Finish().ok());  // spent
}

TEST(CodeSha256Test, MissingFileNamesIt) {
  Result<CodeDigest> digest = DigestCodeFile("/nonexistent/layer.zip");
  ASSERT_FALSE(digest.ok());
  EXPECT_NE(digest.status().message().find("/nonexistent/layer.zip"),
            std::string::npos);
}

TEST(CodeSha256Test, Base64) {
  EXPECT_EQ(Base64Encode(Bytes("")), "");
  EXPECT_EQ(Base64Encode(Bytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(Bytes("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(Bytes("foo")), "Zm9v");
  EXPECT_EQ(Base64Encode(Bytes("foobar")), "Zm9vYmFy");
  EXPECT_FALSE(IsWellFormedCodeSha256("abc"));
  EXPECT_FALSE(IsWellFormedCodeSha256(std::string(44, 'A')));
  EXPECT_FALSE(IsWellFormedCodeSha256(std::string(43, '-') + "="));
}

}  // namespace
}  // namespace layerfs
