// A layer store version kept remote (publish --from-get-layer-version
// without a zip) whose presigned Content.Location expires while mounted:
// the daemon asks Lambda's GetLayerVersion again (fs/lambda/lambda_api.h,
// fs/lambda/layer_refresh.h) and keeps reading correct bytes. Lambda is
// tests/support/lambda_server.py, the zip is served by range_server.py
// whose "expired" fault answers 403 to a URL past its expiry; botocore
// re-signs every captured GetLayerVersion request (verify_sigv4.py). A
// CodeSha256 that changes on refresh is EIO and a log line, never wrong
// bytes; a CodeSize that differs from the object fails the mount.
#include <fcntl.h>
#include <signal.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/range_server.h"
#include "tests/support/read_range.h"

namespace layerfs::test {
namespace {

using testing_bytes::Noise;

const std::string kArn = "arn:aws:lambda:eu-west-3:123456789012:layer:deps:3";
const std::string kKey = "AKIDLAMBDA";
const std::string kSecret = "lambda/secret+KEY";

using testing_files::ReadRange;
using testing_files::ReadResult;

// lambda_server.py on a loopback port, killed with the object.
class LambdaServer {
 public:
  LambdaServer() {
    const std::string script =
        std::string(LAYERFS_SOURCE_DIR) + "/tests/support/lambda_server.py";
    child_ = std::make_unique<Child>(std::vector<std::string>{
        "sh", "-c",
        "exec /usr/bin/python3 " + Quote(script) + " " + Quote(control_.path()) + " > " +
            Quote(control_ / "port")});
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::string p = ReadAll(control_ / "port");
      if (!p.empty() && p.back() == '\n') port_ = std::stoi(p);
      if (port_ == 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  bool ok() const { return port_ > 0; }
  std::string Endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // What GetLayerVersion answers for version N of layer `name`.
  void Answer(const std::string& name, int n, const std::string& json) const {
    std::filesystem::create_directories(control_ / ("layers/" + name));
    std::ofstream(control_ / ("layers/" + name + "/" + std::to_string(n) + ".json")) << json;
  }
  std::string Requests() const { return control_ / "requests.jsonl"; }

 private:
  ScratchDir control_;
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

std::string GetLayerVersionJson(const std::string& arn, const std::string& location,
                                const std::string& sha, uint64_t size) {
  const std::string version = arn.substr(arn.rfind(':') + 1);
  return R"({"Content": {"Location": ")" + location + R"(", "CodeSha256": ")" + sha +
         R"(", "CodeSize": )" + std::to_string(size) + R"(}, "LayerVersionArn": ")" + arn +
         R"(", "Version": )" + version + "}";
}

class LambdaRefreshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!FuseUnavailableReason().empty()) GTEST_SKIP() << "SKIP: " << FuseUnavailableReason();
    for (const char* v : {"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE",
                          "AWS_CONFIG_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
                          "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
      Unset(v);
    }
    Set("HOME", home_.path());
    Set("AWS_ACCESS_KEY_ID", kKey);
    Set("AWS_SECRET_ACCESS_KEY", kSecret);
    WriteFile(tmp_ / "src/python/big.bin", big_, 0644, 1600000000);
    WriteFile(tmp_ / "src/python/small.py", "print('small')\n", 0644, 1600000000);
    std::filesystem::create_directories(tmp_ / "www");
    zip_ = tmp_ / "www/layer.zip";
    Shell("cd " + Quote(tmp_ / "src") + " && TZ=UTC zip -qry -0 " + Quote(zip_) + " .");
    CommandResult sha = Shell("openssl dgst -sha256 -binary " + Quote(zip_) + " | base64");
    ASSERT_EQ(sha.exit_code, 0);
    sha_ = sha.output.substr(0, sha.output.size() - 1);
    size_ = std::filesystem::file_size(zip_);
    files_ = std::make_unique<RangeServer>(tmp_ / "www");
    ASSERT_TRUE(files_->ok());
    ASSERT_TRUE(lambda_.ok());
    Set("AWS_ENDPOINT_URL_LAMBDA", lambda_.Endpoint());
  }
  void TearDown() override {
    for (const auto& [name, old] : saved_) {
      if (old.has_value()) ::setenv(name.c_str(), old->c_str(), 1); else ::unsetenv(name.c_str());
    }
  }
  void Save(const std::string& name) {
    if (saved_.count(name) == 0) {
      const char* old = std::getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
  }
  void Set(const std::string& name, const std::string& value) {
    Save(name);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  void Unset(const std::string& name) {
    Save(name);
    ::unsetenv(name.c_str());
  }

  // Publishes `arn` as living at `location`, as GetLayerVersion described it.
  void PublishRemote(const std::string& arn, const std::string& location, uint64_t size) {
    std::ofstream(tmp_ / "get.json") << GetLayerVersionJson(arn, location, sha_, size);
    CommandResult r = Shell(Quote(LayerfsBinary()) + " publish --from-get-layer-version " +
                            Quote(tmp_ / "get.json") + " --store " + Quote(store_));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  std::unique_ptr<Mount> MountArn(const std::string& arn, const std::string& name,
                                  const std::string& extra = "") {
    return std::make_unique<Mount>(
        std::vector<std::string>{arn}, tmp_ / name,
        "--remote-timeout=10 --store " + Quote(store_) + " --log-file " + Quote(log_) + " " +
            extra);
  }
  std::string Log() const { return ReadAll(log_); }
  // The one log line a renewal of `arn`'s expired presigned URL writes.
  void ExpectRenewalLogged(const std::string& arn) const {
    const std::string log = Log();
    EXPECT_NE(log.find(arn + ": 403 Forbidden (AccessDenied: Request has expired) from its "
                             "Content.Location; renewed through GetLayerVersion"),
              std::string::npos)
        << log;
  }

  ScratchDir tmp_;
  ScratchDir home_;
  std::map<std::string, std::optional<std::string>> saved_;
  const std::string big_ = Noise(6 << 20, 7);
  std::string zip_;
  std::string sha_;
  uint64_t size_ = 0;
  std::unique_ptr<RangeServer> files_;
  LambdaServer lambda_;
  const std::string store_ = tmp_ / "store";
  const std::string log_ = tmp_ / "daemon.log";
};

TEST_F(LambdaRefreshTest, AnExpiredPresignedUrlIsRenewedOnceThroughGetLayerVersion) {
  PublishRemote(kArn, files_->Url("layer.zip?token=1"), size_);
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=2"), sha_,
                                                size_));
  std::unique_ptr<Mount> m = MountArn(kArn, "mnt");
  ASSERT_TRUE(m->ok()) << m->result().output;
  const std::string big = m->path() + "/python/big.bin";
  const int mib = 1 << 20;
  // The mount read the tail through the stored URL; nothing of big.bin
  // is fetched yet (a read now would read ahead the rest of it).
  EXPECT_EQ(ReadAll(m->path() + "/python/small.py"), "print('small')\n");
  EXPECT_GE(files_->Requests(), 1);
  EXPECT_FALSE(std::filesystem::exists(lambda_.Requests())) << "Lambda asked before any 403";

  // The presigned URL expires: the next fetch gets 403, one GetLayerVersion
  // gives a fresh URL, and every later read goes there.
  files_->SetFaults(R"({"expired": ["token=1"]})");
  for (int at : {4, 1, 5, 0}) {
    ReadResult later = ReadRange(big, off_t(at) * mib, mib);
    ASSERT_EQ(later.error, 0) << std::strerror(later.error);
    EXPECT_EQ(later.bytes, big_.substr(size_t(at) * mib, mib)) << "at " << at << " MiB";
  }
  EXPECT_EQ(ReadAll(m->path() + "/python/big.bin"), big_);
  ExpectRenewalLogged(kArn);
  std::vector<std::string> served = files_->RequestLog();
  EXPECT_NE(served.back().find("token=2"), std::string::npos) << served.back();

  // One GetLayerVersion, signed right (botocore re-signs it; the path
  // holds the layer ARN, double-encoded in the signature), and wrong
  // credentials would not verify.
  const std::string verify = "/usr/bin/python3 " +
                             Quote(std::string(LAYERFS_SOURCE_DIR) +
                                   "/tests/support/verify_sigv4.py") +
                             " " + Quote(lambda_.Requests()) + " " + Quote(kKey) + " ";
  CommandResult signed_ok = Shell(verify + Quote(kSecret));
  EXPECT_EQ(signed_ok.exit_code, 0) << signed_ok.output;
  EXPECT_NE(signed_ok.output.find("/2018-10-31/layers/arn%3Aaws%3Alambda%3Aeu-west-3%3A"
                                  "123456789012%3Alayer%3Adeps/versions/3: ok"),
            std::string::npos)
      << signed_ok.output;
  EXPECT_NE(signed_ok.output.find("verified 1\n"), std::string::npos) << signed_ok.output;
  EXPECT_NE(Shell(verify + "another-secret").exit_code, 0);
  EXPECT_NE(ReadAll(lambda_.Requests()).find("eu-west-3/lambda/aws4_request"), std::string::npos);

  // The store now holds the fresh URL: the next mount starts with it.
  CommandResult got = Shell(Quote(LayerfsBinary()) + " layers get " + kArn + " --store " +
                            Quote(store_));
  EXPECT_NE(got.output.find("layer.zip?token=2"), std::string::npos) << got.output;
}

TEST_F(LambdaRefreshTest, ThroughTheDiskCacheTooAndTheNextMountStartsWithTheFreshUrl) {
  PublishRemote(kArn, files_->Url("layer.zip?token=1"), size_);
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=2"), sha_,
                                                size_));
  const std::string cache = "--cache-dir " + Quote(tmp_ / "cache");
  {
    std::unique_ptr<Mount> m = MountArn(kArn, "mnt", cache);
    ASSERT_TRUE(m->ok()) << m->result().output;
    EXPECT_EQ(ReadAll(m->path() + "/python/small.py"), "print('small')\n");
    files_->SetFaults(R"({"expired": ["token=1"]})");
    EXPECT_EQ(ReadAll(m->path() + "/python/big.bin"), big_);
    EXPECT_NE(Log().find("renewed through GetLayerVersion"), std::string::npos) << Log();
  }
  // The store recorded token=2, which now expires too: a fresh mount with
  // an empty cache starts there and renews again, to token=3.
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=3"), sha_,
                                                size_));
  files_->SetFaults(R"({"expired": ["token=1", "token=2"]})");
  const size_t before = files_->RequestLog().size();
  std::unique_ptr<Mount> again = MountArn(kArn, "mnt2");
  ASSERT_TRUE(again->ok()) << again->result().output;
  EXPECT_EQ(ReadAll(again->path() + "/python/big.bin"), big_);
  std::vector<std::string> served = files_->RequestLog();
  ASSERT_GT(served.size(), before + 1);
  EXPECT_NE(served[before].find("/layer.zip?token=2 "), std::string::npos) << served[before];
  EXPECT_NE(served.back().find("/layer.zip?token=3 "), std::string::npos) << served.back();
}

TEST_F(LambdaRefreshTest, AFunctionStackReloadedBySighupStillRenews) {
  PublishRemote(kArn, files_->Url("layer.zip?token=1"), size_);
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=2"), sha_,
                                                size_));
  std::ofstream(tmp_ / "f.json") << R"({"FunctionName": "f", "Runtime": "python3.12", )"
                                 << R"("Layers": [")" << kArn << R"("]})";
  Mount m({}, tmp_ / "mnt",
          "--remote-timeout=10 --log-level debug --function " + Quote(tmp_ / "f.json") +
              " --store " + Quote(store_) + " --log-file " + Quote(log_));
  ASSERT_TRUE(m.ok()) << m.result().output;
  CommandResult pid = Shell("pgrep -f " + Quote("layerfs mount .*" + m.path()) + " | head -1");
  ASSERT_EQ(pid.exit_code, 0) << pid.output;
  ASSERT_EQ(::kill(std::stoi(pid.output), SIGHUP), 0);
  for (int i = 0; i < 250 && Log().find("(stack 1)") == std::string::npos; ++i) ::usleep(20000);
  ASSERT_NE(Log().find("now serving 1 layers (stack 1)"), std::string::npos) << Log();
  // The reloaded stack's source expires before it read big.bin.
  files_->SetFaults(R"({"expired": ["token=1"]})");
  EXPECT_EQ(ReadAll(m.path() + "/python/big.bin"), big_);
  EXPECT_NE(Log().find("renewed through GetLayerVersion"), std::string::npos) << Log();
}

TEST_F(LambdaRefreshTest, ACodeSha256ChangeOnRefreshIsEioAndALogLineNeverWrongBytes) {
  PublishRemote(kArn, files_->Url("layer.zip?token=1"), size_);
  const std::string other_sha = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=2"),
                                                other_sha, size_));
  std::unique_ptr<Mount> m = MountArn(kArn, "mnt");
  ASSERT_TRUE(m->ok()) << m->result().output;
  EXPECT_EQ(ReadAll(m->path() + "/python/small.py"), "print('small')\n");
  files_->SetFaults(R"({"expired": ["token=1"]})");
  ReadResult r = ReadRange(m->path() + "/python/big.bin", 3 << 20, 1 << 20);
  EXPECT_EQ(r.error, EIO) << std::strerror(r.error);
  EXPECT_TRUE(r.bytes.empty());
  for (const std::string& line : files_->RequestLog()) {
    EXPECT_EQ(line.find("token=2"), std::string::npos) << "read from the new URL: " << line;
  }
  const std::string log = Log();
  EXPECT_NE(log.find(kArn + ": GetLayerVersion now gives CodeSha256 " + other_sha +
                     " but the layer store has " + sha_),
            std::string::npos)
      << log;
  // The daemon stays up; the stored URL is unchanged.
  EXPECT_TRUE(std::filesystem::is_regular_file(m->path() + "/python/small.py"));
  EXPECT_EQ(ReadAll(m->path() + "/python/small.py"), "print('small')\n");
  CommandResult got = Shell(Quote(LayerfsBinary()) + " layers get " + kArn + " --store " +
                            Quote(store_));
  EXPECT_NE(got.output.find("layer.zip?token=1"), std::string::npos) << got.output;
}

TEST_F(LambdaRefreshTest, ACodeSizeOtherThanTheObjectsFailsTheMountNamingIt) {
  const std::string arn = "arn:aws:lambda:eu-west-3:123456789012:layer:deps:4";
  PublishRemote(arn, files_->Url("layer.zip?token=9"), size_ + 1);
  std::unique_ptr<Mount> m = MountArn(arn, "mnt");
  EXPECT_NE(m->result().exit_code, 0);
  EXPECT_NE(m->result().output.find(arn + ": " + files_->Url("layer.zip?token=9") +
                                    ": the object has " +
                                    std::to_string(size_) + " bytes, but its CodeSize is " +
                                    std::to_string(size_ + 1)),
            std::string::npos)
      << m->result().output;
}

TEST_F(LambdaRefreshTest, AnArnNotInTheStoreIsAskedOfLambdaWhenThereAreCredentials) {
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=2"), sha_,
                                                size_));
  std::unique_ptr<Mount> m = MountArn(kArn, "mnt");
  ASSERT_TRUE(m->ok()) << m->result().output;
  EXPECT_EQ(ReadAll(m->path() + "/python/big.bin"), big_);
  CommandResult signed_ok =
      Shell("/usr/bin/python3 " +
            Quote(std::string(LAYERFS_SOURCE_DIR) + "/tests/support/verify_sigv4.py") + " " +
            Quote(lambda_.Requests()) + " " + Quote(kKey) + " " + Quote(kSecret));
  EXPECT_NE(signed_ok.output.find("verified 1\n"), std::string::npos) << signed_ok.output;
  // Nothing was stored: a version from Lambda is only read.
  EXPECT_NE(Shell(Quote(LayerfsBinary()) + " layers get " + kArn + " --store " + Quote(store_))
                .exit_code,
            0);

  // A version Lambda does not have either: the error says both.
  const std::string gone = "arn:aws:lambda:eu-west-3:123456789012:layer:gone:1";
  std::unique_ptr<Mount> missing = MountArn(gone, "mnt-gone");
  EXPECT_NE(missing->result().exit_code, 0);
  EXPECT_NE(missing->result().output.find(
                gone + ": GetLayerVersion (" + lambda_.Endpoint() +
                "/2018-10-31/layers/arn%3Aaws%3Alambda%3Aeu-west-3%3A123456789012%3Alayer%3Agone/"
                "versions/1) answered 404 (ResourceNotFoundException: The resource you "
                "requested does not exist.) (" + gone + " is not in the layer store)"),
            std::string::npos)
      << missing->result().output;
}

TEST_F(LambdaRefreshTest, AnArnInNeitherTheStoreNorReachWithoutCredentialsSaysHowToFixIt) {
  Unset("AWS_ACCESS_KEY_ID");
  Unset("AWS_SECRET_ACCESS_KEY");
  std::unique_ptr<Mount> m = MountArn(kArn, "mnt");
  EXPECT_NE(m->result().exit_code, 0);
  const std::string& out = m->result().output;
  EXPECT_NE(out.find(kArn + ": no layer arn:aws:lambda:eu-west-3:123456789012:layer:deps in the "
                            "layer store " + store_),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("nor can Lambda's GetLayerVersion be asked: "), std::string::npos) << out;
  EXPECT_NE(out.find("layerfs publish --from-get-layer-version F.json [ZIP]"), std::string::npos)
      << out;
  EXPECT_FALSE(std::filesystem::exists(lambda_.Requests()));
}

// `layerfs remount` and SIGHUP hand the daemon layers as named: an ARN is
// resolved as `layerfs mount` resolves it and keeps renewing its URL.
class LambdaRemountTest : public LambdaRefreshTest {
 protected:
  // The zip itself, mounted from disk: the stack a remount replaces.
  std::unique_ptr<Mount> MountZip(const std::string& name) {
    return std::make_unique<Mount>(
        std::vector<std::string>{zip_}, tmp_ / name,
        "--remote-timeout=10 --log-level info --store " + Quote(store_) + " --log-file " +
            Quote(log_));
  }
  CommandResult Remount(const Mount& m, const std::string& args) {
    return Shell(Quote(LayerfsBinary()) + " remount " + Quote(m.path()) + " " + args);
  }
  void WaitForStack(int n) {
    const std::string mark = "(stack " + std::to_string(n) + ")";
    for (int i = 0; i < 250 && Log().find(mark) == std::string::npos; ++i) ::usleep(20000);
    ASSERT_NE(Log().find(mark), std::string::npos) << Log();
  }
};

TEST_F(LambdaRemountTest, ARemountToAnArnFromLambdaRenewsItsExpiredUrl) {
  std::unique_ptr<Mount> m = MountZip("mnt");
  ASSERT_TRUE(m->ok()) << m->result().output;
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=1"), sha_,
                                                size_));
  CommandResult r = Remount(*m, kArn);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  WaitForStack(1);
  EXPECT_EQ(ReadAll(m->path() + "/python/small.py"), "print('small')\n");
  EXPECT_NE(files_->RequestLog().back().find("token=1"), std::string::npos);
  // Its presigned URL expires: the daemon asks Lambda again.
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=2"), sha_,
                                                size_));
  files_->SetFaults(R"({"expired": ["token=1"]})");
  EXPECT_EQ(ReadAll(m->path() + "/python/big.bin"), big_);
  ExpectRenewalLogged(kArn);
  EXPECT_NE(files_->RequestLog().back().find("token=2"), std::string::npos);
}

TEST_F(LambdaRemountTest, ASighupOfAnArnMountKeepsRenewing) {
  PublishRemote(kArn, files_->Url("layer.zip?token=1"), size_);
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=2"), sha_,
                                                size_));
  std::unique_ptr<Mount> m = MountArn(kArn, "mnt", "--log-level info");
  ASSERT_TRUE(m->ok()) << m->result().output;
  CommandResult pid = Shell("pgrep -f " + Quote("layerfs mount .*" + m->path()) + " | head -1");
  ASSERT_EQ(pid.exit_code, 0) << pid.output;
  ASSERT_EQ(::kill(std::stoi(pid.output), SIGHUP), 0);
  WaitForStack(1);
  files_->SetFaults(R"({"expired": ["token=1"]})");
  EXPECT_EQ(ReadAll(m->path() + "/python/big.bin"), big_);
  ExpectRenewalLogged(kArn);
  // The store recorded the fresh URL: a second SIGHUP resolves the ARN to
  // it and needs no renewal.
  ASSERT_EQ(::kill(std::stoi(pid.output), SIGHUP), 0);
  WaitForStack(2);
  EXPECT_EQ(ReadAll(m->path() + "/python/small.py"), "print('small')\n");
  EXPECT_NE(files_->RequestLog().back().find("token=2"), std::string::npos);
}

TEST_F(LambdaRemountTest, ARemountedStoreVersionWhoseCodeSha256ChangesIsEioNeverWrongBytes) {
  PublishRemote(kArn, files_->Url("layer.zip?token=1"), size_);
  const std::string other_sha = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=2"),
                                                other_sha, size_));
  std::unique_ptr<Mount> m = MountZip("mnt");
  ASSERT_TRUE(m->ok()) << m->result().output;
  // Named with --store on the remount: the same store the mount uses.
  CommandResult r = Remount(*m, kArn + " --store " + Quote(store_));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  WaitForStack(1);
  files_->SetFaults(R"({"expired": ["token=1"]})");
  ReadResult read = ReadRange(m->path() + "/python/big.bin", 3 << 20, 1 << 20);
  EXPECT_EQ(read.error, EIO) << std::strerror(read.error);
  EXPECT_TRUE(read.bytes.empty());
  for (const std::string& line : files_->RequestLog()) {
    EXPECT_EQ(line.find("token=2"), std::string::npos) << "read from the new URL: " << line;
  }
  EXPECT_NE(Log().find(kArn + ": GetLayerVersion now gives CodeSha256 " + other_sha +
                       " but the layer store has " + sha_),
            std::string::npos)
      << Log();
}

TEST_F(LambdaRemountTest, ARemountToAnArnNoOneHasFailsAsTheMountWouldAndKeepsTheStack) {
  Unset("AWS_ACCESS_KEY_ID");
  Unset("AWS_SECRET_ACCESS_KEY");
  std::unique_ptr<Mount> m = MountZip("mnt");
  ASSERT_TRUE(m->ok()) << m->result().output;
  CommandResult r = Remount(*m, kArn);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("layerfs: remount " + m->path() + ": layer 1: " + kArn +
                          ": no layer arn:aws:lambda:eu-west-3:123456789012:layer:deps in the "
                          "layer store " + store_),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("nor can Lambda's GetLayerVersion be asked: "), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("layerfs publish --from-get-layer-version F.json [ZIP]"),
            std::string::npos)
      << r.output;
  std::unique_ptr<Mount> refused = MountArn(kArn, "mnt-refused");
  ASSERT_NE(refused->result().exit_code, 0);
  // The mount says the same, word for word.
  const std::string& said = refused->result().output;
  const size_t at = said.find("layer 1: ");
  ASSERT_NE(at, std::string::npos) << said;
  const std::string reason = said.substr(at, said.find("; nothing mounted") - at);
  EXPECT_NE(r.output.find(reason), std::string::npos) << r.output << "\nvs\n" << said;
  // The old stack still serves.
  EXPECT_EQ(ReadAll(m->path() + "/python/small.py"), "print('small')\n");
}

TEST_F(LambdaRemountTest, AnArnInAnFstabSourceIsResolvedAndRenewsToo) {
  PublishRemote(kArn, files_->Url("layer.zip?token=1"), size_);
  lambda_.Answer("deps", 3, GetLayerVersionJson(kArn, files_->Url("layer.zip?token=2"), sha_,
                                                size_));
  // The mount.fuse3 form, as mount(8) runs an fstab line: the ARN's own
  // colons do not split the SOURCE.
  WriteFile(tmp_ / "other/python/other.py", "other\n");
  const std::string other = tmp_ / "other.zip";
  ASSERT_EQ(Shell("cd " + Quote(tmp_ / "other") + " && zip -qr " + Quote(other) + " .").exit_code,
            0);
  const std::string mnt = tmp_ / "fstab-mnt";
  std::filesystem::create_directories(mnt);
  CommandResult r = Shell(Quote(LayerfsBinary()) + " " + Quote(other + ":" + kArn) + " " +
                          Quote(mnt) + " -o store=" + store_ +
                          ",log_file=" + log_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadAll(mnt + "/python/other.py"), "other\n");
  EXPECT_EQ(ReadAll(mnt + "/python/small.py"), "print('small')\n");
  files_->SetFaults(R"({"expired": ["token=1"]})");
  EXPECT_EQ(ReadAll(mnt + "/python/big.bin"), big_);
  ExpectRenewalLogged(kArn);
  EXPECT_EQ(Shell(Quote(LayerfsBinary()) + " unmount " + Quote(mnt)).exit_code, 0);
}

}  // namespace
}  // namespace layerfs::test
