// The mount command lines of mount/cli/cli.h: `layerfs mount ...` and the
// mount.fuse3 form `layerfs SOURCE MOUNTPOINT -o OPTIONS`, with the option
// lists mount(8), mount.fuse3 and systemd really pass.
#include "mount/cli/cli.h"
#include "mount/remote_options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace layerfs {
namespace {

using Args = std::vector<std::string>;

TEST(CliTest, HelperFormSplitsSourceAtColonsAndKeepsItAsTheMountSource) {
  Result<MountOptions> o =
      ParseHelperArgs("/l/a.zip:/l/b.zip", {"/opt", "-o", "allow_other,cache_size=32M"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->layers, (Args{"/l/a.zip", "/l/b.zip"}));
  EXPECT_EQ(o->mountpoint, "/opt");
  EXPECT_EQ(o->source, "/l/a.zip:/l/b.zip");
  EXPECT_EQ(o->cache_size, 32u << 20);
  EXPECT_EQ(o->fuse_options, (Args{"allow_other"}));
}

TEST(CliTest, HelperFormKeepsUrlsWhole) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SplitHelperSource("/a.zip:http://127.0.0.1:8080/l/b.zip:https://h/c.zip?x=1:/d.zip"),
            (V{"/a.zip", "http://127.0.0.1:8080/l/b.zip", "https://h/c.zip?x=1", "/d.zip"}));
  EXPECT_EQ(SplitHelperSource("http://h:1/x.zip"), (V{"http://h:1/x.zip"}));
  EXPECT_EQ(SplitHelperSource("https://host"), (V{"https://host"}));
  Result<MountOptions> o = ParseHelperArgs("http://h:9/a.zip:/b.zip", {"/opt"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->layers, (V{"http://h:9/a.zip", "/b.zip"}));
}

TEST(CliTest, HelperFormKeepsS3UrlsWhole) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SplitHelperSource("s3://layers/a/b.zip:/c.zip:s3://x.y/z.zip"),
            (V{"s3://layers/a/b.zip", "/c.zip", "s3://x.y/z.zip"}));
}

TEST(CliTest, HelperFormKeepsLayerVersionArnsWhole) {
  using V = std::vector<std::string>;
  const std::string arn = "arn:aws:lambda:eu-west-3:123456789012:layer:deps:3";
  EXPECT_EQ(SplitHelperSource("/a.zip:" + arn + ":" + arn + ":http://h:1/b.zip"),
            (V{"/a.zip", arn, arn, "http://h:1/b.zip"}));
  EXPECT_EQ(SplitHelperSource(arn), (V{arn}));
  // Too few fields: kept whole, so that resolving it fails naming it.
  EXPECT_EQ(SplitHelperSource("/a.zip:arn:aws:lambda:x"), (V{"/a.zip", "arn:aws:lambda:x"}));
}

TEST(CliTest, AwsFlagsAndOptionsNameProfilesFilesRegionAndEndpoint) {
  Result<MountOptions> o = ParseMountArgs(
      {"--aws-profile", "ci", "--aws-credentials-file=/k", "--aws-region=eu-west-1",
       "--s3-endpoint", "http://127.0.0.1:9000", "s3://b/a.zip", "/opt"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->aws.profile, "ci");
  EXPECT_EQ(o->aws.credentials_file, "/k");
  EXPECT_EQ(o->aws.region, "eu-west-1");
  EXPECT_EQ(o->aws.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(RemoteContext(*o).Base({}).aws.profile, "ci");
  Result<MountOptions> h = ParseHelperArgs(
      "s3://b/a.zip", {"/opt", "-o", "ro,aws_profile=p,aws_credentials_file=/f,aws_region=r,"
                                     "s3_endpoint=http://h"});
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->aws.profile, "p");
  EXPECT_EQ(h->aws.credentials_file, "/f");
  EXPECT_EQ(h->aws.region, "r");
  EXPECT_EQ(h->aws.endpoint, "http://h");
  EXPECT_TRUE(h->fuse_options.empty()) << "an aws option reached the kernel";
  EXPECT_FALSE(ParseMountArgs({"--aws-profile", "", "a.zip", "/opt"}).ok());
  EXPECT_FALSE(ParseMountArgs({"--aws-profile"}).ok());
  EXPECT_FALSE(ParseMountArgs({"--aws_profile=x", "a.zip", "/opt"}).ok());
  EXPECT_FALSE(ParseHelperArgs("a.zip", {"/opt", "-o", "aws_region="}).ok());
}

TEST(CliTest, RemoteTimeoutIsSeconds) {
  Result<MountOptions> o = ParseMountArgs({"--remote-timeout=7", "http://h/a.zip", "/opt"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->remote_timeout_s, 7u);
  EXPECT_FALSE(ParseMountArgs({"--remote-timeout=0", "a.zip", "/opt"}).ok());
  EXPECT_FALSE(ParseMountArgs({"--remote-timeout=x", "a.zip", "/opt"}).ok());
}

TEST(CliTest, CacheDirAndItsSize) {
  Result<MountOptions> o = ParseMountArgs({"http://h/a.zip", "/opt"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->cache_dir, "");  // the default directory
  EXPECT_EQ(o->cache_dir_size, kDefaultCacheDirSize);
  o = ParseMountArgs({"--cache-dir", "/c", "--cache-dir-size=512M", "http://h/a.zip", "/opt"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->cache_dir, "/c");
  EXPECT_EQ(o->cache_dir_size, 512ull << 20);
  o = ParseHelperArgs("http://h/a.zip", {"/opt", "-o", "cache_dir=none,cache_dir_size=1G"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->cache_dir, kNoCacheDir);
  EXPECT_EQ(o->cache_dir_size, 1ull << 30);
  EXPECT_FALSE(ParseMountArgs({"--cache-dir-size=0", "a.zip", "/opt"}).ok());
  EXPECT_FALSE(ParseMountArgs({"--cache-dir-size=lots", "a.zip", "/opt"}).ok());
  EXPECT_FALSE(ParseMountArgs({"--cache-dir=", "a.zip", "/opt"}).ok());
}

TEST(CliTest, OptionsAddedByMountAndMountFuse3AndSystemdAreIgnored) {
  // mount(8) adds rw; mount.fuse3 adds dev,suid; fstab and units carry
  // the rest. None may reach the kernel mount or fail it.
  Result<MountOptions> o = ParseHelperArgs(
      "/l/a.zip", {"/opt", "-o",
                   "rw,allow_other,nofail,_netdev,noauto,auto,defaults,x-systemd.automount,"
                   "x-systemd.requires-mounts-for=/var/lib,comment=systemd.x,user,nouser,dev,"
                   "suid,uid=1000,gid=100,log_level=info"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->fuse_options, (Args{"allow_other"}));
  EXPECT_EQ(o->uid, 1000u);
  EXPECT_EQ(o->gid, 100u);
  EXPECT_EQ(o->log_level, "info");
}

TEST(CliTest, HelperFormWithFunctionTakesSourceAsANameOnly) {
  Result<MountOptions> o = ParseHelperArgs(
      "layerfs", {"/opt", "-o", "function=/etc/layerfs/f.json,store=/var/lib/layerfs"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_TRUE(o->layers.empty());
  EXPECT_EQ(o->function_config, "/etc/layerfs/f.json");
  EXPECT_EQ(o->store_dir, "/var/lib/layerfs");
  EXPECT_EQ(o->source, "layerfs");
}

TEST(CliTest, HelperFormRefusesAnEmptySourceOrAMissingMountpoint) {
  EXPECT_FALSE(ParseHelperArgs("::", {"/opt"}).ok());
  EXPECT_FALSE(ParseHelperArgs("/l/a.zip", {"-o", "ro"}).ok());
  EXPECT_FALSE(ParseHelperArgs("/l/a.zip", {"/opt", "/extra"}).ok());
}

TEST(CliTest, MountFormTakesFunctionStoreAndAccessLogFlags) {
  Result<MountOptions> o = ParseMountArgs(
      {"--function", "f.json", "--store=/s", "--access-log", "/tmp/access", "/opt"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->function_config, "f.json");
  EXPECT_EQ(o->store_dir, "/s");
  EXPECT_EQ(o->access_log, "/tmp/access");
  EXPECT_EQ(o->mountpoint, "/opt");
  EXPECT_TRUE(o->layers.empty());

  Result<MountOptions> by_o = ParseMountArgs({"-o", "access_log=/tmp/a,function=f.json", "/opt"});
  ASSERT_TRUE(by_o.ok()) << by_o.status().message();
  EXPECT_EQ(by_o->access_log, "/tmp/a");
  EXPECT_EQ(by_o->function_config, "f.json");
}

TEST(CliTest, FunctionAndLayerZipsTogetherAreAUsageError) {
  Result<MountOptions> o = ParseMountArgs({"--function", "f.json", "a.zip", "/opt"});
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.status().message().find("only the MOUNTPOINT"), std::string::npos)
      << o.status().message();
}

TEST(CliTest, MountFormSourceJoinsTheLayers) {
  Result<MountOptions> o = ParseMountArgs({"a.zip", "b.zip", "/opt"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->source, "a.zip:b.zip");
}

TEST(CliTest, PathOptionsNeedAValue) {
  for (const char* opt : {"function=", "store=", "access_log=", "log_file="}) {
    EXPECT_FALSE(ParseMountArgs({"-o", opt, "a.zip", "/opt"}).ok()) << opt;
  }
  EXPECT_FALSE(ParseMountArgs({"a.zip", "/opt", "--access-log"}).ok());
}

}  // namespace
}  // namespace layerfs
