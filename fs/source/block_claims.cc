#include "fs/source/block_claims.h"

namespace layerfs {

BlockClaims::BlockClaims(std::shared_ptr<BlockBudget> budget, uint64_t block_size)
    : budget_(std::move(budget)), owner_(budget_->NewOwner()), block_size_(block_size) {}

BlockClaims::~BlockClaims() { budget_->Forget(owner_); }

std::vector<std::pair<uint64_t, uint64_t>> BlockClaims::Runs(const std::vector<uint64_t>& sorted) {
  std::vector<std::pair<uint64_t, uint64_t>> runs;
  for (uint64_t i : sorted) {
    if (!runs.empty() && runs.back().second == i) {
      runs.back().second = i + 1;
    } else {
      runs.push_back({i, i + 1});
    }
  }
  return runs;
}

std::vector<uint64_t> BlockClaims::Claim(uint64_t first, uint64_t last, uint64_t ahead_end,
                                         std::vector<Block>& have, bool first_pass,
                                         const std::function<bool(uint64_t)>& may_read_ahead,
                                         bool& waiting) {
  std::vector<uint64_t> mine;
  waiting = false;
  for (uint64_t i = first; i <= last; ++i) {
    if (have[i - first]) continue;
    if (Block b = budget_->Find(owner_, i)) {
      have[i - first] = std::move(b);
    } else if (claimed_.count(i) != 0) {
      waiting = true;  // another thread is loading it: wait, do not load it twice
    } else {
      claimed_.insert(i);
      mine.push_back(i);
    }
  }
  // Read ahead only with a load that happens anyway, contiguous with it,
  // over blocks nobody has or is loading.
  for (uint64_t i = last + 1; first_pass && i < ahead_end && !mine.empty() &&
                              mine.back() + 1 == i && claimed_.count(i) == 0 &&
                              !budget_->Contains(owner_, i) && may_read_ahead(i);
       ++i) {
    claimed_.insert(i);
    mine.push_back(i);
  }
  return mine;
}

Status BlockClaims::Read(uint64_t first, uint64_t last, uint64_t ahead_end,
                         std::vector<Block>& have, std::chrono::steady_clock::time_point deadline,
                         const std::function<bool(uint64_t)>& may_read_ahead, const Loader& load,
                         const std::string& who) {
  for (bool first_pass = true;; first_pass = false) {
    std::vector<uint64_t> mine;
    {
      std::unique_lock lock(mu_);
      bool waiting = false;
      mine = Claim(first, last, ahead_end, have, first_pass, may_read_ahead, waiting);
      if (mine.empty()) {
        if (!waiting) return Status::Ok();
        if (released_.wait_until(lock, deadline) == std::cv_status::timeout &&
            std::chrono::steady_clock::now() >= deadline) {
          return Status::IoError(who + ": timed out waiting for a block another read loads");
        }
        continue;
      }
    }
    // The blocks being fetched count against the budget while in flight,
    // so concurrent read-aheads evict cached blocks instead of piling up.
    budget_->Reserve(mine.size() * block_size_);
    Status s = load(mine);
    uint64_t not_kept = 0;  // Keep gave back the reservation of the others
    for (uint64_t i : mine) not_kept += have[i - first] == nullptr;
    budget_->Release(not_kept * block_size_);
    {
      std::lock_guard lock(mu_);
      for (uint64_t i : mine) claimed_.erase(i);
    }
    released_.notify_all();
    if (!s.ok()) return s;
  }
}

}  // namespace layerfs
