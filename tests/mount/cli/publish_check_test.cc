// The archive check of `layerfs publish`, alone and through the command.
#include "mount/cli/publish_check.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;
using namespace testing_zip;

class PublishCheckTest : public ::testing::Test {
 protected:
  std::string Zip(const ZipBuilder& zip, const std::string& name = "layer.zip") {
    EXPECT_TRUE(zip.Write(dir_ / name));
    return dir_ / name;
  }
  Status Check(const std::string& zip, bool allow_unreadable = false) {
    return MakePublishValidator({.allow_unreadable = allow_unreadable}, err_)(zip);
  }

  TempDir dir_;
  std::ostringstream err_;
};

TEST_F(PublishCheckTest, AGoodLayerPassesQuietly) {
  ZipBuilder zip;
  zip.File("python/x.py", "x").Mode(0644);
  zip.File("bin/tool", "#!/bin/sh\n").Mode(0755);
  EXPECT_TRUE(Check(Zip(zip)).ok());
  EXPECT_EQ(err_.str(), "");
}

TEST_F(PublishCheckTest, NotAZipIsRefused) {
  WriteFile(dir_ / "junk.zip", "this is not a zip file");
  EXPECT_FALSE(Check(dir_ / "junk.zip").ok());
}

TEST_F(PublishCheckTest, UnsafeNamesAreRefusedAndListed) {
  ZipBuilder zip;
  zip.File("../escape", "x");
  zip.File("fine.txt", "y");
  Status s = Check(Zip(zip));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("../escape"), std::string::npos) << s.message();
}

TEST_F(PublishCheckTest, OtherIndexWarningsOnlyWarn) {
  ZipBuilder zip;
  zip.File("/abs/file", "x");
  EXPECT_TRUE(Check(Zip(zip)).ok());
  EXPECT_NE(err_.str().find("absolute path made relative"), std::string::npos) << err_.str();
}

TEST_F(PublishCheckTest, UnreadableEntriesAreRefusedUnlessAllowed) {
  ZipBuilder zip;
  zip.File("python/secret.cfg", "k").Mode(0600);
  zip.Dir("private/").Mode(0700);
  zip.File("ok.txt", "k").Mode(0644);
  std::string path = Zip(zip);
  Status refused = Check(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("python/secret.cfg (mode 0600)"), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("private/ (mode 0700)"), std::string::npos);
  EXPECT_NE(refused.message().find("--allow-unreadable"), std::string::npos);

  EXPECT_TRUE(Check(path, true).ok());
  EXPECT_NE(err_.str().find("python/secret.cfg (mode 0600)"), std::string::npos) << err_.str();
}

TEST_F(PublishCheckTest, TheCommandTakesAllowUnreadableAndPublishes) {
  ZipBuilder zip;
  zip.File("python/secret.cfg", "k").Mode(0600);
  std::string path = Zip(zip);
  std::ostringstream out, err;
  EXPECT_EQ(RunPublishCommand({"secrets", path, "--store", dir_ / "store"}, out, err), 1);
  EXPECT_NE(err.str().find("not world-readable"), std::string::npos) << err.str();
  EXPECT_EQ(out.str(), "");

  std::ostringstream out2, err2;
  EXPECT_EQ(RunPublishCommand({"secrets", path, "--allow-unreadable", "--store", dir_ / "store"},
                              out2, err2),
            0)
      << err2.str();
  EXPECT_NE(out2.str().find("\"Version\": 1"), std::string::npos) << out2.str();
  EXPECT_NE(err2.str().find("warning"), std::string::npos);
}

}  // namespace
}  // namespace layerfs
