// DiskCachedSource and OpenCachedRemote (fs/source/disk_cache.h) over an
// in-memory "remote" that counts opens and reads and can be taken down:
// a second open reads from disk, concurrent misses of one block fetch it
// once, damaged blocks are refetched, a complete layer opens offline
// (always with its SHA-256, only when the remote is down without), a
// wrong SHA-256 never completes, and a full cache still serves the bytes.
#include "fs/source/disk_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <openssl/sha.h>

#include "tests/integration/mount_harness.h"
#include "tests/support/noise_bytes.h"

namespace layerfs {
namespace {

using test::ScratchDir;
using testing_bytes::Noise;

constexpr uint64_t kBlock = 64 << 10;

// The remote object: shared by every source the opener makes.
struct Remote {
  std::string bytes;
  std::atomic<int> opens{0};
  std::atomic<int> reads{0};
  std::atomic<int> block0_reads{0};
  std::atomic<bool> down{false};
  std::chrono::milliseconds delay{0};
};

class RemoteSource final : public ByteSource {
 public:
  explicit RemoteSource(Remote& r) : r_(r) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return r_.bytes.size(); }
  int64_t mtime() const override { return 1700000000; }
  SourceIdentity identity() const override { return {{1, 2, 3, r_.bytes.size()}}; }
  Result<size_t> ReadAt(uint64_t offset, std::span<char> out) const override {
    if (r_.down) return Status::IoError(name_ + ": connection refused");
    r_.reads++;
    if (offset < kBlock) r_.block0_reads++;
    std::this_thread::sleep_for(r_.delay);
    size_t n = size_t(std::min<uint64_t>(out.size(), r_.bytes.size() - offset));
    std::memcpy(out.data(), r_.bytes.data() + offset, n);
    return n;
  }

 private:
  Remote& r_;
  const std::string name_ = "http://h/layer.zip";
};

std::string Sha256HexOf(const std::string& s) {
  unsigned char d[32];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  std::string hex;
  for (unsigned char c : d) {
    hex += "0123456789abcdef"[c >> 4];
    hex += "0123456789abcdef"[c & 15];
  }
  return hex;
}

class DiskCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    remote_.bytes = Noise(5 * kBlock + 777, 9);
    Open(1 << 30);
  }
  void Open(uint64_t max) {
    Result<std::shared_ptr<CacheDir>> c = CacheDir::Open(tmp_ / "cache", max);
    ASSERT_TRUE(c.ok()) << c.status().message();
    options_.cache = *c;
    options_.block_size = kBlock;
    options_.tail_bytes = 16 << 10;
    options_.timeout = std::chrono::seconds(10);
  }
  Result<std::unique_ptr<ByteSource>> OpenSource(const std::string& arg = "http://h/layer.zip") {
    return OpenCachedRemote(arg, options_, [this](const std::string& url)
                                               -> Result<std::unique_ptr<ByteSource>> {
      EXPECT_EQ(url, "http://h/layer.zip");
      if (remote_.down) return Status::IoError(url + ": connection refused");
      remote_.opens++;
      return std::unique_ptr<ByteSource>(std::make_unique<RemoteSource>(remote_));
    });
  }
  std::string ReadEverything(const ByteSource& s, size_t chunk = 10000) {
    std::string all(s.size(), '\0');
    for (size_t at = 0; at < all.size(); at += chunk) {
      Result<size_t> n = s.ReadAt(at, std::span<char>(all).subspan(at, std::min(chunk, all.size() - at)));
      EXPECT_TRUE(n.ok()) << n.status().message();
      if (!n.ok()) return "";
    }
    return all;
  }
  std::string LayerDir() const {
    for (const auto& e : std::filesystem::directory_iterator(tmp_ / "cache/layers")) {
      return e.path();
    }
    return "";
  }
  bool Complete() const {
    std::ifstream in(LayerDir() + "/meta");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    return text.find("complete 1") != std::string::npos;
  }

  ScratchDir tmp_;
  Remote remote_;
  RemoteOptions options_;
};

TEST(Sha256HexTest, AcceptsHexAndLambdasBase64) {
  std::string hex = Sha256HexOf("abc");
  EXPECT_EQ(Sha256Hex(hex), hex);
  std::string upper = hex;
  for (char& c : upper) c = char(std::toupper(c));
  EXPECT_EQ(Sha256Hex(upper), hex);
  // base64 of SHA-256("abc"), as Lambda's CodeSha256 would print it
  EXPECT_EQ(Sha256Hex("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="), hex);
  EXPECT_EQ(Sha256Hex("ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0"), std::nullopt);
  EXPECT_EQ(Sha256Hex(hex.substr(1) + "g"), std::nullopt);
  EXPECT_EQ(Sha256Hex(""), std::nullopt);
  EXPECT_EQ(SplitSha256Fragment("http://h/a.zip#sha256=ab"),
            (std::pair<std::string, std::string>{"http://h/a.zip", "ab"}));
  EXPECT_EQ(SplitSha256Fragment("http://h/a.zip").second, "");
}

TEST_F(DiskCacheTest, ABadExpectedDigestIsRefusedNamingTheUrl) {
  Result<std::unique_ptr<ByteSource>> s = OpenSource("http://h/layer.zip#sha256=nothex");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("http://h/layer.zip"), std::string::npos);
}

TEST_F(DiskCacheTest, ASecondOpenReadsTheDiskNotTheRemote) {
  {
    auto s = OpenSource();
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(ReadEverything(**s), remote_.bytes);
  }
  EXPECT_TRUE(Complete());
  int reads = remote_.reads;
  auto s = OpenSource();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(ReadEverything(**s, 4096), remote_.bytes);
  EXPECT_EQ(remote_.reads, reads) << "everything was on disk";
}

TEST_F(DiskCacheTest, ConcurrentMissesOfOneBlockFetchItOnce) {
  remote_.delay = std::chrono::milliseconds(100);
  auto s = OpenSource();
  ASSERT_TRUE(s.ok());
  // Two sources of one layer in one process stand for two daemons: they
  // share only the files and their locks.
  auto other = OpenSource();
  ASSERT_TRUE(other.ok());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const ByteSource& src = t % 2 ? **s : **other;
      std::string buf(100, '\0');
      Result<size_t> n = src.ReadAt(1000 + uint64_t(t) * 10, buf);
      if (!n.ok() || buf != remote_.bytes.substr(1000 + size_t(t) * 10, 100)) wrong++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(remote_.block0_reads, 1) << "block 0 was fetched more than once";
}

TEST_F(DiskCacheTest, DamagedBlocksAreRefetchedNeverServed) {
  {
    auto s = OpenSource();
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(ReadEverything(**s), remote_.bytes);
  }
  const std::string dir = LayerDir();
  {
    std::fstream f(dir + "/b1", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.put(char(remote_.bytes[kBlock + 10] ^ 1));
  }
  ASSERT_EQ(::truncate((dir + "/b3").c_str(), 100), 0);
  int reads = remote_.reads;
  auto s = OpenSource();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(ReadEverything(**s), remote_.bytes);
  EXPECT_EQ(remote_.reads, reads + 2) << "b1 and b3 refetched, nothing else";
}

TEST_F(DiskCacheTest, ACompleteLayerWithItsDigestOpensWithNoRemoteAtAll) {
  const std::string arg = "http://h/layer.zip#sha256=" + Sha256HexOf(remote_.bytes);
  {
    auto s = OpenSource(arg);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(ReadEverything(**s), remote_.bytes);
  }
  ASSERT_TRUE(Complete());
  EXPECT_EQ(LayerDir().substr(LayerDir().rfind('/') + 1), "s" + Sha256HexOf(remote_.bytes));
  int opens = remote_.opens;
  auto s = OpenSource(arg);  // the remote is up, and still not asked
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(dynamic_cast<const DiskCachedSource&>(**s).offline());
  EXPECT_EQ(ReadEverything(**s), remote_.bytes);
  EXPECT_EQ(remote_.opens, opens);
}

TEST_F(DiskCacheTest, AWrongDigestNeverCompletes) {
  const std::string arg = "http://h/layer.zip#sha256=" + Sha256HexOf("other bytes");
  {
    auto s = OpenSource(arg);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(ReadEverything(**s), remote_.bytes);
  }
  EXPECT_FALSE(Complete());
  remote_.down = true;
  EXPECT_FALSE(OpenSource(arg).ok()) << "served offline without a verified copy";
}

TEST_F(DiskCacheTest, AUrlOnlyLayerServesOfflineOnlyWhenTheRemoteIsDown) {
  {
    auto s = OpenSource();
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(ReadEverything(**s), remote_.bytes);
  }
  int opens = remote_.opens;
  {
    auto s = OpenSource();
    ASSERT_TRUE(s.ok());
    EXPECT_FALSE(dynamic_cast<const DiskCachedSource&>(**s).offline());
    EXPECT_EQ(remote_.opens, opens + 1) << "up: asked, so a changed object is seen";
  }
  remote_.down = true;
  auto s = OpenSource();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(dynamic_cast<const DiskCachedSource&>(**s).offline());
  EXPECT_EQ(ReadEverything(**s), remote_.bytes);
}

TEST_F(DiskCacheTest, AnIncompleteLayerDoesNotServeOffline) {
  {
    auto s = OpenSource();
    ASSERT_TRUE(s.ok());
    std::string buf(100, '\0');
    ASSERT_TRUE((*s)->ReadAt(0, buf).ok());
  }
  EXPECT_FALSE(Complete());
  remote_.down = true;
  Result<std::unique_ptr<ByteSource>> s = OpenSource();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kIoError);
}

TEST_F(DiskCacheTest, ACacheWithNoRoomStillServesTheRightBytes) {
  Open(1000);  // smaller than one block
  auto s = OpenSource();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(ReadEverything(**s), remote_.bytes);
  EXPECT_EQ(ReadEverything(**s, 33333), remote_.bytes);
  EXPECT_FALSE(std::filesystem::exists(LayerDir() + "/b0"));
}

TEST_F(DiskCacheTest, AFailingRemoteIsAnErrorAndNothingIsCached) {
  auto s = OpenSource();
  ASSERT_TRUE(s.ok());
  remote_.down = true;
  std::string buf(100, '\0');
  Result<size_t> n = (*s)->ReadAt(kBlock * 2, buf);
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("http://h/layer.zip"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(LayerDir() + "/b2"));
  remote_.down = false;
  n = (*s)->ReadAt(kBlock * 2, buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(buf, remote_.bytes.substr(kBlock * 2, 100));
}

}  // namespace
}  // namespace layerfs
