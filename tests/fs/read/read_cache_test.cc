#include "fs/read/read_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace layerfs {
namespace {

CacheKey Key(uint64_t block) {
  CacheKey key;
  key.source.words = {1, 2, 3, 4};
  key.local_header_offset = 5;
  key.compressed_size = 6;
  key.uncompressed_size = 7;
  key.block = block;
  return key;
}

CachedBytes Bytes(size_t size, char fill = 'b') {
  return std::make_shared<const ByteBuffer>(size, fill);
}

// A loader that counts its calls and returns `size` bytes.
struct CountingLoader {
  std::atomic<int>* calls;
  size_t size;
  char fill = 'b';
  Result<CachedBytes> operator()() const {
    ++*calls;
    return Bytes(size, fill);
  }
};

Result<CachedBytes> Load(ReadCache& cache, uint64_t block, size_t size,
                         std::atomic<int>* calls) {
  return cache.GetOrLoad(Key(block), CountingLoader{calls, size});
}

TEST(ReadCacheTest, MissThenHit) {
  ReadCache cache(1000);
  std::atomic<int> calls{0};
  Result<CachedBytes> first = Load(cache, 1, 100, &calls);
  ASSERT_TRUE(first.ok());
  Result<CachedBytes> second = Load(cache, 1, 100, &calls);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(first->get(), second->get());  // the same bytes, not a copy
  CacheStats stats = cache.stats();
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.bytes_held, 100u);
  EXPECT_EQ(stats.bytes_loaded, 100u);
  EXPECT_EQ(stats.capacity, 1000u);
  EXPECT_EQ(cache.capacity(), 1000u);
}

TEST(ReadCacheTest, EveryKeyFieldMatters) {
  ReadCache cache(1 << 20);
  std::atomic<int> calls{0};
  CacheKey base = Key(0);
  std::vector<CacheKey> keys(9, base);
  for (size_t i = 0; i < 4; ++i) keys[1 + i].source.words[i] = 99;
  keys[5].local_header_offset = 99;
  keys[6].compressed_size = 99;
  keys[7].uncompressed_size = 99;
  keys[8].block = 99;
  for (const CacheKey& k : keys) {
    ASSERT_TRUE(cache.GetOrLoad(k, CountingLoader{&calls, 10}).ok());
  }
  EXPECT_EQ(calls, 9);
  for (const CacheKey& k : keys) {
    ASSERT_TRUE(cache.GetOrLoad(k, CountingLoader{&calls, 10}).ok());
  }
  EXPECT_EQ(calls, 9);
  for (size_t i = 1; i < keys.size(); ++i) EXPECT_FALSE(keys[i] == base) << i;
}

TEST(ReadCacheTest, EvictsLeastRecentlyUsedByBytes) {
  ReadCache cache(100);
  std::atomic<int> calls{0};
  ASSERT_TRUE(Load(cache, 1, 40, &calls).ok());
  ASSERT_TRUE(Load(cache, 2, 40, &calls).ok());
  ASSERT_TRUE(Load(cache, 1, 40, &calls).ok());  // 1 is now the most recent
  ASSERT_TRUE(Load(cache, 3, 40, &calls).ok());  // 120 > 100: evicts 2
  EXPECT_EQ(calls, 3);
  EXPECT_NE(cache.Find(Key(1)), nullptr);
  EXPECT_EQ(cache.Find(Key(2)), nullptr);
  EXPECT_NE(cache.Find(Key(3)), nullptr);
  CacheStats stats = cache.stats();
  EXPECT_EQ(stats.evictions, 1u);
  EXPECT_EQ(stats.bytes_held, 80u);
}

TEST(ReadCacheTest, FindRefreshesRecency) {
  ReadCache cache(100);
  cache.Insert(Key(1), Bytes(50));
  cache.Insert(Key(2), Bytes(50));
  EXPECT_NE(cache.Find(Key(1)), nullptr);  // 2 is now the oldest
  cache.Insert(Key(3), Bytes(50));
  EXPECT_NE(cache.Find(Key(1)), nullptr);
  EXPECT_EQ(cache.Find(Key(2)), nullptr);
  EXPECT_NE(cache.Find(Key(3)), nullptr);
}

TEST(ReadCacheTest, OneLargeValueCanEvictSeveral) {
  ReadCache cache(100);
  for (uint64_t k = 0; k < 10; ++k) cache.Insert(Key(k), Bytes(10));
  EXPECT_EQ(cache.stats().bytes_held, 100u);
  cache.Insert(Key(100), Bytes(95));
  CacheStats stats = cache.stats();
  EXPECT_EQ(stats.bytes_held, 95u);
  EXPECT_EQ(stats.evictions, 10u);
  EXPECT_NE(cache.Find(Key(100)), nullptr);
}

TEST(ReadCacheTest, CapacityIsNeverExceeded) {
  ReadCache cache(1000);
  std::atomic<int> calls{0};
  for (uint64_t k = 0; k < 200; ++k) {
    ASSERT_TRUE(Load(cache, k, 1 + (k * 37) % 300, &calls).ok());
    ASSERT_LE(cache.stats().bytes_held, 1000u) << k;
  }
}

TEST(ReadCacheTest, ValuesLargerThanTheCacheAreReturnedButNotKept) {
  ReadCache cache(100);
  std::atomic<int> calls{0};
  cache.Insert(Key(1), Bytes(60));
  Result<CachedBytes> big = Load(cache, 2, 500, &calls);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ((*big)->size(), 500u);
  EXPECT_EQ(cache.Find(Key(2)), nullptr);
  EXPECT_NE(cache.Find(Key(1)), nullptr);  // nothing was evicted for it
  ASSERT_TRUE(Load(cache, 2, 500, &calls).ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.stats().bytes_held, 60u);
}

TEST(ReadCacheTest, ZeroCapacityCachesNothing) {
  ReadCache cache(0);
  std::atomic<int> calls{0};
  ASSERT_TRUE(Load(cache, 1, 10, &calls).ok());
  ASSERT_TRUE(Load(cache, 1, 10, &calls).ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.stats().bytes_held, 0u);
}

TEST(ReadCacheTest, EvictedBytesStayAliveForTheirReader) {
  ReadCache cache(100);
  std::atomic<int> calls{0};
  Result<CachedBytes> held = Load(cache, 1, 100, &calls);
  ASSERT_TRUE(held.ok());
  ASSERT_TRUE(Load(cache, 2, 100, &calls).ok());  // evicts 1
  EXPECT_EQ(cache.Find(Key(1)), nullptr);
  ASSERT_EQ((*held)->size(), 100u);
  EXPECT_EQ((**held)[99], 'b');
}

TEST(ReadCacheTest, InsertKeepsAnExistingValue) {
  ReadCache cache(100);
  cache.Insert(Key(1), Bytes(10, 'x'));
  cache.Insert(Key(1), Bytes(20, 'y'));
  CachedBytes found = cache.Find(Key(1));
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->size(), 10u);
  EXPECT_EQ((*found)[0], 'x');
  EXPECT_EQ(cache.stats().bytes_held, 10u);
}

TEST(ReadCacheTest, FailuresAreReturnedAndNotCached) {
  ReadCache cache(1000);
  int calls = 0;
  auto failing = [&calls]() -> Result<CachedBytes> {
    ++calls;
    return Status::Corrupt("layer.zip: entry x: CRC-32 mismatch");
  };
  Result<CachedBytes> first = cache.GetOrLoad(Key(1), failing);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(first.status().message(), "layer.zip: entry x: CRC-32 mismatch");
  Result<CachedBytes> second = cache.GetOrLoad(Key(1), failing);
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.Find(Key(1)), nullptr);
  EXPECT_EQ(cache.stats().bytes_held, 0u);

  // A later success is cached as usual.
  std::atomic<int> ok_calls{0};
  ASSERT_TRUE(Load(cache, 1, 10, &ok_calls).ok());
  ASSERT_TRUE(Load(cache, 1, 10, &ok_calls).ok());
  EXPECT_EQ(ok_calls, 1);
}

TEST(ReadCacheTest, ConcurrentMissesOfOneKeyRunTheLoaderOnce) {
  ReadCache cache(1 << 20);
  std::atomic<int> calls{0};
  std::atomic<int> started{0};
  constexpr int kThreads = 8;
  auto slow = [&]() -> Result<CachedBytes> {
    ++calls;
    // Stay in the loader until every thread has asked for the key.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (started < kThreads && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return Bytes(1000, 'z');
  };
  std::vector<const ByteBuffer*> got(kThreads, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++started;
      Result<CachedBytes> r = cache.GetOrLoad(Key(42), slow);
      if (r.ok()) got[t] = r->get();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(calls, 1);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_NE(got[t], nullptr) << t;
    EXPECT_EQ(got[t], got[0]) << t;
  }
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().bytes_loaded, 1000u);
}

TEST(ReadCacheTest, ConcurrentWaitersShareAFailureButDoNotCacheIt) {
  ReadCache cache(1 << 20);
  std::atomic<int> calls{0};
  std::atomic<int> started{0};
  constexpr int kThreads = 6;
  auto failing = [&]() -> Result<CachedBytes> {
    ++calls;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (started < kThreads && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    // Long enough for every thread that has started to reach the cache.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return Status::IoError("disk on fire");
  };
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      ++started;
      if (!cache.GetOrLoad(Key(7), failing).ok()) ++failures;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(failures, kThreads);
  std::atomic<int> ok_calls{0};
  EXPECT_TRUE(Load(cache, 7, 10, &ok_calls).ok());
  EXPECT_EQ(ok_calls, 1);
}

TEST(ReadCacheTest, ManyThreadsManyKeysStayConsistent) {
  ReadCache cache(64 * 1024);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        uint64_t block = uint64_t((i * 7 + t) % 97);
        char fill = char('a' + block % 26);
        size_t size = 500 + block * 13;
        Result<CachedBytes> r = cache.GetOrLoad(Key(block), [=]() -> Result<CachedBytes> {
          return Bytes(size, fill);
        });
        if (!r.ok() || (*r)->size() != size || (**r)[size - 1] != fill) ++errors;
        if (cache.stats().bytes_held > cache.capacity()) ++errors;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors, 0);
}

}  // namespace
}  // namespace layerfs
