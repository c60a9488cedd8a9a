// RemoteContext (mount/remote_options.h): a daemon's remote layers share one
// block budget and one disk cache for its whole life, whatever stack they
// came in with (the first, a remount, a SIGHUP), and a layer version known
// by its ARN is opened with its renewal and CodeSize check.
#include "mount/remote_options.h"

#include <gtest/gtest.h>

#include <string>

#include "fs/lambda/layer_arn.h"
#include "tests/support/test_files.h"

namespace layerfs {
namespace {

const std::string kArn = "arn:aws:lambda:eu-west-3:123456789012:layer:deps:3";

ResolvedStack LocalStack() {
  return ResolvedStack{.layers = {StackLayer{.label = "/a.zip", .zip_path = "/a.zip"}},
                       .zips = {"/a.zip"}};
}

ResolvedStack ArnStack(const std::string& url) {
  Result<LayerArn> arn = ParseLayerVersionArn(kArn);
  EXPECT_TRUE(arn.ok());
  StackLayer layer{.label = kArn, .zip_path = url, .arn = *arn};
  layer.remote = true;
  layer.from_lambda = true;
  layer.code_sha256 = "c2hh";
  layer.code_size = 1234;
  return ResolvedStack{.layers = {layer, StackLayer{.label = "/b.zip"}},
                       .zips = {url + "#sha256=c2hh", "/b.zip"}};
}

TEST(RemoteContextTest, EveryStackOfADaemonSharesOneBlockBudget) {
  MountOptions options;
  options.cache_dir = kNoCacheDir;
  RemoteContext context(options);
  // Local layers need none.
  std::vector<RemoteOptions> local = context.ForStack(LocalStack(), "");
  ASSERT_EQ(local.size(), 1u);
  EXPECT_EQ(local[0].memory, nullptr);
  EXPECT_EQ(context.memory(), nullptr);

  std::vector<RemoteOptions> first = context.ForStack(ArnStack("https://h/l.zip?t=1"), "");
  ASSERT_EQ(first.size(), 2u);
  ASSERT_NE(first[0].memory, nullptr);
  EXPECT_EQ(first[0].memory->capacity(), kRemoteMemory);
  EXPECT_EQ(first[1].memory, first[0].memory);
  // A remount, then a reload: the same budget, not one more beside it.
  std::vector<RemoteOptions> second = context.ForStack(ArnStack("https://h/l.zip?t=2"), "");
  std::vector<RemoteOptions> third = context.ForStack(LocalStack(), "");
  EXPECT_EQ(second[0].memory, first[0].memory);
  EXPECT_EQ(third[0].memory, nullptr);  // a zip on disk keeps no blocks
  EXPECT_EQ(context.memory(), first[0].memory);
  EXPECT_EQ(context.ForStack(ArnStack("https://h/l.zip?t=3"), "")[0].memory, first[0].memory);
}

TEST(RemoteContextTest, AnArnReadRemotelyRenewsItsUrlAndChecksItsCodeSize) {
  MountOptions options;
  options.cache_dir = kNoCacheDir;
  RemoteContext context(options);
  std::vector<RemoteOptions> opts = context.ForStack(ArnStack("https://h/l.zip?t=1"), "");
  ASSERT_EQ(opts.size(), 2u);
  EXPECT_TRUE(bool(opts[0].refresh));
  EXPECT_EQ(opts[0].expected_size, 1234u);
  EXPECT_EQ(opts[0].label, kArn);
  // A zip path has nothing to renew.
  EXPECT_FALSE(bool(opts[1].refresh));
  EXPECT_EQ(opts[1].expected_size, 0u);
}

TEST(RemoteContextTest, TheDiskCacheIsOpenedOnceAndSharedToo) {
  testing_files::TempDir tmp;
  MountOptions options;
  options.cache_dir = tmp / "cache";
  RemoteContext context(options);
  std::vector<RemoteOptions> first = context.ForStack(ArnStack("https://h/l.zip?t=1"), "");
  ASSERT_NE(first[0].cache, nullptr);
  ASSERT_NE(first[0].memory, nullptr);
  EXPECT_EQ(first[0].memory->capacity(), kRemoteMemoryWithDiskCache);
  std::vector<RemoteOptions> second = context.ForStack(ArnStack("https://h/l.zip?t=2"), "");
  EXPECT_EQ(second[0].cache, first[0].cache);
  EXPECT_EQ(second[0].memory, first[0].memory);
}

}  // namespace
}  // namespace layerfs
