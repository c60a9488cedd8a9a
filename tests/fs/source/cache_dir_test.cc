// CacheDir and CacheLayer (fs/source/cache_dir.h): directories refused
// for the right reasons, blocks written atomically and read back only
// when whole and unaltered, keys, the URL index, the size bound, and
// eviction of whole layers in LRU order that never touches a busy one.
#include "fs/source/cache_dir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/mount_harness.h"
#include "tests/support/noise_bytes.h"

namespace layerfs {
namespace {

using test::ScratchDir;
using testing_bytes::Noise;

std::shared_ptr<CacheDir> OpenOk(const std::string& path, uint64_t max = 1 << 30) {
  Result<std::shared_ptr<CacheDir>> c = CacheDir::Open(path, max);
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : nullptr;
}

std::unique_ptr<CacheLayer> LayerOk(CacheDir& c, const std::string& key) {
  Result<std::unique_ptr<CacheLayer>> l = c.OpenLayer(key);
  EXPECT_TRUE(l.ok()) << l.status().message();
  return l.ok() ? std::move(*l) : nullptr;
}

bool Exists(const std::string& p) { return std::filesystem::exists(p); }

void SetUsed(const std::string& meta, time_t when) {
  struct timespec t[2] = {{when, 0}, {when, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, meta.c_str(), t, 0), 0) << meta;
}

TEST(CacheDirTest, CreatesAPrivateDirectory) {
  ScratchDir tmp;
  ASSERT_NE(OpenOk(tmp / "a/b/cache"), nullptr);
  struct stat st;
  ASSERT_EQ(::stat((tmp / "a/b/cache").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(Exists(tmp / "a/b/cache/layers"));
}

TEST(CacheDirTest, RefusesUnsafeOrUnusableDirectories) {
  ScratchDir tmp;
  std::ofstream(tmp / "file") << "x";
  Result<std::shared_ptr<CacheDir>> r = CacheDir::Open(tmp / "file", 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a directory"), std::string::npos);
  EXPECT_NE(r.status().message().find(tmp / "file"), std::string::npos);

  ::mkdir((tmp / "shared").c_str(), 0777);
  ::chmod((tmp / "shared").c_str(), 0777);
  r = CacheDir::Open(tmp / "shared", 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("writable by group or others"), std::string::npos);

  ::mkdir((tmp / "theirs").c_str(), 0700);
  ASSERT_EQ(::chown((tmp / "theirs").c_str(), ::geteuid() + 4242, ::getegid()), 0);
  r = CacheDir::Open(tmp / "theirs", 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("owned by uid"), std::string::npos);

  EXPECT_FALSE(CacheDir::Open("relative/dir", 1 << 20).ok());
}

TEST(CacheDirTest, KeysMustBePlainNames) {
  ScratchDir tmp;
  auto c = OpenOk(tmp / "c");
  EXPECT_FALSE(c->OpenLayer("../escape").ok());
  EXPECT_FALSE(c->OpenLayer("").ok());
  EXPECT_FALSE(c->OpenLayer("UPPER").ok());
  EXPECT_TRUE(c->OpenLayer("u0123abc").ok());
}

TEST(CacheDirTest, BlocksAreWrittenAtomicallyAndReadBackExactly) {
  ScratchDir tmp;
  auto c = OpenOk(tmp / "c");
  auto layer = LayerOk(*c, "sabc");
  const std::string data = Noise(70000, 3);
  ASSERT_TRUE(layer->WriteBlock("b0", data));
  EXPECT_EQ(layer->ReadBlock("b0", data.size()), data);
  EXPECT_TRUE(layer->HasBlock("b0", data.size()));
  EXPECT_FALSE(layer->HasBlock("b0", data.size() - 1));
  EXPECT_EQ(layer->ReadBlock("b1", data.size()), std::nullopt);
  for (const auto& e : std::filesystem::directory_iterator(tmp / "c/layers/sabc")) {
    EXPECT_EQ(e.path().filename().string().rfind("tmp.", 0), std::string::npos)
        << "a temp file was left behind: " << e.path();
  }
}

TEST(CacheDirTest, TruncatedOrAlteredBlocksReadAsMissing) {
  ScratchDir tmp;
  auto c = OpenOk(tmp / "c");
  auto layer = LayerOk(*c, "sabc");
  const std::string data = Noise(5000, 4);
  const std::string file = tmp / "c/layers/sabc/b0";
  ASSERT_TRUE(layer->WriteBlock("b0", data));
  EXPECT_EQ(layer->ReadBlock("b0", data.size() + 1), std::nullopt) << "wrong length";

  {  // one byte changed in the data
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(1234);
    f.put(char(data[1234] ^ 0x5a));
  }
  EXPECT_EQ(layer->ReadBlock("b0", data.size()), std::nullopt);

  ASSERT_TRUE(layer->WriteBlock("b0", data));
  ASSERT_EQ(::truncate(file.c_str(), 3000), 0);
  EXPECT_EQ(layer->ReadBlock("b0", data.size()), std::nullopt);
  EXPECT_FALSE(layer->HasBlock("b0", data.size()));

  // A whole, valid block of the same length under another name.
  ASSERT_TRUE(layer->WriteBlock("b0", data));
  std::string other = Noise(5000, 5);
  ASSERT_TRUE(layer->WriteBlock("b1", other));
  std::filesystem::copy_file(tmp / "c/layers/sabc/b1", file,
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(layer->ReadBlock("b0", data.size()), std::nullopt) << "b1's bytes served as b0's";
  EXPECT_EQ(layer->ReadBlock("b1", data.size()), other);
}

TEST(CacheDirTest, MetaRoundTripsAndGarbageIsIgnored) {
  ScratchDir tmp;
  auto c = OpenOk(tmp / "c");
  auto layer = LayerOk(*c, "sabc");
  EXPECT_EQ(layer->ReadMeta(), std::nullopt);
  LayerMeta m{.url = "http://h/x.zip", .size = 12345, .mtime = 99, .block_size = 4096,
              .tail_offset = 10000, .sha256 = "ab", .complete = true};
  ASSERT_TRUE(layer->WriteMeta(m).ok());
  std::optional<LayerMeta> back = layer->ReadMeta();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->url, m.url);
  EXPECT_EQ(back->size, m.size);
  EXPECT_EQ(back->mtime, m.mtime);
  EXPECT_EQ(back->tail_offset, m.tail_offset);
  EXPECT_EQ(back->sha256, m.sha256);
  EXPECT_TRUE(back->complete);
  std::ofstream(tmp / "c/layers/sabc/meta") << "layerfs-cache 1\nsize 10\nblock_size 0\n";
  EXPECT_EQ(layer->ReadMeta(), std::nullopt);
  std::ofstream(tmp / "c/layers/sabc/meta") << "something else\n";
  EXPECT_EQ(layer->ReadMeta(), std::nullopt);
}

TEST(CacheDirTest, UrlIndexIgnoresTheQuery) {
  ScratchDir tmp;
  auto c = OpenOk(tmp / "c");
  EXPECT_EQ(c->LayerForUrl("http://h/a.zip"), std::nullopt);
  c->RememberUrl("http://h/a.zip?X-Amz-Signature=1", "u12");
  EXPECT_EQ(c->LayerForUrl("http://h/a.zip?X-Amz-Signature=2"), "u12");
  EXPECT_EQ(c->LayerForUrl("http://h/b.zip"), std::nullopt);
}

TEST(CacheDirTest, EvictsWholeLayersLeastRecentlyUsedFirstAndSkipsBusyOnes) {
  ScratchDir tmp;
  const std::string root = tmp / "c";
  {
    auto c = OpenOk(root);
    for (const char* key : {"sa", "sb", "sc", "sd"}) {
      auto layer = LayerOk(*c, key);
      ASSERT_TRUE(layer->WriteMeta(LayerMeta{.size = 1, .block_size = 1}).ok());
      ASSERT_TRUE(layer->WriteBlock("b0", Noise(100000, 1)));
    }
  }
  // Use order, oldest first: sb, sa, sc, sd; sb stays in use.
  auto c = OpenOk(root, 250000);
  auto busy = LayerOk(*c, "sb");
  SetUsed(root + "/layers/sb/meta", 1000);
  SetUsed(root + "/layers/sa/meta", 2000);
  SetUsed(root + "/layers/sc/meta", 3000);
  SetUsed(root + "/layers/sd/meta", 4000);
  uint64_t after = c->Evict();
  EXPECT_LE(after, 250000u / 10 * 9);
  EXPECT_TRUE(Exists(root + "/layers/sb")) << "a busy layer is never evicted";
  EXPECT_FALSE(Exists(root + "/layers/sa")) << "the oldest unused layer goes first";
  EXPECT_FALSE(Exists(root + "/layers/sc"));
  EXPECT_TRUE(Exists(root + "/layers/sd")) << "evicted more than needed";
  EXPECT_EQ(busy->ReadBlock("b0", 100000), Noise(100000, 1));
  EXPECT_TRUE(std::filesystem::is_empty(root + "/trash"));
}

TEST(CacheDirTest, ReserveKeepsTheBoundWhenNothingCanBeEvicted) {
  ScratchDir tmp;
  auto c = OpenOk(tmp / "c", 150000);
  auto layer = LayerOk(*c, "sa");
  EXPECT_TRUE(layer->WriteBlock("b0", Noise(100000, 1)));
  EXPECT_FALSE(layer->WriteBlock("b1", Noise(100000, 2))) << "over the bound";
  EXPECT_FALSE(Exists(tmp / "c/layers/sa/b1"));
  EXPECT_TRUE(Exists(tmp / "c/layers/sa/b0"));
}

TEST(CacheDirTest, SmallBlocksCountTheDiskSpaceTheyTake) {
  // A 16 KiB block and its 16-byte trailer take five 4 KiB file-system
  // blocks: ten of them fill 200 KiB of bound, not 160.
  ScratchDir tmp;
  auto c = OpenOk(tmp / "c", 200 << 10);
  auto layer = LayerOk(*c, "sa");
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(layer->WriteBlock("b" + std::to_string(i), Noise(16 << 10, i))) << i;
  }
  EXPECT_FALSE(layer->WriteBlock("b10", Noise(16 << 10, 10))) << "the bound is reached";
}

TEST(CacheDirTest, ALayerEvictedWhileUnusedIsRecreatedOnOpen) {
  ScratchDir tmp;
  auto c = OpenOk(tmp / "c", 1000);
  {
    auto layer = LayerOk(*c, "sa");
    ASSERT_TRUE(layer->WriteMeta(LayerMeta{.size = 1, .block_size = 1}).ok());
  }
  std::ofstream(tmp / "c/layers/sa/b0") << Noise(5000, 1);
  c->Evict();
  EXPECT_FALSE(Exists(tmp / "c/layers/sa"));
  auto again = LayerOk(*c, "sa");
  EXPECT_EQ(again->ReadMeta(), std::nullopt);
  EXPECT_TRUE(Exists(tmp / "c/layers/sa/lock"));
}

}  // namespace
}  // namespace layerfs
