#include "fs/lambda/layer_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "fs/lambda/code_sha256.h"
#include "tests/support/test_files.h"

namespace layerfs {
namespace {

using testing_files::ReadFile;
using testing_files::ShellCodeSha256;
using testing_files::TempDir;
using testing_files::WriteFile;

Status AcceptAll(const std::string&) { return Status::Ok(); }

class LayerStoreTest : public ::testing::Test {
 protected:
  LayerStore OpenStore(ZipValidator validate = AcceptAll) {
    Result<LayerStore> store =
        LayerStore::Open(store_dir_, std::move(validate));
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return std::move(*store);
  }

  // Writes a "zip" (any bytes do: the store does not look inside) and
  // returns its path.
  std::string MakeZip(const std::string& name, const std::string& content) {
    std::string path = scratch_ / name;
    WriteFile(path, content);
    return path;
  }

  StoredLayerVersion MustPublish(const LayerStore& store,
                                 const std::string& layer,
                                 const std::string& zip) {
    PublishRequest request;
    request.layer_name = layer;
    request.zip_path = zip;
    Result<StoredLayerVersion> stored = store.Publish(request);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? *stored : StoredLayerVersion{};
  }

  LayerArn Arn(const std::string& name, int64_t version,
               const std::string& account = "000000000000") {
    return *MakeLayerArn("aws", "us-east-1", account, name, version);
  }

  std::vector<int64_t> VersionNumbers(const LayerStore& store,
                                      const std::string& layer,
                                      bool include_deleted = false) {
    Result<std::vector<StoredLayerVersion>> versions =
        store.Versions(layer, include_deleted);
    EXPECT_TRUE(versions.ok()) << versions.status().ToString();
    std::vector<int64_t> out;
    if (versions.ok()) {
      for (const auto& v : *versions) out.push_back(v.version.arn.version);
    }
    return out;
  }

  std::size_t FilesIn(const std::string& dir) {
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      (void)entry;
      ++n;
    }
    return n;
  }

  TempDir scratch_;
  std::string store_dir_ = scratch_ / "store";
};

TEST_F(LayerStoreTest, PublishNumbersVersionsFromOne) {
  LayerStore store = OpenStore();
  for (int i = 1; i <= 3; ++i) {
    StoredLayerVersion v = MustPublish(
        store, "numpy", MakeZip("z" + std::to_string(i), std::to_string(i)));
    EXPECT_EQ(v.version.arn.version, i);
    EXPECT_EQ(v.version.arn.ToString(),
              "arn:aws:lambda:us-east-1:000000000000:layer:numpy:" +
                  std::to_string(i));
    EXPECT_EQ(ReadFile(v.zip_path), std::to_string(i));
    EXPECT_TRUE(std::regex_match(
        v.version.created_date,
        std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000)")))
        << v.version.created_date;
  }
  // A different layer counts on its own.
  EXPECT_EQ(MustPublish(store, "pandas", MakeZip("p", "p")).version.arn.version,
            1);
  EXPECT_EQ(VersionNumbers(store, "numpy"), (std::vector<int64_t>{3, 2, 1}));
  // The first write records the store's identity for later runs.
  EXPECT_TRUE(std::filesystem::exists(store_dir_ + "/config.json"));
  EXPECT_EQ(FilesIn(store_dir_ + "/tmp"), 0u);
}

TEST_F(LayerStoreTest, VersionsStopCleanlyAtTheCapAndNumbersAreDigitsOnly) {
  LayerStore store = OpenStore();
  StoredLayerVersion first = MustPublish(store, "numpy", MakeZip("z1", "1"));
  std::string layer_dir = store_dir_ + "/layers/aws/us-east-1/000000000000/numpy";
  ASSERT_TRUE(std::filesystem::is_directory(layer_dir));
  // The layer has used the highest number layerfs gives: the next publish
  // fails (before, highest + 1 overflowed into a negative version that two
  // publishes then both wrote).
  WriteFile(layer_dir + "/high_water", std::to_string(kMaxLayerVersion) + "\n");
  PublishRequest request{.layer_name = "numpy", .zip_path = MakeZip("z2", "2")};
  Result<StoredLayerVersion> refused = store.Publish(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("highest"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(VersionNumbers(store, "numpy"), (std::vector<int64_t>{1}));
  // A signed or oversized number in the store is corrupt, not a version.
  for (const char* bad : {"-5", "+7", "2147483648", "99999999999999999999"}) {
    WriteFile(layer_dir + "/high_water", std::string(bad) + "\n");
    Result<StoredLayerVersion> r = store.Publish(request);
    EXPECT_FALSE(r.ok()) << bad;
  }
  Result<LayerArn> too_big = ParseLayerVersionArn(first.version.arn.LayerString() + ":2147483648");
  EXPECT_FALSE(too_big.ok());
}

TEST_F(LayerStoreTest, PublishKeepsMetadata) {
  LayerStore store = OpenStore();
  PublishRequest request;
  request.layer_name = "deps";
  request.zip_path = MakeZip("deps.zip", "PK...");
  request.description = "Shared deps";
  request.compatible_runtimes = {"python3.11", "python3.12"};
  request.compatible_architectures = {"arm64"};
  request.license_info = "Apache-2.0";
  Result<StoredLayerVersion> stored = store.Publish(request);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();

  Result<StoredLayerVersion> got = store.Get(stored->version.arn);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->version, stored->version);
  EXPECT_EQ(got->version.description, "Shared deps");
  EXPECT_EQ(got->version.compatible_runtimes, request.compatible_runtimes);
  EXPECT_EQ(got->version.compatible_architectures,
            request.compatible_architectures);
  EXPECT_EQ(got->version.license_info, "Apache-2.0");
  EXPECT_EQ(got->version.code_size, 5u);
  EXPECT_FALSE(got->deleted);
}

TEST_F(LayerStoreTest, CodeSha256MatchesShellTools) {
  LayerStore store = OpenStore();
  std::string content;
  for (int i = 0; i < 50000; ++i)
    content += char('a' + i % 26) + std::to_string(i);
  std::string zip = MakeZip("layer.zip", content);
  StoredLayerVersion v = MustPublish(store, "big", zip);
  std::string expected = ShellCodeSha256(zip);
  ASSERT_EQ(expected.size(), 44u) << expected;
  EXPECT_EQ(v.version.code_sha256, expected);
  EXPECT_EQ(v.version.code_size, content.size());
  EXPECT_EQ(ShellCodeSha256(v.zip_path), expected);
}

TEST_F(LayerStoreTest, StoredVersionIsReadOnlyAndNeverChanges) {
  LayerStore store = OpenStore();
  std::string zip = MakeZip("layer.zip", "first bytes");
  StoredLayerVersion v1 = MustPublish(store, "frozen", zip);

  struct stat st;
  ASSERT_EQ(stat(v1.zip_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  std::string metadata =
      v1.zip_path.substr(0, v1.zip_path.size() - 4) + ".json";
  ASSERT_EQ(stat(metadata.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
  if (geteuid() != 0) {  // root ignores the mode
    EXPECT_EQ(open(v1.zip_path.c_str(), O_WRONLY), -1);
  }

  // The store holds a copy: changing the source, publishing more and
  // deleting leave version 1's bytes and metadata alone.
  WriteFile(zip, "second bytes, longer");
  StoredLayerVersion v2 = MustPublish(store, "frozen", zip);
  ASSERT_TRUE(store.Delete(v1.version.arn).ok());
  EXPECT_EQ(ReadFile(v1.zip_path), "first bytes");
  Result<StoredLayerVersion> again = store.Get(v1.version.arn);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->version, v1.version);
  EXPECT_EQ(DigestCodeFile(v1.zip_path)->code_sha256, v1.version.code_sha256);
  EXPECT_EQ(ReadFile(v2.zip_path), "second bytes, longer");
}

TEST_F(LayerStoreTest, DeletedVersionResolvesButIsHidden) {
  LayerStore store = OpenStore();
  StoredLayerVersion v1 = MustPublish(store, "lib", MakeZip("a", "a"));
  StoredLayerVersion v2 = MustPublish(store, "lib", MakeZip("b", "b"));
  ASSERT_TRUE(store.Delete(v2.version.arn).ok());
  ASSERT_TRUE(store.Delete(v2.version.arn).ok());  // again: fine

  Result<std::vector<StoredLayerVersion>> list = store.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].version.arn, v1.version.arn);
  EXPECT_EQ(VersionNumbers(store, "lib"), std::vector<int64_t>{1});
  EXPECT_EQ(VersionNumbers(store, "lib", true), (std::vector<int64_t>{2, 1}));

  Result<StoredLayerVersion> got = store.Get(v2.version.arn);
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(got->deleted);
  Result<std::string> zip = store.Resolve(v2.version.arn);
  ASSERT_TRUE(zip.ok()) << zip.status().ToString();
  EXPECT_EQ(ReadFile(*zip), "b");

  // With every version deleted the layer leaves the listing.
  ASSERT_TRUE(store.Delete(v1.version.arn).ok());
  EXPECT_TRUE(store.List()->empty());
  EXPECT_TRUE(VersionNumbers(store, "lib").empty());
  EXPECT_TRUE(store.Resolve(v1.version.arn).ok());
}

TEST_F(LayerStoreTest, NumbersAreNeverReused) {
  LayerStore store = OpenStore();
  MustPublish(store, "lib", MakeZip("a", "a"));
  StoredLayerVersion v2 = MustPublish(store, "lib", MakeZip("b", "b"));
  ASSERT_TRUE(store.Delete(v2.version.arn).ok());
  EXPECT_EQ(MustPublish(store, "lib", MakeZip("c", "c")).version.arn.version,
            3);

  // Even if the newest version's files vanish (or a publish died before
  // writing them), the high-water mark keeps its number spent.
  std::string layer_dir = store_dir_ + "/layers/aws/us-east-1/000000000000/lib";
  ASSERT_TRUE(std::filesystem::exists(layer_dir + "/3.zip"));
  std::filesystem::remove(layer_dir + "/3.json");
  std::filesystem::remove(layer_dir + "/3.zip");
  EXPECT_EQ(MustPublish(store, "lib", MakeZip("d", "d")).version.arn.version,
            4);
}

TEST_F(LayerStoreTest, UnknownLayerOrVersionNamesTheArn) {
  LayerStore store = OpenStore();
  MustPublish(store, "lib", MakeZip("a", "a"));
  MustPublish(store, "lib", MakeZip("b", "b"));

  Result<std::string> no_layer = store.Resolve(Arn("nolib", 1));
  ASSERT_FALSE(no_layer.ok());
  EXPECT_EQ(no_layer.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(no_layer.status().message().find(Arn("nolib", 1).ToString()),
            std::string::npos)
      << no_layer.status().message();

  Result<std::string> no_version = store.Resolve(Arn("lib", 7));
  ASSERT_FALSE(no_version.ok());
  EXPECT_EQ(no_version.status().code(), ErrorCode::kNotFound);
  const std::string& message = no_version.status().message();
  EXPECT_NE(message.find(Arn("lib", 7).ToString()), std::string::npos)
      << message;
  EXPECT_NE(message.find("no version 7"), std::string::npos) << message;
  EXPECT_NE(message.find("versions 1, 2"), std::string::npos) << message;

  // Same name and version in another account is another layer.
  EXPECT_FALSE(store.Resolve(Arn("lib", 1, "123456789012")).ok());
  EXPECT_FALSE(store.Resolve(Arn("lib", 0)).ok());
  EXPECT_EQ(store.Delete(Arn("lib", 9)).code(), ErrorCode::kNotFound);
  EXPECT_EQ(store.Versions("nolib").status().code(), ErrorCode::kNotFound);
}

TEST_F(LayerStoreTest, ValidatorSeesTheBytesAndCanRefuse) {
  std::string seen;
  LayerStore refusing = OpenStore([&seen](const std::string& path) {
    seen = ReadFile(path);
    return Status::Corrupt("entry ../evil escapes the layer");
  });
  std::string zip = MakeZip("evil.zip", "evil bytes");
  PublishRequest request{.layer_name = "evil", .zip_path = zip};
  Result<StoredLayerVersion> stored = refusing.Publish(request);
  ASSERT_FALSE(stored.ok());
  EXPECT_EQ(stored.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(stored.status().message().find(zip), std::string::npos);
  EXPECT_NE(stored.status().message().find("../evil escapes"),
            std::string::npos);
  EXPECT_EQ(seen, "evil bytes");
  EXPECT_EQ(FilesIn(store_dir_ + "/tmp"), 0u);
  EXPECT_TRUE(refusing.List()->empty());

  // A refused zip spends no number.
  EXPECT_EQ(MustPublish(OpenStore(), "evil", MakeZip("ok.zip", "ok"))
                .version.arn.version,
            1);
}

TEST_F(LayerStoreTest, RejectsBadRequests) {
  LayerStore store = OpenStore();
  std::string zip = MakeZip("a.zip", "a");
  auto publish = [&](PublishRequest r) { return store.Publish(r).status(); };
  EXPECT_EQ(publish({.layer_name = "bad name", .zip_path = zip}).code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(
      publish({.layer_name = "ok", .zip_path = zip, .account = "42"}).code(),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(publish({.layer_name = "ok",
                     .zip_path = zip,
                     .compatible_architectures = {"amd64"}})
                .code(),
            ErrorCode::kInvalidArgument);
  Status missing =
      publish({.layer_name = "ok", .zip_path = scratch_ / "none.zip"});
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("none.zip"), std::string::npos);
  EXPECT_FALSE(publish({.layer_name = "ok", .zip_path = scratch_.path()}).ok());
  EXPECT_TRUE(store.List()->empty());
}

TEST_F(LayerStoreTest, RegionAndAccountFromConfigOrRequest) {
  std::filesystem::create_directories(store_dir_);
  WriteFile(store_dir_ + "/config.json",
            R"({"Region": "cn-north-1", "Account": "111122223333"})");
  LayerStore store = OpenStore();
  EXPECT_EQ(store.config().partition, "aws-cn");
  EXPECT_EQ(MustPublish(store, "x", MakeZip("a", "a")).version.arn.ToString(),
            "arn:aws-cn:lambda:cn-north-1:111122223333:layer:x:1");

  PublishRequest request{.layer_name = "x",
                         .zip_path = MakeZip("b", "b"),
                         .region = "eu-west-1",
                         .account = "444455556666"};
  Result<StoredLayerVersion> other = store.Publish(request);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->version.arn.ToString(),
            "arn:aws:lambda:eu-west-1:444455556666:layer:x:1");

  // "x" is now ambiguous by name, but not by layer ARN.
  Result<std::vector<StoredLayerVersion>> by_name = store.Versions("x");
  ASSERT_FALSE(by_name.ok());
  EXPECT_NE(by_name.status().message().find(
                "arn:aws:lambda:eu-west-1:444455556666:layer:x"),
            std::string::npos)
      << by_name.status().message();
  EXPECT_EQ(
      store.Versions("arn:aws:lambda:eu-west-1:444455556666:layer:x")->size(),
      1u);
  EXPECT_EQ(store.List()->size(), 2u);

  WriteFile(store_dir_ + "/config.json", R"({"Account": "nope"})");
  Result<LayerStore> broken = LayerStore::Open(store_dir_, AcceptAll);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("config.json"), std::string::npos);
}

TEST_F(LayerStoreTest, MissingStoreIsEmptyAndUntouched) {
  LayerStore store = OpenStore();
  EXPECT_TRUE(store.List()->empty());
  EXPECT_FALSE(store.Resolve(Arn("x", 1)).ok());
  EXPECT_FALSE(std::filesystem::exists(store_dir_));
}

// The text of a GetLayerVersion response for `zip`, as AWS would give it.
std::string AwsLayerVersionJson(const std::string& zip, const std::string& arn,
                                int64_t version) {
  CodeDigest digest = *DigestCodeFile(zip);
  std::string layer_arn = arn.substr(0, arn.rfind(':'));
  return R"({
    "Content": {
        "Location": "https://awslambda-us-east-2-layers.s3.us-east-2.amazonaws.com/snapshots/x",
        "CodeSha256": ")" +
         digest.code_sha256 + R"(",
        "CodeSize": )" +
         std::to_string(digest.code_size) + R"(
    },
    "LayerArn": ")" +
         layer_arn + R"(",
    "LayerVersionArn": ")" +
         arn + R"(",
    "Description": "from AWS",
    "CreatedDate": "2023-11-14T23:03:52.894+0000",
    "Version": )" +
         std::to_string(version) + R"(,
    "CompatibleRuntimes": ["python3.12"],
    "LicenseInfo": "MIT"
})";
}

TEST_F(LayerStoreTest, ImportKeepsTheAwsIdentity) {
  LayerStore store = OpenStore();
  std::string zip = MakeZip("dl.zip", "downloaded layer bytes");
  const std::string arn =
      "arn:aws:lambda:us-east-2:123456789012:layer:shared:12";
  Result<LayerVersion> from_aws =
      ParseLayerVersionJson(AwsLayerVersionJson(zip, arn, 12), "get.json");
  ASSERT_TRUE(from_aws.ok()) << from_aws.status().ToString();

  Result<StoredLayerVersion> stored = store.Import(*from_aws, zip);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->version, *from_aws);
  Result<StoredLayerVersion> got = store.Get(*ParseLayerVersionArn(arn));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version.created_date, "2023-11-14T23:03:52.894+0000");
  EXPECT_EQ(ReadFile(*store.Resolve(*ParseLayerVersionArn(arn))),
            "downloaded layer bytes");

  // Importing the same bytes again changes nothing.
  Result<StoredLayerVersion> again = store.Import(*from_aws, zip);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->version, *from_aws);

  // Local publishes into the same layer continue after the AWS number.
  PublishRequest request{.layer_name = "shared",
                         .zip_path = MakeZip("local.zip", "local"),
                         .region = "us-east-2",
                         .account = "123456789012"};
  EXPECT_EQ(store.Publish(request)->version.arn.version, 13);
}

TEST_F(LayerStoreTest, ImportChecksCodeSha256AndCodeSize) {
  LayerStore store = OpenStore();
  std::string zip = MakeZip("dl.zip", "the real bytes");
  const std::string arn =
      "arn:aws:lambda:us-east-2:123456789012:layer:shared:3";
  LayerVersion from_aws =
      *ParseLayerVersionJson(AwsLayerVersionJson(zip, arn, 3), "get.json");

  std::string truncated = MakeZip("short.zip", "the real");
  Result<StoredLayerVersion> bad = store.Import(from_aws, truncated);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(bad.status().message().find("CodeSha256"), std::string::npos);
  EXPECT_NE(bad.status().message().find(arn), std::string::npos);
  EXPECT_NE(bad.status().message().find(truncated), std::string::npos);

  LayerVersion wrong_size = from_aws;
  wrong_size.code_size += 1;
  Result<StoredLayerVersion> bad_size = store.Import(wrong_size, zip);
  ASSERT_FALSE(bad_size.ok());
  EXPECT_NE(bad_size.status().message().find("CodeSize"), std::string::npos);

  EXPECT_TRUE(store.List()->empty());
  EXPECT_EQ(FilesIn(store_dir_ + "/tmp"), 0u);

  // Once imported, other bytes under the same ARN are refused.
  ASSERT_TRUE(store.Import(from_aws, zip).ok());
  std::string other = MakeZip("other.zip", "other bytes");
  LayerVersion claims = from_aws;
  claims.code_sha256 = DigestCodeFile(other)->code_sha256;
  claims.code_size = DigestCodeFile(other)->code_size;
  EXPECT_EQ(store.Import(claims, other).status().code(),
            ErrorCode::kAlreadyExists);
  EXPECT_EQ(ReadFile(*store.Resolve(from_aws.arn)), "the real bytes");
}

TEST_F(LayerStoreTest, ARenewedLocationReplacesTheStoredOneAndNothingElse) {
  LayerStore store = OpenStore();
  std::string zip = MakeZip("dl.zip", "remote layer bytes");
  const std::string arn = "arn:aws:lambda:us-east-2:123456789012:layer:far:4";
  LayerVersion from_aws = *ParseLayerVersionJson(AwsLayerVersionJson(zip, arn, 4), "get.json");
  ASSERT_TRUE(store.ImportRemote(from_aws, "https://s3/far.zip?sig=old").ok());

  ASSERT_TRUE(store.UpdateRemoteLocation(from_aws.arn, "https://s3/far.zip?sig=new").ok());
  Result<StoredLayerVersion> got = store.Get(from_aws.arn);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->zip_path, "https://s3/far.zip?sig=new");
  EXPECT_EQ(got->version, from_aws);
  std::string json = store_dir_ + "/layers/aws/us-east-2/123456789012/far/4.json";
  EXPECT_EQ(std::filesystem::status(json).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0444));
  EXPECT_FALSE(store.UpdateRemoteLocation(from_aws.arn, "/tmp/x.zip").ok());
  EXPECT_EQ(store.UpdateRemoteLocation(from_aws.arn.WithVersion(5), "https://x").code(),
            ErrorCode::kNotFound);
  // A version kept as a zip has no Location to renew.
  LayerVersion local = from_aws;
  local.arn = local.arn.WithVersion(6);
  ASSERT_TRUE(store.Import(local, zip).ok());
  EXPECT_EQ(store.UpdateRemoteLocation(local.arn, "https://x").code(),
            ErrorCode::kInvalidArgument);
}

TEST_F(LayerStoreTest, RemoteVersionKeepsItsLocationAndHasNoZip) {
  LayerStore store = OpenStore();
  std::string zip = MakeZip("dl.zip", "remote layer bytes");
  const std::string arn = "arn:aws:lambda:us-east-2:123456789012:layer:far:4";
  LayerVersion from_aws =
      *ParseLayerVersionJson(AwsLayerVersionJson(zip, arn, 4), "get.json");
  const std::string url = "s3://layers/far/4.zip";

  Result<StoredLayerVersion> stored = store.ImportRemote(from_aws, url);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_TRUE(stored->remote);
  EXPECT_EQ(stored->zip_path, url);
  Result<StoredLayerVersion> got = store.Get(from_aws.arn);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(got->remote);
  EXPECT_EQ(got->zip_path, url);
  EXPECT_EQ(got->version, from_aws);
  // Mounted with its CodeSha256, for the disk cache to key and verify by.
  EXPECT_EQ(*store.Resolve(from_aws.arn), url + "#sha256=" + from_aws.code_sha256);
  ASSERT_EQ(store.List()->size(), 1u);
  EXPECT_EQ(store.List()->front().zip_path, url);
  std::string dir = store_dir_ + "/layers/aws/us-east-2/123456789012/far";
  EXPECT_FALSE(std::filesystem::exists(dir + "/4.zip"));
  EXPECT_NE(ReadFile(dir + "/4.json").find("\"Location\": \"" + url + "\""),
            std::string::npos);

  // Again: a no-op; other bytes under the ARN: refused.
  EXPECT_TRUE(store.ImportRemote(from_aws, url).ok());
  LayerVersion other = from_aws;
  other.code_size += 1;
  EXPECT_EQ(store.ImportRemote(other, url).status().code(), ErrorCode::kAlreadyExists);
  // Only URLs: a path would be a zip outside the store.
  LayerVersion five = from_aws;
  five.arn.version = 5;
  Result<StoredLayerVersion> path = store.ImportRemote(five, "/tmp/x.zip");
  ASSERT_FALSE(path.ok());
  EXPECT_EQ(path.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(path.status().message().find("/tmp/x.zip"), std::string::npos);
}

TEST_F(LayerStoreTest, ConcurrentPublishesFromProcesses) {
  constexpr int kProcesses = 4;
  constexpr int kEach = 5;
  // Large enough that copies overlap in time.
  auto content = [](int process, int round) {
    std::string tag =
        "p" + std::to_string(process) + "r" + std::to_string(round);
    std::string bytes;
    while (bytes.size() < 256 * 1024) bytes += tag + ";";
    return bytes;
  };
  for (int p = 0; p < kProcesses; ++p) {
    for (int r = 0; r < kEach; ++r) {
      MakeZip("p" + std::to_string(p) + "r" + std::to_string(r), content(p, r));
    }
  }

  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // No gtest assertions here: report through the exit status.
      Result<LayerStore> store = LayerStore::Open(store_dir_, AcceptAll);
      int failures = store.ok() ? 0 : 100;
      for (int r = 0; store.ok() && r < kEach; ++r) {
        PublishRequest request{
            .layer_name = "shared",
            .zip_path =
                scratch_ / ("p" + std::to_string(p) + "r" + std::to_string(r))};
        if (!store->Publish(request).ok()) ++failures;
      }
      _exit(failures);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }

  LayerStore store = OpenStore();
  Result<std::vector<StoredLayerVersion>> versions = store.Versions("shared");
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_EQ(versions->size(), std::size_t(kProcesses * kEach));
  std::set<std::string> contents;
  int64_t expected = kProcesses * kEach;
  for (const StoredLayerVersion& v : *versions) {
    EXPECT_EQ(v.version.arn.version, expected--);  // newest first, no gaps
    Result<CodeDigest> digest = DigestCodeFile(v.zip_path);
    ASSERT_TRUE(digest.ok());
    EXPECT_EQ(digest->code_sha256, v.version.code_sha256);
    EXPECT_EQ(digest->code_size, v.version.code_size);
    contents.insert(ReadFile(v.zip_path));
  }
  std::set<std::string> published;
  for (int p = 0; p < kProcesses; ++p) {
    for (int r = 0; r < kEach; ++r) published.insert(content(p, r));
  }
  EXPECT_EQ(contents, published);  // every zip complete, each stored once
  EXPECT_EQ(FilesIn(store_dir_ + "/tmp"), 0u);
}

TEST(LayerStoreDefaultDirTest, FollowsEnvThenUidThenHome) {
  EXPECT_EQ(*DefaultStoreDir("/srv/layers", 1000, "/home/me"), "/srv/layers");
  EXPECT_EQ(*DefaultStoreDir("/srv/layers", 0, "/root"), "/srv/layers");
  EXPECT_EQ(*DefaultStoreDir("", 0, "/root"), "/var/lib/layerfs");
  EXPECT_EQ(*DefaultStoreDir("", 1000, "/home/me"),
            "/home/me/.local/share/layerfs");
  EXPECT_EQ(*DefaultStoreDir("", 1000, "/home/me/"),
            "/home/me/.local/share/layerfs");
  Result<std::string> none = DefaultStoreDir("", 1000, "");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("LAYERFS_STORE"), std::string::npos);
}

}  // namespace
}  // namespace layerfs
