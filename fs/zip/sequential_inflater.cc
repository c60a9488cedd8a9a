#include "fs/zip/sequential_inflater.h"

#include <isa-l/igzip_lib.h>

#include <algorithm>

namespace layerfs {

namespace {
constexpr size_t kInputChunk = 256 << 10;
}  // namespace

SequentialInflater::SequentialInflater(const Archive& archive, uint32_t record,
                                       uint64_t data_offset)
    : archive_(archive),
      record_(record),
      data_offset_(data_offset),
      compressed_size_(archive.record(record).compressed_size),
      uncompressed_size_(archive.record(record).uncompressed_size),
      state_(std::make_unique<inflate_state>()),
      input_(kInputChunk) {
  isal_inflate_init(state_.get());
  // Raw deflate with the gzip CRC-32 (the zip one) kept in state_->crc.
  state_->crc_flag = ISAL_GZIP_NO_HDR;
}

SequentialInflater::~SequentialInflater() = default;

Status SequentialInflater::Corrupt(const char* why) const {
  return Status::Corrupt(archive_.EntryLabel(record_) + ": " + why);
}

Status SequentialInflater::Refill() {
  uint64_t left = compressed_size_ - input_offset_;
  size_t n = size_t(std::min<uint64_t>(left, input_.size()));
  Result<size_t> got = archive_.source().ReadAt(
      data_offset_ + input_offset_, {reinterpret_cast<char*>(input_.data()), n});
  if (!got.ok()) {
    return Status::IoError(archive_.EntryLabel(record_) + ": " + got.status().message());
  }
  if (*got != n) return Corrupt("truncated data");
  input_offset_ += n;
  state_->next_in = input_.data();
  state_->avail_in = uint32_t(n);
  return Status::Ok();
}

// At the stated size the deflate data must end, and the CRC-32 agree.
Status SequentialInflater::CheckEnd() {
  unsigned char probe;
  while (state_->block_state != ISAL_BLOCK_FINISH) {
    if (state_->avail_in == 0) {
      if (input_offset_ == compressed_size_) return Corrupt("deflate data ends early");
      if (Status s = Refill(); !s.ok()) return s;
    }
    state_->next_out = &probe;
    state_->avail_out = 1;
    uint32_t input_before = state_->avail_in;
    if (isal_inflate(state_.get()) != ISAL_DECOMP_OK) return Corrupt("bad deflate data");
    if (state_->avail_out == 0) return Corrupt("longer than its stated size");
    if (state_->avail_in == input_before && state_->block_state != ISAL_BLOCK_FINISH) {
      return Corrupt("deflate stream makes no progress");
    }
  }
  ended_ = true;
  if (state_->crc != archive_.record(record_).crc32) return Corrupt("CRC-32 mismatch");
  return Status::Ok();
}

Result<size_t> SequentialInflater::Decode(std::span<char> out) {
  out = out.first(std::min<uint64_t>(out.size(), uncompressed_size_ - position_));
  size_t done = 0;
  while (done < out.size()) {
    if (state_->block_state == ISAL_BLOCK_FINISH) return Corrupt("size differs from the directory");
    if (state_->avail_in == 0) {
      if (input_offset_ == compressed_size_) return Corrupt("deflate data ends early");
      if (Status s = Refill(); !s.ok()) return s;
    }
    state_->next_out = reinterpret_cast<uint8_t*>(out.data() + done);
    state_->avail_out = uint32_t(std::min<size_t>(out.size() - done, 1u << 30));
    uint32_t before = state_->avail_out;
    uint32_t input_before = state_->avail_in;
    if (isal_inflate(state_.get()) != ISAL_DECOMP_OK) return Corrupt("bad deflate data");
    size_t produced = before - state_->avail_out;
    if (produced == 0 && state_->avail_in == input_before &&
        state_->block_state != ISAL_BLOCK_FINISH) {
      return Corrupt("deflate stream makes no progress");
    }
    done += produced;
    position_ += produced;
  }
  if (position_ == uncompressed_size_ && !ended_) {
    if (Status s = CheckEnd(); !s.ok()) return s;
  }
  return done;
}

}  // namespace layerfs
