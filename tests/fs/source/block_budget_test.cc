// BlockBudget (one LRU of remote blocks for all the layers of a daemon)
// and BlockClaims (the read loop over it): eviction across owners,
// Forget, oversized blocks, concurrent use, and concurrent reads of one
// block loading it once.
#include "fs/source/block_budget.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "fs/source/block_claims.h"

namespace layerfs {
namespace {

using Block = BlockBudget::Block;

// A block whose bytes say whose it is.
constexpr size_t kBlockBytes = 1000;

Block MakeBlock(uint64_t owner, uint64_t index, size_t size = kBlockBytes) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = char((owner * 131 + index * 7 + i) & 0xff);
  return std::make_shared<const std::string>(std::move(s));
}

TEST(BlockBudgetTest, EvictsTheLeastRecentlyUsedBlockOfAnyOwner) {
  BlockBudget budget(4000);
  const uint64_t a = budget.NewOwner(), b = budget.NewOwner();
  ASSERT_NE(a, b);
  budget.Insert(a, 0, MakeBlock(a, 0));
  budget.Insert(a, 1, MakeBlock(a, 1));
  budget.Insert(b, 0, MakeBlock(b, 0));
  budget.Insert(b, 1, MakeBlock(b, 1));
  EXPECT_EQ(budget.bytes_held(), 4000u);
  ASSERT_NE(budget.Find(a, 0), nullptr);  // now the most recent: b's older block goes first
  budget.Insert(b, 2, MakeBlock(b, 2));
  EXPECT_EQ(budget.bytes_held(), 4000u);
  EXPECT_EQ(budget.Find(a, 1), nullptr) << "the least recently used block, another owner's";
  EXPECT_EQ(*budget.Find(a, 0), *MakeBlock(a, 0));
  EXPECT_EQ(*budget.Find(b, 0), *MakeBlock(b, 0)) << "same index, other owner: its own bytes";
  // Recency now (most recent first): b0 a0 b2 b1.
  budget.Insert(b, 3, MakeBlock(b, 3));
  budget.Insert(b, 4, MakeBlock(b, 4));
  EXPECT_FALSE(budget.Contains(b, 1));
  EXPECT_FALSE(budget.Contains(b, 2));
  EXPECT_TRUE(budget.Contains(a, 0));
  budget.Insert(b, 5, MakeBlock(b, 5));
  EXPECT_FALSE(budget.Contains(a, 0)) << "one busy owner may take the whole budget";
  EXPECT_EQ(budget.evictions(), 4u);
}

TEST(BlockBudgetTest, ForgetDropsOnlyThatOwnersBlocks) {
  BlockBudget budget(1 << 20);
  const uint64_t a = budget.NewOwner(), b = budget.NewOwner(), c = budget.NewOwner();
  for (uint64_t i = 0; i < 5; ++i) {
    budget.Insert(a, i, MakeBlock(a, i));
    budget.Insert(b, i, MakeBlock(b, i));
    budget.Insert(c, i, MakeBlock(c, i));
  }
  budget.Forget(b);
  EXPECT_EQ(budget.bytes_held(), 10000u);
  for (uint64_t i = 0; i < 5; ++i) {
    EXPECT_FALSE(budget.Contains(b, i));
    EXPECT_TRUE(budget.Contains(a, i));
    EXPECT_TRUE(budget.Contains(c, i));
  }
}

TEST(BlockBudgetTest, ABlockLargerThanTheBudgetIsNotKept) {
  BlockBudget none(0);
  const uint64_t a = none.NewOwner();
  none.Insert(a, 0, MakeBlock(a, 0));
  EXPECT_EQ(none.Find(a, 0), nullptr);
  EXPECT_EQ(none.bytes_held(), 0u);

  BlockBudget small(1500);
  const uint64_t b = small.NewOwner();
  small.Insert(b, 0, MakeBlock(b, 0));
  small.Insert(b, 1, MakeBlock(b, 1, 2000));
  EXPECT_EQ(small.bytes_held(), 0u) << "the big block pushed everything out, itself too";
  small.Insert(b, 2, MakeBlock(b, 2));
  small.Insert(b, 2, MakeBlock(b, 3));  // a second insert of one key keeps the first
  EXPECT_EQ(*small.Find(b, 2), *MakeBlock(b, 2));
}

TEST(BlockBudgetTest, ManyThreadsStayWithinTheBudgetAndFindTheirOwnBytes) {
  BlockBudget budget(8 * 1000);  // less than one thread's 12 blocks: evictions certain
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t me = budget.NewOwner();
      std::minstd_rand rng(t);
      for (int i = 0; i < 3000; ++i) {
        const uint64_t index = rng() % 12;
        if (Block got = budget.Find(me, index)) {
          if (*got != *MakeBlock(me, index)) ++bad;
        } else {
          budget.Insert(me, index, MakeBlock(me, index));
        }
        if (budget.bytes_held() > budget.capacity()) ++bad;
        if (i % 1000 == 999) budget.Forget(me);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(budget.bytes_held(), budget.capacity());
  EXPECT_GT(budget.evictions(), 0u);
}

TEST(BlockBudgetTest, ReservedBytesEvictCachedBlocksUntilReleased) {
  BlockBudget budget(10 * kBlockBytes);
  for (uint64_t i = 0; i < 10; ++i) budget.Insert(1, i, MakeBlock(1, i));
  EXPECT_EQ(budget.bytes_held(), 10 * kBlockBytes);
  budget.Reserve(3 * kBlockBytes);  // a load of three blocks in flight
  EXPECT_EQ(budget.bytes_held(), 7 * kBlockBytes);
  EXPECT_FALSE(budget.Contains(1, 0)) << "the least recently used go first";
  EXPECT_TRUE(budget.Contains(1, 3));
  // While the reservation stands, a newly kept block evicts another.
  budget.Insert(1, 20, MakeBlock(1, 20));
  EXPECT_EQ(budget.bytes_held(), 7 * kBlockBytes);
  budget.Release(3 * kBlockBytes);
  budget.Insert(1, 21, MakeBlock(1, 21));
  EXPECT_EQ(budget.bytes_held(), 8 * kBlockBytes);
}

TEST(BlockClaimsTest, BlocksInFlightCountAgainstTheBudget) {
  // A read-ahead of 8 blocks into a budget of 10 that is full: the load
  // runs with 8 blocks' room made, so cached plus fetched never exceed it.
  auto budget = std::make_shared<BlockBudget>(10 * kBlockBytes);
  for (uint64_t i = 100; i < 110; ++i) budget->Insert(2, i, MakeBlock(2, i));
  BlockClaims claims(budget, kBlockBytes);
  std::vector<Block> have(8);
  uint64_t held_while_loading = 0;
  Status s = claims.Read(
      0, 0, 8, have, std::chrono::steady_clock::now() + std::chrono::seconds(5),
      [](uint64_t) { return true; },
      [&](const std::vector<uint64_t>& mine) {
        held_while_loading = budget->bytes_held();
        for (uint64_t i : mine) {
          have[i] = MakeBlock(1, i);
          claims.Keep(i, have[i]);
        }
        return Status::Ok();
      },
      "test");
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(held_while_loading, 2 * kBlockBytes);
  EXPECT_LE(budget->bytes_held(), budget->capacity());
  EXPECT_TRUE(budget->Contains(1, 7));
}

TEST(BlockClaimsTest, ConcurrentReadsOfOneBlockLoadItOnce) {
  auto budget = std::make_shared<BlockBudget>(0);  // nothing kept: claims alone prevent reloads
  BlockClaims claims(budget, kBlockBytes);
  std::atomic<int> loads{0}, bad{0}, loading{0};
  std::vector<std::thread> threads;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      std::vector<Block> have(3);
      Status s = claims.Read(
          4, 5, 7, have, deadline, [](uint64_t) { return true; },
          [&](const std::vector<uint64_t>& mine) {
            ++loads;
            if (++loading > 1) ++bad;  // two loaders of one block at once
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            --loading;
            for (uint64_t i : mine) {
              have[i - 4] = MakeBlock(1, i);
              claims.Keep(i, have[i - 4]);
            }
            return Status::Ok();
          },
          "test");
      // With nothing kept in memory, a waiter loads after the first
      // loader is done; it never loads while another holds the claim.
      if (!s.ok() || *have[0] != *MakeBlock(1, 4) || *have[1] != *MakeBlock(1, 5)) ++bad;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_LE(loads.load(), 6);
}

TEST(BlockClaimsTest, WaitersTakeTheBlockTheLoaderKept) {
  auto budget = std::make_shared<BlockBudget>(1 << 20);
  BlockClaims claims(budget, kBlockBytes);
  std::atomic<int> loads{0}, bad{0};
  std::vector<std::thread> threads;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      std::vector<Block> have(4);
      Status s = claims.Read(
          0, 1, 4, have, deadline, [](uint64_t i) { return i != 3; },
          [&](const std::vector<uint64_t>& mine) {
            ++loads;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            for (uint64_t i : mine) {
              have[i] = MakeBlock(1, i);
              claims.Keep(i, have[i]);
            }
            return Status::Ok();
          },
          "test");
      if (!s.ok() || *have[0] != *MakeBlock(1, 0) || *have[1] != *MakeBlock(1, 1)) ++bad;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(loads.load(), 1) << "one load; the others waited for it";
  EXPECT_TRUE(budget->Contains(1, 2)) << "read ahead with the load";
  EXPECT_FALSE(budget->Contains(1, 3)) << "refused by may_read_ahead";
}

TEST(BlockClaimsTest, WaitingEndsAtTheDeadline) {
  auto budget = std::make_shared<BlockBudget>(1 << 20);
  BlockClaims claims(budget, kBlockBytes);
  std::atomic<bool> started{false};
  std::thread slow([&] {
    std::vector<Block> have(1);
    (void)claims.Read(
        0, 0, 1, have, std::chrono::steady_clock::now() + std::chrono::seconds(20),
        [](uint64_t) { return true; },
        [&](const std::vector<uint64_t>&) {
          started = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(800));
          return Status::IoError("gave up");
        },
        "slow");
  });
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<Block> have(1);
  Status s = claims.Read(
      0, 0, 1, have, std::chrono::steady_clock::now() + std::chrono::milliseconds(100),
      [](uint64_t) { return true; }, [](const std::vector<uint64_t>&) { return Status::Ok(); },
      "waiter");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("waiter"), std::string::npos) << s.message();
  slow.join();
}

TEST(BlockClaimsTest, RunsAreTheContiguousStretches) {
  using Runs = std::vector<std::pair<uint64_t, uint64_t>>;
  EXPECT_EQ(BlockClaims::Runs({}), Runs{});
  EXPECT_EQ(BlockClaims::Runs({3}), (Runs{{3, 4}}));
  EXPECT_EQ(BlockClaims::Runs({1, 2, 3, 5, 7, 8}), (Runs{{1, 4}, {5, 6}, {7, 9}}));
}

}  // namespace
}  // namespace layerfs
