// HttpSource against the project's own loopback server
// (tests/support/range_server.py): exact bytes, request counts, and every
// injected fault ending in correct bytes or an error naming the URL.
#include "fs/source/http_source.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "fs/source/open_source.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/range_server.h"

namespace layerfs {
namespace {

using test::RangeServer;
using test::ScratchDir;
using testing_bytes::Noise;

class HttpSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = Noise(3 * kBlock + 12345, 7);
    std::ofstream(dir_ / "obj.bin", std::ios::binary) << bytes_;
    server_ = std::make_unique<RangeServer>(dir_.path());
    ASSERT_TRUE(server_->ok()) << "range_server.py did not start";
    options_.block_size = kBlock;
    options_.tail_bytes = 16 << 10;
    options_.max_read_ahead = 4 * kBlock;
    options_.backoff = std::chrono::milliseconds(10);
    options_.timeout = std::chrono::milliseconds(5000);
  }

  std::unique_ptr<HttpSource> Open() {
    Result<std::unique_ptr<HttpSource>> s = HttpSource::Open(server_->Url("obj.bin"), options_);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(*s) : nullptr;
  }

  Result<std::string> Read(const HttpSource& s, uint64_t offset, size_t n) {
    std::string out(n, '\0');
    Result<size_t> got = s.ReadAt(offset, out);
    if (!got.ok()) return got.status();
    out.resize(*got);
    return out;
  }

  static constexpr uint64_t kBlock = 64 << 10;
  ScratchDir dir_;
  std::string bytes_;
  std::unique_ptr<RangeServer> server_;
  RemoteOptions options_;
};

TEST_F(HttpSourceTest, OpenIsOneRequestAndLearnsSizeFromTheTail) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->size(), bytes_.size());
  EXPECT_EQ(server_->Requests(), 1);
  Result<std::string> tail = Read(*s, bytes_.size() - 1000, 5000);  // past the end: clamped
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, bytes_.substr(bytes_.size() - 1000));
  EXPECT_EQ(server_->Requests(), 1) << "the tail is served from the first response";
  Result<std::string> small = Read(*s, 100000, 300);
  ASSERT_TRUE(small.ok()) << small.status().message();
  EXPECT_EQ(*small, bytes_.substr(100000, 300));
  EXPECT_EQ(server_->Requests(), 2) << "a cold small read is one request";
  ASSERT_TRUE(Read(*s, 100300, 300).ok());
  EXPECT_EQ(server_->Requests(), 2) << "the block is cached";
}

TEST_F(HttpSourceTest, ServerAnsweringASuffixWithTheHeadCostsOneMoreRequest) {
  server_->SetFaults(R"({"suffix_as_head": true})");
  auto s = Open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->size(), bytes_.size());
  EXPECT_EQ(server_->Requests(), 2) << "the head, then the tail by its offsets";
  Result<std::string> tail = Read(*s, bytes_.size() - 1000, 1000);
  ASSERT_TRUE(tail.ok()) << tail.status().message();
  EXPECT_EQ(*tail, bytes_.substr(bytes_.size() - 1000));
  EXPECT_EQ(server_->Requests(), 2) << "the tail is served from the second response";
  Result<std::string> middle = Read(*s, 100000, 300);
  ASSERT_TRUE(middle.ok()) << middle.status().message();
  EXPECT_EQ(*middle, bytes_.substr(100000, 300));
  // A head that is not at 0 is still refused.
  server_->SetFaults(R"({"suffix_as_head": true, "wrong_range": true})");
  Result<std::unique_ptr<HttpSource>> bad = HttpSource::Open(server_->Url("obj.bin"), options_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(server_->Url("obj.bin")), std::string::npos);
}

TEST_F(HttpSourceTest, SequentialReadMatchesWithFewerRequestsThanBlocks) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::string all;
  for (uint64_t at = 0; at < bytes_.size(); at += 16 << 10) {
    Result<std::string> got = Read(*s, at, 16 << 10);
    ASSERT_TRUE(got.ok()) << got.status().message();
    all += *got;
  }
  EXPECT_EQ(all, bytes_);
  // 4 blocks, of which the read-ahead fetches the later ones together.
  EXPECT_LE(server_->Requests(), 3);
}

TEST_F(HttpSourceTest, ManyThreadsReadTheRightBytes) {
  options_.cache_bytes = 2 * kBlock;  // force evictions while reading
  auto s = Open();
  ASSERT_NE(s, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        uint64_t at = (uint64_t(t) * 7919 + uint64_t(i) * 104729) % bytes_.size();
        std::string out(5000, '\0');
        Result<size_t> got = s->ReadAt(at, out);
        if (!got.ok() || out.substr(0, *got) != bytes_.substr(at, *got)) ++bad;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST_F(HttpSourceTest, SourcesShareOneBudget) {
  options_.memory = std::make_shared<BlockBudget>(2 * kBlock);
  options_.max_read_ahead = 0;
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const int opened = server_->Requests();
  for (uint64_t at : {uint64_t(0), kBlock}) {
    ASSERT_EQ(*Read(*a, at, 100), bytes_.substr(at, 100));
  }
  EXPECT_EQ(options_.memory->bytes_held(), 2 * kBlock);
  for (uint64_t at : {2 * kBlock, uint64_t(0)}) {  // b's blocks push a's out
    ASSERT_EQ(*Read(*b, at, 100), bytes_.substr(at, 100));
  }
  EXPECT_EQ(options_.memory->bytes_held(), 2 * kBlock);
  EXPECT_EQ(server_->Requests(), opened + 4);
  ASSERT_EQ(*Read(*a, kBlock, 100), bytes_.substr(kBlock, 100));
  EXPECT_EQ(server_->Requests(), opened + 5) << "a's block was evicted for b's";
  b.reset();
  EXPECT_EQ(options_.memory->bytes_held(), kBlock) << "a closed source's blocks are dropped";
}

TEST_F(HttpSourceTest, ConcurrentMissesOfOneBlockAreOneRequest) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  server_->SetFaults(R"({"delay": 0.3})");  // the first request is still out when the rest miss
  const int before = server_->Requests();
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      uint64_t at = kBlock + uint64_t(t) * 1000;
      Result<std::string> got = Read(*s, at, 500);
      if (!got.ok() || *got != bytes_.substr(at, 500)) ++bad;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(server_->Requests() - before, 1) << "one block, fetched more than once";
}

TEST_F(HttpSourceTest, MissingObjectIsNotFoundNamingTheUrl) {
  Result<std::unique_ptr<HttpSource>> s = HttpSource::Open(server_->Url("nope.zip"), options_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(s.status().message().find(server_->Url("nope.zip")), std::string::npos);
}

TEST_F(HttpSourceTest, WholeBodyInsteadOfARangeIsAnError) {
  server_->SetFaults(R"({"full_200": true})");
  Result<std::unique_ptr<HttpSource>> s = HttpSource::Open(server_->Url("obj.bin"), options_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("obj.bin"), std::string::npos) << s.status().message();
  EXPECT_EQ(server_->Requests(), 1) << "not retried";
}

// Faults after Open: each read either returns the right bytes or fails.
struct FaultCase {
  const char* name;
  const char* faults;
  bool recovers;
};

class HttpSourceFaultTest : public HttpSourceTest,
                            public ::testing::WithParamInterface<FaultCase> {};

TEST_P(HttpSourceFaultTest, CorrectBytesOrAnErrorNamingTheUrl) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  server_->SetFaults(GetParam().faults);
  Result<std::string> got = Read(*s, 70000, 100000);
  if (GetParam().recovers) {
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(*got, bytes_.substr(70000, 100000));
  } else {
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), ErrorCode::kIoError);
    EXPECT_NE(got.status().message().find(server_->Url("obj.bin")), std::string::npos)
        << got.status().message();
  }
  // Healthy again, the same source reads correctly.
  server_->SetFaults("{}");
  Result<std::string> again = Read(*s, 10, 200000);
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(*again, bytes_.substr(10, 200000));
}

INSTANTIATE_TEST_SUITE_P(
    Faults, HttpSourceFaultTest,
    ::testing::Values(FaultCase{"Unavailable503Once", R"({"status": 503, "only": [2]})", true},
                      FaultCase{"Unavailable503Always", R"({"status": 503})", false},
                      FaultCase{"Forbidden", R"({"status": 403})", false},
                      FaultCase{"CutOnce", R"({"cut_after": 1000, "only": [2]})", true},
                      FaultCase{"CutAlways", R"({"cut_after": 1000})", false},
                      FaultCase{"ShortBodyOnce", R"({"short_body": true, "only": [2]})", true},
                      FaultCase{"Whole200", R"({"full_200": true})", false},
                      FaultCase{"WrongRange", R"({"wrong_range": true})", false},
                      FaultCase{"ChangedObject", R"({"etag": "\"other\""})", false}),
    [](const auto& p) { return std::string(p.param.name); });

TEST_F(HttpSourceTest, AStalledServerFailsWithinTheTimeout) {
  auto s = Open();
  ASSERT_NE(s, nullptr);
  options_.timeout = std::chrono::milliseconds(1000);
  auto slow = Open();
  ASSERT_NE(slow, nullptr);
  server_->SetFaults(R"({"delay": 4})");
  auto start = std::chrono::steady_clock::now();
  Result<std::string> got = Read(*slow, 0, 100);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("obj.bin"), std::string::npos);
  EXPECT_LT(took, std::chrono::milliseconds(3000)) << "bounded by --remote-timeout";
}

TEST_F(HttpSourceTest, IdentityFollowsUrlAndEtag) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->identity(), b->identity());
  server_->SetFaults(R"({"etag": "\"v2\""})");
  auto c = Open();
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(a->identity() == c->identity());
}

TEST(OpenSourceTest, PicksTheSourceByForm) {
  EXPECT_TRUE(IsRemoteSource("http://127.0.0.1:1/x.zip"));
  EXPECT_TRUE(IsRemoteSource("https://example.invalid/x.zip"));
  EXPECT_FALSE(IsRemoteSource("/tmp/http://x.zip"));
  EXPECT_FALSE(IsRemoteSource("layer.zip"));
  Result<std::unique_ptr<ByteSource>> missing = OpenSource("/nonexistent/layer.zip");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace layerfs
