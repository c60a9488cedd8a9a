#include "fs/zip/inflate_stream.h"

#include <algorithm>

namespace layerfs {

namespace {
constexpr size_t kInputChunk = 128 << 10;
constexpr int kRawDeflate = -15;  // zlib window bits for headerless deflate
}  // namespace

InflateStream::InflateStream(const Archive& archive, uint32_t record, uint64_t data_offset,
                             std::shared_ptr<CheckpointIndex> checkpoints)
    : archive_(archive),
      record_(record),
      data_offset_(data_offset),
      compressed_size_(archive.record(record).compressed_size),
      uncompressed_size_(archive.record(record).uncompressed_size),
      checkpoints_(std::move(checkpoints)),
      input_(kInputChunk) {}

InflateStream::~InflateStream() {
  if (initialised_) inflateEnd(&strm_);
}

Status InflateStream::Restart() {
  if (!initialised_) {
    if (inflateInit2(&strm_, kRawDeflate) != Z_OK) {
      return Status::IoError(archive_.EntryLabel(record_) + ": zlib init failed");
    }
    initialised_ = true;
  } else if (inflateReset2(&strm_, kRawDeflate) != Z_OK) {
    return Status::IoError(archive_.EntryLabel(record_) + ": zlib reset failed");
  }
  strm_.avail_in = 0;
  strm_.next_in = input_.data();
  input_offset_ = 0;
  position_ = 0;
  ended_ = false;
  crc_valid_ = true;
  crc_ = crc32(0L, Z_NULL, 0);
  return Status::Ok();
}

Status InflateStream::RestartAt(const InflateCheckpoint& c) {
  if (Status s = Restart(); !s.ok()) return s;
  input_offset_ = c.in_offset;
  position_ = c.out_offset;
  crc_valid_ = false;
  if (c.bits != 0) {
    char byte;
    Result<size_t> got = archive_.source().ReadInExtent(data_offset_ + c.in_offset - 1, {&byte, 1},
                                                        data_offset_ + compressed_size_);
    if (!got.ok() || *got != 1) {
      return Status::IoError(archive_.EntryLabel(record_) + ": cannot reread checkpoint");
    }
    inflatePrime(&strm_, c.bits, static_cast<unsigned char>(byte) >> (8 - c.bits));
  }
  if (inflateSetDictionary(&strm_, reinterpret_cast<const Bytef*>(c.window.data()),
                           uInt(c.window.size())) != Z_OK) {
    return Status::Corrupt(archive_.EntryLabel(record_) + ": bad checkpoint window");
  }
  return Status::Ok();
}

Status InflateStream::SeekNear(uint64_t target) {
  std::optional<InflateCheckpoint> c = checkpoints_->Before(target);
  bool can_continue = initialised_ && position_ <= target;
  if (can_continue && (!c || c->out_offset <= position_)) return Status::Ok();
  if (c) return RestartAt(*c);
  return Restart();
}

Status InflateStream::Stalled() const {
  if (input_offset_ == compressed_size_) {
    return Status::Corrupt(archive_.EntryLabel(record_) + ": deflate data ends early");
  }
  return Status::Corrupt(archive_.EntryLabel(record_) + ": deflate stream makes no progress");
}

Status InflateStream::Refill() {
  uint64_t left = compressed_size_ - input_offset_;
  size_t n = size_t(std::min<uint64_t>(left, input_.size()));
  Result<size_t> got = archive_.source().ReadInExtent(
      data_offset_ + input_offset_, {reinterpret_cast<char*>(input_.data()), n},
      data_offset_ + compressed_size_);
  if (!got.ok()) return Status::IoError(archive_.EntryLabel(record_) + ": " + got.status().message());
  if (*got != n) return Status::Corrupt(archive_.EntryLabel(record_) + ": truncated data");
  input_offset_ += n;
  strm_.next_in = input_.data();
  strm_.avail_in = uInt(n);
  return Status::Ok();
}

void InflateStream::MaybeCheckpoint() {
  bool block_boundary = (strm_.data_type & 128) && !(strm_.data_type & 64);
  if (!block_boundary || position_ == 0 || !checkpoints_->Wants(position_)) return;
  InflateCheckpoint c;
  c.out_offset = position_;
  c.in_offset = input_offset_ - strm_.avail_in;
  c.bits = strm_.data_type & 7;
  c.window.resize(32 << 10);
  uInt length = uInt(c.window.size());
  if (inflateGetDictionary(&strm_, reinterpret_cast<Bytef*>(c.window.data()), &length) != Z_OK) {
    return;
  }
  c.window.resize(length);
  checkpoints_->Add(std::move(c));
}

Status InflateStream::Finish() {
  ended_ = true;
  if (position_ != uncompressed_size_) {
    return Status::Corrupt(archive_.EntryLabel(record_) + ": size differs from the directory");
  }
  if (crc_valid_ && uint32_t(crc_) != archive_.record(record_).crc32) {
    return Status::Corrupt(archive_.EntryLabel(record_) + ": CRC-32 mismatch");
  }
  return Status::Ok();
}

Result<size_t> InflateStream::Inflate(std::span<char> out) {
  if (!initialised_) {
    if (Status s = Restart(); !s.ok()) return s;
  }
  out = out.first(std::min<uint64_t>(out.size(), uncompressed_size_ - std::min(position_, uncompressed_size_)));
  size_t done = 0;
  while (done < out.size() && !ended_) {
    // With no input left, zlib may still finish from its bit buffer.
    if (strm_.avail_in == 0 && input_offset_ < compressed_size_) {
      if (Status s = Refill(); !s.ok()) return s;
    }
    strm_.next_out = reinterpret_cast<Bytef*>(out.data() + done);
    strm_.avail_out = uInt(std::min<size_t>(out.size() - done, 1u << 30));
    uInt before = strm_.avail_out;
    uInt input_before = strm_.avail_in;
    int rc = inflate(&strm_, Z_BLOCK);
    size_t produced = before - strm_.avail_out;
    if (rc == Z_BUF_ERROR && produced == 0 && strm_.avail_in == input_before) {
      return Stalled();
    }
    if (crc_valid_) crc_ = crc32(crc_, reinterpret_cast<const Bytef*>(out.data() + done), uInt(produced));
    done += produced;
    position_ += produced;
    if (rc == Z_STREAM_END) {
      if (Status s = Finish(); !s.ok()) return s;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Status::Corrupt(archive_.EntryLabel(record_) + ": bad deflate data");
    } else {
      MaybeCheckpoint();
    }
  }
  // A stream that reached its stated size must end there, or it lies.
  if (position_ == uncompressed_size_ && !ended_) {
    char probe;
    strm_.next_out = reinterpret_cast<Bytef*>(&probe);
    strm_.avail_out = 1;
    while (!ended_) {
      if (strm_.avail_in == 0 && input_offset_ < compressed_size_) {
        if (Status s = Refill(); !s.ok()) return s;
      }
      uInt input_before = strm_.avail_in;
      int rc = inflate(&strm_, Z_BLOCK);
      if (rc == Z_BUF_ERROR && strm_.avail_in == input_before) return Stalled();
      if (strm_.avail_out == 0) {
        return Status::Corrupt(archive_.EntryLabel(record_) + ": longer than its stated size");
      }
      if (rc == Z_STREAM_END) {
        if (Status s = Finish(); !s.ok()) return s;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Status::Corrupt(archive_.EntryLabel(record_) + ": bad deflate data");
      }
    }
  }
  return done;
}

}  // namespace layerfs
