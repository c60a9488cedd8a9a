// Layers mounted straight from s3:// URLs (fs/source/s3_source.h):
//   - from a real S3-compatible server, s3rver (tests/support/s3_server.h),
//     mixed with a local zip, through every form that takes a layer: the
//     command line, the mount.fuse3/fstab form with -o options, remount,
//     and a layer store version kept remote (publish
//     --from-get-layer-version without a zip) mounted by ARN and through a
//     function configuration; the tree matches `unzip -o` of the zips;
//   - through the project's own capturing server (range_server.py), whose
//     captured requests botocore re-signs with the same credentials to
//     prove the SigV4 signatures right (s3rver does not check them), and
//     whose faults prove that a rotated key is re-read on a 403 and that
//     503 SlowDown is retried, never a wrong byte or ENOENT.
// Every test sets HOME to a scratch directory and clears AWS_* variables,
// so the machine's own ~/.aws is never read.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/range_server.h"
#include "tests/support/read_range.h"
#include "tests/support/s3_server.h"

namespace layerfs::test {
namespace {

using testing_bytes::Noise;

const std::string kSitePackages = "python/lib/python3.12/site-packages";

// Sets environment variables for the test's lifetime (the daemons it
// starts inherit them), restoring the previous values after.
class ScopedEnv {
 public:
  ScopedEnv() = default;
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) ::setenv(name.c_str(), old->c_str(), 1); else ::unsetenv(name.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

  void Set(const std::string& name, const std::optional<std::string>& value) {
    if (saved_.count(name) == 0) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) ::setenv(name.c_str(), value->c_str(), 1); else ::unsetenv(name.c_str());
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

// Two layers: many small files and two large ones below, an override and a
// tool above. Returns the zips' paths.
std::vector<std::string> BuildLayers(const ScratchDir& tmp) {
  for (int i = 0; i < 20; ++i) {
    WriteFile(tmp / ("src1/" + kSitePackages + "/pkg/mod" + std::to_string(i) + ".py"),
              "# module\n" + Noise(600 + i * 71, i), 0644, 1600000000 + i);
  }
  WriteFile(tmp / ("src1/" + kSitePackages + "/pkg/big1.so"), Noise(3 << 20, 5), 0755, 1610000000);
  WriteFile(tmp / ("src1/" + kSitePackages + "/pkg/big2.so"), Noise(3 << 20, 6), 0755, 1610000000);
  WriteFile(tmp / "src2/bin/tool", "#!/bin/sh\necho tool\n", 0755, 1620000000);
  WriteFile(tmp / ("src2/" + kSitePackages + "/pkg/mod3.py"), "# overridden\n", 0644, 1630000000);
  std::vector<std::string> zips;
  for (std::string name : {"one", "two"}) {
    std::string zip = tmp / (name + ".zip");
    Shell("cd " + Quote(tmp / (name == "one" ? "src1" : "src2")) + " && TZ=UTC zip -qry " +
          Quote(zip) + " .");
    zips.push_back(zip);
  }
  return zips;
}

bool SkipDirMtime(const std::string& rel) {
  return rel.empty() || rel == "." || rel == "python" || rel.starts_with("python/");
}

void ExpectSameTree(const ScratchDir& tmp, const std::string& mountpoint) {
  TreeDiff diff = CompareTrees(tmp / "extracted", mountpoint, SkipDirMtime);
  EXPECT_GT(diff.entries_compared, 25u);
  for (const std::string& d : diff.differences) ADD_FAILURE() << d;
}

using testing_files::ReadRange;
using testing_files::ReadResult;

class S3LayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FuseUnavailableReason().empty()) GTEST_SKIP() << "SKIP: " << FuseUnavailableReason();
    env_.Set("HOME", home_.path());
    for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                          "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE",
                          "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_S3",
                          "AWS_ENDPOINT_URL"}) {
      env_.Set(v, std::nullopt);
    }
    zips_ = BuildLayers(tmp_);
    ASSERT_TRUE(UnzipInto(zips_, tmp_ / "extracted"));
  }

  // Starts s3rver with one.zip uploaded as layers/stack/one.zip.
  bool StartS3rver() {
    if (std::string why = S3Server::UnavailableReason(); !why.empty()) {
      unavailable_ = why;
      return false;
    }
    s3_ = std::make_unique<S3Server>();
    return s3_->ok() && s3_->Put("stack/one.zip", zips_[0]);
  }

  ScratchDir tmp_;
  ScratchDir home_;
  ScopedEnv env_;
  std::vector<std::string> zips_;
  std::unique_ptr<S3Server> s3_;
  std::string unavailable_;
};

#define START_S3RVER()                                                          \
  do {                                                                          \
    bool started = StartS3rver();                                               \
    if (!unavailable_.empty()) GTEST_SKIP() << "SKIP (no s3rver): " << unavailable_; \
    ASSERT_TRUE(started) << "s3rver did not start or refused the upload";       \
  } while (0)

TEST_F(S3LayerTest, S3rverLayerFromTheEnvironmentMixedWithALocalZip) {
  START_S3RVER();
  env_.Set("AWS_ACCESS_KEY_ID", S3Server::kAccessKey);
  env_.Set("AWS_SECRET_ACCESS_KEY", S3Server::kSecretKey);
  env_.Set("AWS_ENDPOINT_URL", s3_->Endpoint());
  Mount mount({"s3://layers/stack/one.zip", zips_[1]}, tmp_ / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  ExpectSameTree(tmp_, mount.path());
}

TEST_F(S3LayerTest, FstabFormWithProfileFileAndEndpointOptions) {
  START_S3RVER();
  std::ofstream(home_ / "keys") << "[default]\naws_access_key_id = WRONG\n"
                                   "aws_secret_access_key = WRONG\n"
                                << "[ci]\naws_access_key_id = " << S3Server::kAccessKey
                                << "\naws_secret_access_key = " << S3Server::kSecretKey << "\n";
  // What mount.fuse3 runs for an fstab line
  //   s3://layers/stack/one.zip:/path/two.zip /mnt fuse.layerfs OPTS 0 0
  const std::string mnt = tmp_ / "mnt";
  ::mkdir(mnt.c_str(), 0755);
  CommandResult r = Shell(Quote(LayerfsBinary()) + " " +
                          Quote("s3://layers/stack/one.zip:" + zips_[1]) + " " + Quote(mnt) +
                          " -o " +
                          Quote("ro,aws_profile=ci,aws_credentials_file=" + (home_ / "keys") +
                                ",s3_endpoint=" + s3_->Endpoint() + ",aws_region=eu-west-1"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameTree(tmp_, mnt);
  EXPECT_EQ(Shell(Quote(LayerfsBinary()) + " unmount " + Quote(mnt)).exit_code, 0);
}

TEST_F(S3LayerTest, RemountSwapsInAnS3Layer) {
  START_S3RVER();
  std::ofstream(home_ / "keys") << "[default]\naws_access_key_id = " << S3Server::kAccessKey
                                << "\naws_secret_access_key = " << S3Server::kSecretKey << "\n";
  Mount mount({zips_[1]}, tmp_ / "mnt",
              "--aws-credentials-file " + Quote(home_ / "keys") + " --s3-endpoint=" +
                  Quote(s3_->Endpoint()));
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  CommandResult r = Shell(Quote(LayerfsBinary()) + " remount " + Quote(mount.path()) +
                          " s3://layers/stack/one.zip " + Quote(zips_[1]));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectSameTree(tmp_, mount.path());
}

TEST_F(S3LayerTest, RefusedKeyAndMissingObjectNameTheUrlAndTheReason) {
  START_S3RVER();
  env_.Set("AWS_ACCESS_KEY_ID", "NOTAKEY");
  env_.Set("AWS_SECRET_ACCESS_KEY", "NOTASECRET");
  env_.Set("AWS_ENDPOINT_URL_S3", s3_->Endpoint());
  Mount refused({"s3://layers/stack/one.zip"}, tmp_ / "mnt");
  EXPECT_FALSE(refused.ok());
  const std::string& out = refused.result().output;
  EXPECT_NE(out.find("s3://layers/stack/one.zip"), std::string::npos) << out;
  EXPECT_NE(out.find("403"), std::string::npos) << out;
  EXPECT_NE(out.find("InvalidAccessKeyId"), std::string::npos) << out;
  EXPECT_EQ(out.find("NOTASECRET"), std::string::npos) << "a secret reached the output";

  env_.Set("AWS_ACCESS_KEY_ID", S3Server::kAccessKey);
  env_.Set("AWS_SECRET_ACCESS_KEY", S3Server::kSecretKey);
  Mount missing({"s3://layers/stack/absent.zip"}, tmp_ / "mnt2");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.result().output.find("s3://layers/stack/absent.zip"), std::string::npos)
      << missing.result().output;
  EXPECT_NE(missing.result().output.find("404"), std::string::npos) << missing.result().output;
}

TEST_F(S3LayerTest, MissingCredentialsSayWhereLayerfsLooked) {
  Mount mount({"s3://layers/stack/one.zip"}, tmp_ / "mnt");
  EXPECT_FALSE(mount.ok());
  const std::string& out = mount.result().output;
  EXPECT_NE(out.find("s3://layers/stack/one.zip"), std::string::npos) << out;
  EXPECT_NE(out.find("no AWS credentials"), std::string::npos) << out;
  EXPECT_NE(out.find("AWS_ACCESS_KEY_ID"), std::string::npos) << out;
  EXPECT_NE(out.find(home_ / ".aws/credentials"), std::string::npos) << out;
}

TEST_F(S3LayerTest, StoreVersionLivingInS3MountsByArnAndThroughAFunctionConfig) {
  START_S3RVER();
  env_.Set("AWS_ACCESS_KEY_ID", S3Server::kAccessKey);
  env_.Set("AWS_SECRET_ACCESS_KEY", S3Server::kSecretKey);
  env_.Set("AWS_ENDPOINT_URL", s3_->Endpoint());
  const std::string store = tmp_ / "store";
  const std::string layerfs = Quote(LayerfsBinary());
  const std::string arn = "arn:aws:lambda:us-east-1:123456789012:layer:deps:3";
  CommandResult sha = Shell("openssl dgst -sha256 -binary " + Quote(zips_[0]) + " | base64");
  ASSERT_EQ(sha.exit_code, 0);
  sha.output.pop_back();  // the newline
  std::ofstream(tmp_ / "get.json")
      << R"({"Content": {"Location": "s3://layers/stack/one.zip", "CodeSha256": ")" << sha.output
      << R"(", "CodeSize": )" << std::filesystem::file_size(zips_[0])
      << R"(}, "LayerVersionArn": ")" << arn << R"(", "Version": 3})";

  // publish without a ZIP keeps the version remote; nothing is downloaded.
  CommandResult published = Shell(layerfs + " publish --from-get-layer-version " +
                                  Quote(tmp_ / "get.json") + " --store " + Quote(store));
  ASSERT_EQ(published.exit_code, 0) << published.output;
  EXPECT_NE(published.output.find(R"("Location": "s3://layers/stack/one.zip")"),
            std::string::npos) << published.output;
  CommandResult got = Shell(layerfs + " layers get " + arn + " --store " + Quote(store));
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_NE(got.output.find("s3://layers/stack/one.zip"), std::string::npos) << got.output;
  CommandResult local = Shell(layerfs + " publish top " + Quote(zips_[1]) +
                              " --region us-east-1 --account 123456789012 --store " +
                              Quote(store));
  ASSERT_EQ(local.exit_code, 0) << local.output;

  Mount by_arn({arn, zips_[1]}, tmp_ / "mnt", "--store " + Quote(store));
  ASSERT_TRUE(by_arn.ok()) << by_arn.result().output;
  ExpectSameTree(tmp_, by_arn.path());

  std::ofstream(tmp_ / "f.json") << R"({"FunctionName": "f", "Runtime": "python3.12", "Layers": [")"
                                 << arn << R"(", "arn:aws:lambda:us-east-1:123456789012:layer:top:1"]})";
  Mount by_function({}, tmp_ / "mnt-f",
                    "--function " + Quote(tmp_ / "f.json") + " --store " + Quote(store));
  ASSERT_TRUE(by_function.ok()) << by_function.result().output;
  ExpectSameTree(tmp_, by_function.path());

  // A JSON without Content.Location and no ZIP is a usage error.
  std::ofstream(tmp_ / "bare.json")
      << R"({"Content": {"CodeSha256": ")" << sha.output << R"(", "CodeSize": 1},)"
      << R"( "LayerVersionArn": "arn:aws:lambda:us-east-1:123456789012:layer:deps:4"})";
  CommandResult bare = Shell(layerfs + " publish --from-get-layer-version " +
                             Quote(tmp_ / "bare.json") + " --store " + Quote(store));
  EXPECT_EQ(bare.exit_code, 2) << bare.output;
  EXPECT_NE(bare.output.find("no Content.Location"), std::string::npos) << bare.output;
}

// Against range_server.py, which serves tmp/www/BUCKET/KEY path-style and
// captures every request's headers.
class S3SignatureTest : public S3LayerTest {
 protected:
  void SetUp() override {
    S3LayerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::filesystem::create_directories(tmp_ / "www/layers/team a");
    std::filesystem::copy_file(zips_[0], tmp_ / "www/layers/team a/one+v1.zip");
    server_ = std::make_unique<RangeServer>(tmp_ / "www");
    ASSERT_TRUE(server_->ok());
    endpoint_ = server_->Url("");
    endpoint_.pop_back();  // no trailing '/'
  }

  std::string Big(int n) const {
    return ReadAll(tmp_ / ("extracted/" + kSitePackages + "/pkg/big" + std::to_string(n) + ".so"));
  }
  std::string BigPath(const Mount& m, int n) const {
    return m.path() + "/" + kSitePackages + "/pkg/big" + std::to_string(n) + ".so";
  }
  // Runs verify_sigv4.py over the captured requests.
  CommandResult Verify(const std::string& key, const std::string& secret,
                       const std::string& token) const {
    // Debian's python3-botocore (scripts/install-deps) belongs to /usr/bin/python3.
    return Shell("/usr/bin/python3 " + Quote(std::string(LAYERFS_SOURCE_DIR) +
                                    "/tests/support/verify_sigv4.py") +
                 " " + Quote(server_->ControlDir() + "/requests.jsonl") + " " + Quote(key) +
                 " " + Quote(secret) + (token.empty() ? "" : " " + Quote(token)));
  }

  std::unique_ptr<RangeServer> server_;
  std::string endpoint_;
  const std::string url_ = "s3://layers/team a/one+v1.zip";
};

TEST_F(S3SignatureTest, BotocoreComputesTheSameSignatureForEveryRequest) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  env_.Set("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  env_.Set("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE//token=");
  env_.Set("AWS_REGION", "eu-west-3");
  env_.Set("AWS_ENDPOINT_URL", endpoint_);
  Mount mount({url_, zips_[1]}, tmp_ / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  EXPECT_EQ(ReadAll(BigPath(mount, 1)), Big(1));
  EXPECT_GE(server_->Requests(), 2);

  CommandResult ok = Verify("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                            "FwoGZXIvYXdzEXAMPLE//token=");
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("/layers/team%20a/one%2Bv1.zip: ok "
                           "(host;x-amz-content-sha256;x-amz-date;x-amz-security-token)"),
            std::string::npos)
      << ok.output;
  EXPECT_EQ(ok.output.find('?'), std::string::npos) << "a signed request had a query string";
  // The check can fail: another secret, or no token, gives other signatures.
  EXPECT_NE(Verify("AKIDEXAMPLE", "another-secret", "FwoGZXIvYXdzEXAMPLE//token=").exit_code, 0);
  EXPECT_NE(Verify("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "").exit_code, 0);
  // Every request said its payload is unsigned and carried the token.
  std::string captured = ReadAll(server_->ControlDir() + "/requests.jsonl");
  EXPECT_NE(captured.find(R"(["x-amz-content-sha256", "UNSIGNED-PAYLOAD"])"), std::string::npos);
  EXPECT_NE(captured.find("eu-west-3/s3/aws4_request"), std::string::npos);
}

TEST_F(S3SignatureTest, A403ReReadsRotatedCredentialsOnceAnd503IsRetried) {
  const std::string keys = home_ / "keys";
  auto write_keys = [&](const std::string& id) {
    std::ofstream(keys + ".tmp") << "[default]\naws_access_key_id = " << id
                                 << "\naws_secret_access_key = secret-of-" << id << "\n";
    std::filesystem::rename(keys + ".tmp", keys);
  };
  // Each phase reads through a fresh mount, so no block is cached yet
  // (a sequential reader's read-ahead would have fetched the rest).
  int mounts = 0;
  auto fresh_mount = [&]() {
    return std::make_unique<Mount>(
        std::vector<std::string>{url_}, tmp_ / ("mnt" + std::to_string(++mounts)),
        "--remote-timeout=10 --aws-credentials-file=" + Quote(keys) + " --s3-endpoint " +
            Quote(endpoint_));
  };
  const int mib = 1 << 20;
  const std::string expected = Big(1).substr(0, mib);

  // The key is rotated after the mount: the server now refuses the old one.
  write_keys("AKIDOLD");
  std::unique_ptr<Mount> a = fresh_mount();
  ASSERT_TRUE(a->ok()) << a->result().output;
  server_->SetFaults(R"({"require_key": "AKIDNEW"})");
  write_keys("AKIDNEW");
  ReadResult rotated = ReadRange(BigPath(*a, 1), 0, mib);
  EXPECT_EQ(rotated.error, 0) << std::strerror(rotated.error);
  EXPECT_EQ(rotated.bytes, expected);
  CommandResult signatures = Verify("AKIDNEW", "secret-of-AKIDNEW", "");
  EXPECT_NE(signatures.output.find("Credential=AKIDOLD/"), std::string::npos)
      << "the first read should have been refused with the old key: " << signatures.output;

  // 503 SlowDown on the next two requests: retried, the bytes are right.
  std::unique_ptr<Mount> b = fresh_mount();
  ASSERT_TRUE(b->ok()) << b->result().output;
  int n = server_->Requests();
  server_->SetFaults(R"({"require_key": "AKIDNEW", "status": 503, "only": [)" +
                     std::to_string(n + 1) + "," + std::to_string(n + 2) + "]}");
  ReadResult slow = ReadRange(BigPath(*b, 1), 0, mib);
  EXPECT_EQ(slow.error, 0) << std::strerror(slow.error);
  EXPECT_EQ(slow.bytes, expected);
  EXPECT_GE(server_->Requests(), n + 3);

  // Rotated again but the file still holds the old key: one re-read, then
  // EIO (never ENOENT, never a wrong byte), and the daemon stays up; once
  // the file has the new key, the same read succeeds.
  std::unique_ptr<Mount> c = fresh_mount();
  ASSERT_TRUE(c->ok()) << c->result().output;
  server_->SetFaults(R"({"require_key": "AKIDNEWER"})");
  ReadResult refused = ReadRange(BigPath(*c, 1), 0, mib);
  EXPECT_EQ(refused.error, EIO) << std::strerror(refused.error);
  EXPECT_TRUE(refused.bytes.empty());
  EXPECT_NE(DaemonPid(c->path()), -1) << "the daemon died";
  write_keys("AKIDNEWER");
  ReadResult healed = ReadRange(BigPath(*c, 1), 0, mib);
  EXPECT_EQ(healed.error, 0) << std::strerror(healed.error);
  EXPECT_EQ(healed.bytes, expected);
}

}  // namespace
}  // namespace layerfs::test
