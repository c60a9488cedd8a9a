// The Lambda step of `layerfs mount`: its flags, ARN resolution and rule
// checks, without mounting anything.
#include "mount/cli/lambda_mount.h"
#include "mount/cli/cli.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "fs/lambda/layer_store.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;
using namespace testing_zip;
using Args = std::vector<std::string>;

constexpr char kPrefix[] = "arn:aws:lambda:us-east-1:000000000000:layer:";

TEST(LambdaMountTest, MountTakesItsFlagsAndLeavesTheRest) {
  LambdaMountFlags flags;
  Result<MountOptions> options = ParseMountArgs(
      {"-f", "--no-limits", "a.zip", "--code", "code.zip", "--code=dir", "/opt"}, &flags);
  ASSERT_TRUE(options.ok()) << options.status().message();
  EXPECT_TRUE(flags.no_limits);
  EXPECT_EQ(flags.code, "dir");
  EXPECT_TRUE(options->foreground);
  EXPECT_EQ(options->layers, (Args{"a.zip"}));
  EXPECT_EQ(options->mountpoint, "/opt");

  LambdaMountFlags after_dashes;
  Result<MountOptions> dashed = ParseMountArgs({"a.zip", "--", "--no-limits", "/opt"}, &after_dashes);
  ASSERT_TRUE(dashed.ok());
  EXPECT_FALSE(after_dashes.no_limits);
  EXPECT_EQ(dashed->layers, (Args{"a.zip", "--no-limits"}));

  LambdaMountFlags missing;
  EXPECT_FALSE(ParseMountArgs({"a.zip", "/opt", "--code"}, &missing).ok());
  // The mount.fuse3 form and a plain parse know no Lambda flags.
  EXPECT_FALSE(ParseMountArgs({"--no-limits", "a.zip", "/opt"}).ok());
}

const LambdaMountFlags kChecks;

class PrepareTest : public ::testing::Test {
 protected:
  // The checks log through the default logger; later tests get theirs back.
  void SetUp() override {
    logger_ = spdlog::default_logger();
    spdlog::set_level(spdlog::level::off);
  }
  void TearDown() override { spdlog::set_default_logger(logger_); }

  std::string Layer(const std::string& name) {
    ZipBuilder zip;
    zip.File(name + "/file", name);
    EXPECT_TRUE(zip.Write(tmp_ / (name + ".zip")));
    return tmp_ / (name + ".zip");
  }
  MountOptions Options(Args layers) {
    MountOptions options;
    options.layers = std::move(layers);
    options.store_dir = tmp_ / "store";
    options.log_level = "off";
    return options;
  }

  TempDir tmp_;
  std::shared_ptr<spdlog::logger> logger_;
};

TEST_F(PrepareTest, ArnsAreReplacedByTheirStoredZips) {
  Result<LayerStore> store = LayerStore::Open(tmp_ / "store", ZipValidator());
  ASSERT_TRUE(store.ok());
  Result<StoredLayerVersion> stored =
      store->Publish({.layer_name = "tools", .zip_path = Layer("tools")});
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  std::string plain = Layer("plain");
  MountOptions options = Options({plain, std::string(kPrefix) + "tools:1"});
  Result<LayerStack> opened = OpenMountStack(options, &kChecks);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  // The layers stay as named: the daemon resolves the ARN again on SIGHUP.
  EXPECT_EQ(options.layers, (Args{plain, std::string(kPrefix) + "tools:1"}));
  // Opened once, here: the daemon serves these very archives.
  ASSERT_EQ(opened->size(), 2u);
  EXPECT_EQ((*opened)[1]->path(), stored->zip_path);
  EXPECT_NE((*opened)[1]->index().FindPath("tools/file"), kNoNode);

  MountOptions unknown = Options({plain, std::string(kPrefix) + "tools:2"});
  EXPECT_FALSE(OpenMountStack(unknown, &kChecks).ok());
  MountOptions malformed = Options({"arn:aws:lambda:us-east-1:0:layer:tools:1"});
  EXPECT_FALSE(OpenMountStack(malformed, &kChecks).ok());
}

TEST_F(PrepareTest, SixLayersNeedNoLimitsAndADuplicateIsRefused) {
  Args six;
  for (int i = 0; i < 6; ++i) six.push_back(Layer("l" + std::to_string(i)));
  MountOptions strict = Options(six);
  Result<LayerStack> refused = OpenMountStack(strict, &kChecks);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("Lambda would refuse"), std::string::npos);
  MountOptions lifted = Options(six);
  const LambdaMountFlags no_limits{.no_limits = true};
  EXPECT_TRUE(OpenMountStack(lifted, &no_limits).ok());
  // The mount.fuse3 form (no flags) does not refuse on advice either.
  MountOptions boot = Options(six);
  EXPECT_TRUE(OpenMountStack(boot, nullptr).ok());

  std::string a = Layer("a");
  MountOptions twice = Options({a, tmp_ / "./a.zip"});
  EXPECT_FALSE(OpenMountStack(twice, &no_limits).ok());
}

TEST_F(PrepareTest, AnUnopenableZipFailsNamingIt) {
  WriteFile(tmp_ / "junk.zip", "not a zip");
  MountOptions junk = Options({Layer("a"), tmp_ / "junk.zip"});
  Result<LayerStack> opened = OpenMountStack(junk, &kChecks);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("junk.zip"), std::string::npos)
      << opened.status().message();
  MountOptions missing = Options({tmp_ / "missing.zip"});
  opened = OpenMountStack(missing, nullptr);
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("missing.zip"), std::string::npos);
  MountOptions bad_code = Options({Layer("a")});
  const LambdaMountFlags code{.code = tmp_ / "no-code"};
  EXPECT_FALSE(OpenMountStack(bad_code, &code).ok());
}

}  // namespace
}  // namespace layerfs
