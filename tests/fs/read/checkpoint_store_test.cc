// CheckpointStore: how densely large entries get checkpoints within the
// budget.
#include "fs/read/checkpoint_store.h"

#include <gtest/gtest.h>

namespace layerfs {
namespace {

TEST(CheckpointStoreTest, SpacingIsDenseUnlessTheBudgetIsShort) {
  CheckpointStore store(16 << 20);  // a 64 MiB --cache-size's quarter
  EXPECT_EQ(store.SpacingFor(120ull << 20), 256u << 10);
  // 5 GiB cannot have a window every 256 KiB in 16 MiB: the spacing widens
  // so that one entry's windows fit the budget.
  uint64_t wide = store.SpacingFor(5ull << 30);
  EXPECT_GT(wide, 256u << 10);
  EXPECT_LE((5ull << 30) / wide * (32 << 10), 16u << 20);
  CheckpointStore tiny(1 << 10);  // not even one window: still a spacing
  EXPECT_EQ(tiny.SpacingFor(8 << 20), (8u << 20) + 1);
}

}  // namespace
}  // namespace layerfs
