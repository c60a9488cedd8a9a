#include "fs/read/entry_spill.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace layerfs {

namespace {

// Output is written in pieces of this size: small enough that readers
// waiting just ahead of the frontier are released soon, large enough that
// a write costs little next to the inflate that fills it.
constexpr size_t kFillChunk = 256 << 10;
// A reader ahead of the frontier gives up when the inflate has made no
// progress for this long (a stalled disk, a starved worker).
constexpr auto kStallLimit = std::chrono::seconds(2);

}  // namespace

EntrySpill::EntrySpill(UniqueFd fd, uint64_t size, std::string label)
    : fd_(std::move(fd)), size_(size), label_(std::move(label)) {}

EntrySpill::State EntrySpill::state() const {
  std::lock_guard lock(mu_);
  return state_;
}

uint64_t EntrySpill::frontier() const {
  std::lock_guard lock(mu_);
  return frontier_;
}

Result<size_t> EntrySpill::Read(uint64_t offset, std::span<char> out, bool* fallback) {
  *fallback = false;
  if (offset >= size_ || out.empty()) return size_t(0);
  size_t want = size_t(std::min<uint64_t>(out.size(), size_ - offset));
  uint64_t end = offset + want;
  {
    std::unique_lock lock(mu_);
    auto ready = [&] { return state_ != State::kFilling || frontier_ >= end; };
    // A spill still queued behind others would make a reader wait for
    // them too: it reads another way until a worker takes this one.
    while (started_ && !ready()) {
      uint64_t before = frontier_;
      if (cv_.wait_for(lock, kStallLimit, ready)) break;
      if (frontier_ == before) break;  // stalled: let the caller do it
    }
    if (state_ == State::kCorrupt) {
      return Status::Corrupt(label_ + ": decompressed data fails its check");
    }
    // Bytes below the frontier are good even if the fill failed later.
    if (frontier_ < end) {
      *fallback = true;
      return size_t(0);
    }
  }
  size_t done = 0;
  while (done < want) {
    ssize_t n = ::pread(fd_.get(), out.data() + done, want - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *fallback = true;  // the spill file failed us; the archive may not
      return size_t(0);
    }
    done += size_t(n);
  }
  return done;
}

void EntrySpill::Start() {
  std::lock_guard lock(mu_);
  started_ = true;
}

void EntrySpill::Publish(uint64_t frontier) {
  {
    std::lock_guard lock(mu_);
    frontier_ = frontier;
  }
  cv_.notify_all();
}

void EntrySpill::End(State state) {
  {
    std::lock_guard lock(mu_);
    state_ = state;
  }
  cv_.notify_all();
}

Status EntrySpill::Fill(EntryDecoder& decoder, const std::atomic<bool>& stop,
                        std::atomic<uint64_t>* inflated) {
  std::vector<char> buf(kFillChunk);
  uint64_t at = 0;
  while (at < size_) {
    if (stop.load(std::memory_order_relaxed)) {
      End(State::kFailed);
      return Status::IoError(label_ + ": spill stopped");
    }
    size_t length = size_t(std::min<uint64_t>(buf.size(), size_ - at));
    Result<size_t> got = decoder.Decode(std::span<char>(buf.data(), length));
    if (!got.ok() || *got != length) {
      // The check at the end of the stream (CRC-32, size) fails here too.
      Status s = got.ok() ? Status::Corrupt(label_ + ": compressed data ends early") : got.status();
      End(s.code() == ErrorCode::kCorrupt ? State::kCorrupt : State::kFailed);
      return s;
    }
    inflated->fetch_add(length, std::memory_order_relaxed);
    size_t written = 0;
    while (written < length) {
      ssize_t n = ::pwrite(fd_.get(), buf.data() + written, length - written,
                           off_t(at + written));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        End(State::kFailed);
        return Status::IoError(label_ + ": cannot write the spill file: " +
                               std::strerror(n < 0 ? errno : ENOSPC));
      }
      written += size_t(n);
    }
    at += length;
    Publish(at);
  }
  // The decoder checked the CRC-32 and the end of the deflate data when
  // it produced the last byte: the bytes are good.
  End(State::kComplete);
  return Status::Ok();
}

}  // namespace layerfs
