// The Lambda step of `layerfs mount`: its flags, ARN resolution and rule
// checks, without mounting anything.
#include "mount/lambda_mount.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <string>
#include <vector>

#include "fs/layer_store.h"
#include "tests/test_files.h"
#include "tests/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::TempDir;
using testing_files::WriteFile;
using namespace testing_zip;
using Args = std::vector<std::string>;

constexpr char kPrefix[] = "arn:aws:lambda:us-east-1:000000000000:layer:";

TEST(LambdaMountTest, TakesItsFlagsAndLeavesTheRest) {
  Args args = {"-f", "--no-limits", "a.zip", "--code", "code.zip", "--code=dir", "/opt"};
  Result<LambdaMountFlags> flags = TakeLambdaMountFlags(args);
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags->no_limits);
  EXPECT_EQ(flags->code, "dir");
  EXPECT_EQ(args, (Args{"-f", "a.zip", "/opt"}));

  Args after_dashes = {"a.zip", "--", "--no-limits"};
  ASSERT_TRUE(TakeLambdaMountFlags(after_dashes).ok());
  EXPECT_EQ(after_dashes, (Args{"a.zip", "--", "--no-limits"}));

  Args missing = {"a.zip", "--code"};
  EXPECT_FALSE(TakeLambdaMountFlags(missing).ok());
}

class PrepareTest : public ::testing::Test {
 protected:
  // PrepareLambdaMount installs its own logger; later tests get theirs back.
  void SetUp() override { logger_ = spdlog::default_logger(); }
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
  EXPECT_EQ(PrepareLambdaMount(options, {}), 0);
  EXPECT_EQ(options.layers, (Args{plain, stored->zip_path}));

  MountOptions unknown = Options({plain, std::string(kPrefix) + "tools:2"});
  EXPECT_EQ(PrepareLambdaMount(unknown, {}), 1);
  MountOptions malformed = Options({"arn:aws:lambda:us-east-1:0:layer:tools:1"});
  EXPECT_EQ(PrepareLambdaMount(malformed, {}), 1);
}

TEST_F(PrepareTest, SixLayersNeedNoLimitsAndADuplicateIsRefused) {
  Args six;
  for (int i = 0; i < 6; ++i) six.push_back(Layer("l" + std::to_string(i)));
  MountOptions strict = Options(six);
  EXPECT_EQ(PrepareLambdaMount(strict, {}), 1);
  MountOptions lifted = Options(six);
  EXPECT_EQ(PrepareLambdaMount(lifted, {.no_limits = true}), 0);

  std::string a = Layer("a");
  MountOptions twice = Options({a, tmp_ / "./a.zip"});
  EXPECT_EQ(PrepareLambdaMount(twice, {.no_limits = true}), 1);
}

TEST_F(PrepareTest, UnopenableZipsAreLeftForTheMountToReport) {
  WriteFile(tmp_ / "junk.zip", "not a zip");
  MountOptions options = Options({tmp_ / "junk.zip", tmp_ / "missing.zip"});
  EXPECT_EQ(PrepareLambdaMount(options, {}), 0);
  MountOptions bad_code = Options({Layer("a")});
  EXPECT_EQ(PrepareLambdaMount(bad_code, {.code = tmp_ / "no-code"}), 1);
}

}  // namespace
}  // namespace layerfs
