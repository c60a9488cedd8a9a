// LocalFile: positional reads of a local file through the ByteSource seam,
// errors that name the file, and an identity that changes with the bytes.
#include "fs/source/local_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/support/test_files.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;

std::unique_ptr<LocalFile> MustOpen(const std::string& path) {
  Result<std::unique_ptr<LocalFile>> file = LocalFile::Open(path);
  EXPECT_TRUE(file.ok()) << file.status().ToString();
  return file.ok() ? std::move(*file) : nullptr;
}

TEST(LocalFileTest, ReadsAtOffsetsAndStopsAtTheEnd) {
  TempDir tmp;
  WriteFile(tmp / "plain", "0123456789");
  auto file = MustOpen(tmp / "plain");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->name(), tmp / "plain");
  EXPECT_EQ(file->size(), 10u);
  std::vector<char> out(8);
  Result<size_t> got = file->ReadAt(6, out);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 4u);
  EXPECT_EQ(std::string(out.data(), 4), "6789");
  got = file->ReadAt(10, out);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 0u);
}

TEST(LocalFileTest, IdentityIsTheFileAndChangesWhenReplaced) {
  TempDir tmp;
  WriteFile(tmp / "a", "first");
  auto first = MustOpen(tmp / "a");
  auto again = MustOpen(tmp / "a");
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->identity(), again->identity());
  struct stat st {};
  ASSERT_EQ(::stat((tmp / "a").c_str(), &st), 0);
  EXPECT_EQ(first->identity().words[0], uint64_t(st.st_dev));
  EXPECT_EQ(first->identity().words[1], uint64_t(st.st_ino));
  EXPECT_EQ(first->mtime(), st.st_mtime);

  WriteFile(tmp / "b", "second, longer");
  ASSERT_EQ(std::rename((tmp / "b").c_str(), (tmp / "a").c_str()), 0);
  auto replaced = MustOpen(tmp / "a");
  ASSERT_TRUE(replaced);
  EXPECT_NE(replaced->identity(), first->identity());
  // The descriptor opened before the rename still reads the old bytes.
  std::vector<char> out(5);
  ASSERT_TRUE(first->ReadAt(0, out).ok());
  EXPECT_EQ(std::string(out.data(), 5), "first");
}

TEST(LocalFileTest, ErrorsNameTheFileAndTheReason) {
  TempDir tmp;
  Result<std::unique_ptr<LocalFile>> missing = LocalFile::Open(tmp / "missing.zip");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("missing.zip"), std::string::npos);
  Result<std::unique_ptr<LocalFile>> dir = LocalFile::Open(tmp.path());
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(dir.status().message().find("not a regular file"), std::string::npos);
}

}  // namespace
}  // namespace layerfs
