// HttpSource's 403 refresh (RemoteOptions::refresh) and OpenSource's
// expected size, against range_server.py's "expired" fault: a URL past
// its expiry is renewed once however many readers hit it at once, a
// refresh that fails is an error naming the URL and both reasons, and an
// object of another size than expected does not open.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "fs/source/http_source.h"
#include "fs/source/open_source.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/range_server.h"

namespace layerfs {
namespace {

using test::RangeServer;
using test::ScratchDir;
using testing_bytes::Noise;

class HttpSourceRefreshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = Noise(8 * kBlock + 999, 11);
    std::ofstream(dir_ / "obj.bin", std::ios::binary) << bytes_;
    server_ = std::make_unique<RangeServer>(dir_.path());
    ASSERT_TRUE(server_->ok()) << "range_server.py did not start";
    options_.block_size = kBlock;
    options_.tail_bytes = 16 << 10;
    options_.max_read_ahead = 0;
    options_.backoff = std::chrono::milliseconds(10);
    options_.timeout = std::chrono::milliseconds(5000);
  }

  static constexpr uint64_t kBlock = 64 << 10;
  ScratchDir dir_;
  std::string bytes_;
  std::unique_ptr<RangeServer> server_;
  RemoteOptions options_;
};

TEST_F(HttpSourceRefreshTest, AnExpiredUrlIsRenewedOnceForManyConcurrentReaders) {
  std::atomic<int> refreshes{0};
  std::string reason_seen;
  options_.refresh = [&](const std::string& reason) -> Result<RemoteTarget> {
    ++refreshes;
    reason_seen = reason;  // written once: refreshes are serialised
    return RemoteTarget{.url = server_->Url("obj.bin?token=2"), .auth = {}};
  };
  Result<std::unique_ptr<HttpSource>> s =
      HttpSource::Open(server_->Url("obj.bin?token=1"), options_);
  ASSERT_TRUE(s.ok()) << s.status().message();
  server_->SetFaults(R"({"expired": ["token=1"]})");
  std::vector<std::thread> readers;
  std::vector<std::string> got(8);
  for (int i = 0; i < 8; ++i) {
    readers.emplace_back([&, i] {
      std::string out(kBlock, '\0');
      Result<size_t> n = (*s)->ReadAt(uint64_t(i) * kBlock, out);
      got[i] = n.ok() ? out.substr(0, *n) : n.status().message();
    });
  }
  for (std::thread& t : readers) t.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(got[i], bytes_.substr(i * kBlock, kBlock)) << "block " << i;
  EXPECT_EQ(refreshes.load(), 1);
  EXPECT_EQ(reason_seen, "403 Forbidden (AccessDenied: Request has expired)");
}

TEST_F(HttpSourceRefreshTest, AFailedRefreshIsAnErrorNamingTheUrlAndBothReasons) {
  int refreshes = 0;
  options_.refresh = [&](const std::string&) -> Result<RemoteTarget> {
    ++refreshes;
    return Status::Corrupt("CodeSha256 changed");
  };
  const std::string url = server_->Url("obj.bin?token=1");
  Result<std::unique_ptr<HttpSource>> s = HttpSource::Open(url, options_);
  ASSERT_TRUE(s.ok()) << s.status().message();
  server_->SetFaults(R"({"expired": ["token=1"]})");
  std::string out(100, '\0');
  Result<size_t> n = (*s)->ReadAt(0, out);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), ErrorCode::kIoError);
  EXPECT_EQ(n.status().message(),
            url + ": bytes 0-65535: 403 Forbidden (AccessDenied: Request has expired); "
                  "refreshing failed: CodeSha256 changed");
  EXPECT_EQ(refreshes, 1);
}

TEST_F(HttpSourceRefreshTest, AnObjectOfAnotherSizeThanExpectedDoesNotOpen) {
  options_.expected_size = bytes_.size() + 1;
  Result<std::unique_ptr<ByteSource>> s = OpenSource(server_->Url("obj.bin"), options_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            server_->Url("obj.bin") + ": the object has " + std::to_string(bytes_.size()) +
                " bytes, but its CodeSize is " + std::to_string(bytes_.size() + 1));
  options_.expected_size = bytes_.size();
  EXPECT_TRUE(OpenSource(server_->Url("obj.bin"), options_).ok());
}

}  // namespace
}  // namespace layerfs
