#include "fs/read/spill_store.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "fs/zip/entry_decoder.h"

namespace layerfs {

namespace {

constexpr uint64_t kDefaultSpillCeiling = 4ull << 30;

Result<uint64_t> FreeBytes(const std::string& dir) {
  struct statvfs st;
  if (::statvfs(dir.c_str(), &st) != 0) {
    return Status::IoError(dir + ": " + std::strerror(errno));
  }
  return uint64_t(st.f_bavail) * st.f_frsize;
}

}  // namespace

std::string DefaultSpillDir() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp != nullptr && *tmp != '\0' ? tmp : "/var/tmp";
}

uint64_t DefaultSpillSize(const std::string& dir) {
  Result<uint64_t> free = FreeBytes(dir);
  if (!free.ok()) return 0;
  return std::min(*free / 4, kDefaultSpillCeiling);
}

SpillStore::SpillStore(SpillOptions options) : options_(std::move(options)) {
  if (!enabled()) return;
  // Started here, on the daemon's main thread, not with the first job: a
  // thread takes the nice value of the thread that starts it, and the
  // first job may come from the low-priority merge (library prefetch),
  // which made every later fill, a reader's included, run at nice 10.
  // The workers take no signals: the daemon waits for its own (SIGHUP) on
  // one thread, and a signal must never land on a worker instead. They
  // inherit the mask of the thread that starts them.
  sigset_t all, saved;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved);
  for (unsigned i = 0; i < std::max(1u, options_.workers); ++i) {
    workers_.emplace_back([this] { Work(); });
  }
  pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

SpillStore::~SpillStore() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void SpillStore::Log(const std::string& line) {
  if (options_.log) options_.log(line);
}

Result<UniqueFd> SpillStore::OpenSpillFile() const {
  int fd = ::open(options_.dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return UniqueFd(fd);
  // File systems without O_TMPFILE: a named file, unlinked at once.
  std::string name = options_.dir + "/layerfs-spill-XXXXXX";
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Status::IoError(options_.dir + ": " + std::strerror(errno));
  ::unlink(name.c_str());
  return UniqueFd(fd);
}

bool SpillStore::MakeRoomLocked(uint64_t size) {
  auto it = lru_.end();
  while (used_ + size > options_.capacity && it != lru_.begin()) {
    --it;
    // Held only here: no reader has it and no worker fills it.
    if (it->spill.use_count() != 1) continue;
    used_ -= it->spill->size();
    map_.erase(it->key);
    it = lru_.erase(it);
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
  return used_ + size <= options_.capacity;
}

std::shared_ptr<EntrySpill> SpillStore::Acquire(std::shared_ptr<const Layer> layer,
                                                uint32_t record, uint64_t data_offset,
                                                const CacheKey& key) {
  return AcquireImpl(std::move(layer), record, data_offset, key, false);
}

bool SpillStore::Prefetch(std::shared_ptr<const Layer> layer, uint32_t record,
                          uint64_t data_offset, const CacheKey& key) {
  return AcquireImpl(std::move(layer), record, data_offset, key, true) != nullptr;
}

std::shared_ptr<EntrySpill> SpillStore::AcquireImpl(std::shared_ptr<const Layer> layer,
                                                    uint32_t record, uint64_t data_offset,
                                                    const CacheKey& key, bool prefetch) {
  if (!enabled()) return nullptr;
  CacheKey k = key;
  k.block = 0;
  uint64_t size = k.uncompressed_size;
  std::string label = layer->archive().EntryLabel(record);
  std::lock_guard lock(mu_);
  if (auto it = map_.find(k); it != map_.end()) {
    if (prefetch) return it->second->spill;  // already there: no fresher for it
    lru_.splice(lru_.begin(), lru_, it->second);
    PromoteLocked(it->second->spill);
    return it->second->spill;
  }
  if (dir_failed_ || stop_ || size > options_.capacity) return nullptr;
  Result<uint64_t> free = FreeBytes(options_.dir);
  if (!free.ok()) {
    dir_failed_ = true;
    Log("spill disabled: " + free.status().message());
    return nullptr;
  }
  if (*free < size + kFreeMargin || !MakeRoomLocked(size)) return nullptr;
  Result<UniqueFd> fd = OpenSpillFile();
  if (!fd.ok()) {
    dir_failed_ = true;
    Log("spill disabled: " + fd.status().message());
    return nullptr;
  }
  auto spill = std::make_shared<EntrySpill>(std::move(*fd), size, std::move(label));
  // A prefetched spill goes to the cold end of the LRU: evicted before
  // any a reader asked for.
  auto where = prefetch ? lru_.end() : lru_.begin();
  map_.emplace(k, lru_.insert(where, {k, spill}));
  used_ += size;
  // With a worker free, the fill starts now: readers may wait for it from
  // their first read (which usually follows this call at once).
  if (running_ + queue_.size() < workers_.size()) spill->Start();
  EnqueueLocked({spill, std::move(layer), record, data_offset, prefetch});
  work_cv_.notify_one();
  return spill;
}

void SpillStore::EnqueueLocked(Job job) {
  if (job.prefetch) {
    queue_.push_back(std::move(job));
    return;
  }
  auto first_prefetch = std::find_if(queue_.begin(), queue_.end(),
                                     [](const Job& j) { return j.prefetch; });
  queue_.insert(first_prefetch, std::move(job));
}

void SpillStore::PromoteLocked(const std::shared_ptr<EntrySpill>& spill) {
  auto it = std::find_if(queue_.begin(), queue_.end(),
                         [&](const Job& j) { return j.prefetch && j.spill == spill; });
  if (it == queue_.end()) return;
  Job job = std::move(*it);
  queue_.erase(it);
  job.prefetch = false;
  EnqueueLocked(std::move(job));
}

void SpillStore::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    Run(job);
    job = Job();  // let go of the spill and layer before counting as free
    std::lock_guard lock(mu_);
    --running_;
  }
}

// Every method's front-to-back decoder (fs/zip/entry_decoder.h): ISA-L
// for deflate, liblzma or libzstd for the others.
Status SpillStore::Fill(Job& job) {
  Result<std::unique_ptr<EntryDecoder>> decoder =
      OpenEntryDecoder(job.layer->archive(), job.record, job.data_offset);
  if (!decoder.ok()) return decoder.status();
  return job.spill->Fill(**decoder, stop_, &bytes_inflated_);
}

void SpillStore::Run(Job& job) {
  job.spill->Start();
  Status s = Fill(job);
  if (s.ok()) {
    entries_spilled_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (stop_) return;
  // Only the first failure is logged: a full disk would fail them all.
  if (failures_.fetch_add(1, std::memory_order_relaxed) == 0 ||
      job.spill->state() == EntrySpill::State::kCorrupt) {
    Log("spill of " + job.spill->label() + " failed, reading it from the archive: " +
        s.message());
  }
  // A corrupt spill stays, so every reader of the entry gets the error; a
  // failed one is dropped and its readers use the checkpoint path.
  if (job.spill->state() == EntrySpill::State::kFailed) Forget(job.spill);
}

void SpillStore::Forget(const std::shared_ptr<EntrySpill>& spill) {
  std::lock_guard lock(mu_);
  for (auto it = lru_.begin(); it != lru_.end(); ++it) {
    if (it->spill == spill) {
      used_ -= spill->size();
      map_.erase(it->key);
      lru_.erase(it);
      return;
    }
  }
}

SpillStats SpillStore::stats() const {
  SpillStats s;
  {
    std::lock_guard lock(mu_);
    s.bytes_held = used_;
    s.entries = lru_.size();
  }
  s.entries_spilled = entries_spilled_.load(std::memory_order_relaxed);
  s.bytes_inflated = bytes_inflated_.load(std::memory_order_relaxed);
  s.evictions = evictions_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.capacity = options_.capacity;
  return s;
}

}  // namespace layerfs
