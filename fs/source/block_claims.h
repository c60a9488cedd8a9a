// BlockClaims: the loop every read of a remote source's blocks runs, and
// the blocks of that source some thread is loading now. A read takes the
// blocks memory holds (the daemon's shared BlockBudget), waits for the
// ones another thread is loading, claims the rest (and, with them, the
// read-ahead blocks nobody has), loads what it claimed with no lock held,
// then releases the claims. So concurrent reads of one source never load
// a block twice. Used by HttpSource (which fetches the claimed runs) and
// DiskCachedSource (which takes them from the block files or the remote).
//
// Thread-safety: internally locked by mu_, which guards claimed_
// (released_ signals each release). The budget's lock is taken inside it
// (a leaf); `may_read_ahead` runs with mu_ held, `load` with no lock of
// this class held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fs/base/status.h"
#include "fs/source/block_budget.h"

namespace layerfs {

class BlockClaims {
 public:
  using Block = BlockBudget::Block;
  // Loads the claimed blocks (ascending): puts block i in have[i - first]
  // and Keep()s it.
  using Loader = std::function<Status(const std::vector<uint64_t>& claimed)>;

  // `block_size`: the bytes a claimed block reserves in the budget while
  // it loads.
  BlockClaims(std::shared_ptr<BlockBudget> budget, uint64_t block_size);
  ~BlockClaims();  // drops this source's blocks from the budget
  BlockClaims(const BlockClaims&) = delete;
  BlockClaims& operator=(const BlockClaims&) = delete;

  // Fills have[i - first] for every block i in [first, last]; `have` has
  // a slot for each block up to `ahead_end` (exclusive): read-ahead blocks
  // after `last` are loaded along with a load that happens anyway, when
  // nobody has or loads them and `may_read_ahead(i)` agrees. Waiting for
  // another thread ends at `deadline`: an IoError naming `who`.
  Status Read(uint64_t first, uint64_t last, uint64_t ahead_end, std::vector<Block>& have,
              std::chrono::steady_clock::time_point deadline,
              const std::function<bool(uint64_t)>& may_read_ahead, const Loader& load,
              const std::string& who);

  // Keeps a loaded block in memory, within the budget; only for a block
  // the caller claimed (its reservation is given back).
  void Keep(uint64_t index, Block block) {
    budget_->Insert(owner_, index, std::move(block), block_size_);
  }

  // The contiguous runs [from, to) of an ascending list of block indexes.
  static std::vector<std::pair<uint64_t, uint64_t>> Runs(const std::vector<uint64_t>& sorted);

 private:
  // One pass under mu_: takes held blocks, claims the missing ones free
  // to claim; `waiting` when some are another thread's.
  std::vector<uint64_t> Claim(uint64_t first, uint64_t last, uint64_t ahead_end,
                              std::vector<Block>& have, bool first_pass,
                              const std::function<bool(uint64_t)>& may_read_ahead,
                              bool& waiting);

  const std::shared_ptr<BlockBudget> budget_;
  const uint64_t owner_;
  const uint64_t block_size_;

  std::mutex mu_;
  std::condition_variable released_;
  std::set<uint64_t> claimed_;  // guarded by mu_
};

}  // namespace layerfs
