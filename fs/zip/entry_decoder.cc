#include "fs/zip/entry_decoder.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <lzma.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "fs/zip/compression_method.h"

namespace layerfs {

namespace {

constexpr size_t kInputChunk = 64 << 10;
constexpr uint64_t kLzmaMemoryLimit = uint64_t(1) << 30;

// The shared part: compressed input in chunks, output position, CRC-32
// and size checks. Codecs implement Step().
class DecoderBase : public EntryDecoder {
 public:
  DecoderBase(const Archive& archive, uint32_t record, uint64_t data_offset)
      : archive_(archive),
        record_(record),
        data_offset_(data_offset),
        compressed_size_(archive.record(record).compressed_size),
        uncompressed_size_(archive.record(record).uncompressed_size) {}

  uint64_t position() const override { return position_; }

  Result<size_t> Decode(std::span<char> out) override {
    out = out.first(std::min<uint64_t>(out.size(), uncompressed_size_ - position_));
    size_t done = 0;
    while (done < out.size()) {
      if (input_pos_ == input_.size() && consumed_ < compressed_size_) {
        if (Status s = Refill(); !s.ok()) return s;
      }
      bool input_left = input_pos_ < input_.size() || consumed_ < compressed_size_;
      Result<size_t> made = Step(out.subspan(done));
      if (!made.ok()) return made.status();
      done += *made;
      if (*made == 0 && (ended_ || !input_left)) {
        return Status::Corrupt(Label() + ": compressed data ends before the stated size");
      }
    }
    // ISA-L's CRC-32 (the zip one): several times zlib's speed, which
    // matters on a 100 MiB spill.
    crc_ = crc32_gzip_refl(crc_, reinterpret_cast<const unsigned char*>(out.data()), out.size());
    position_ += out.size();
    if (position_ == uncompressed_size_ && !checked_) {
      checked_ = true;
      if (crc_ != archive_.record(record_).crc32) {
        return Status::Corrupt(Label() + ": CRC-32 mismatch");
      }
    }
    return out.size();
  }

 protected:
  // Decodes into `out` from the pending input; sets ended_ at the end of
  // the compressed stream. Returns the bytes produced (maybe 0).
  virtual Result<size_t> Step(std::span<char> out) = 0;

  std::string Label() const { return archive_.EntryLabel(record_); }
  const unsigned char* input() const { return input_.data() + input_pos_; }
  size_t input_left() const { return input_.size() - input_pos_; }
  void Consume(size_t n) { input_pos_ += n; }

  // Reads exactly `n` bytes from the start of the data (codec headers).
  Status TakeHeader(size_t n, unsigned char* out) {
    while (input_left() < n) {
      if (consumed_ >= compressed_size_) return Status::Corrupt(Label() + ": header cut short");
      std::vector<unsigned char> kept(input(), input() + input_left());
      if (Status s = Refill(); !s.ok()) return s;
      kept.insert(kept.end(), input_.begin(), input_.end());
      input_ = std::move(kept);
      input_pos_ = 0;
    }
    std::memcpy(out, input(), n);
    Consume(n);
    return Status::Ok();
  }

  bool ended_ = false;

 private:
  Status Refill() {
    size_t n = size_t(std::min<uint64_t>(kInputChunk, compressed_size_ - consumed_));
    input_.resize(n);
    input_pos_ = 0;
    Result<size_t> got = archive_.source().ReadInExtent(
        data_offset_ + consumed_, {reinterpret_cast<char*>(input_.data()), n},
        data_offset_ + compressed_size_);
    if (!got.ok()) return Status::IoError(Label() + ": " + got.status().message());
    if (*got != n) return Status::Corrupt(Label() + ": data runs past the end of the file");
    consumed_ += n;
    return Status::Ok();
  }

  const Archive& archive_;
  const uint32_t record_;
  const uint64_t data_offset_;
  const uint64_t compressed_size_;
  const uint64_t uncompressed_size_;
  std::vector<unsigned char> input_;
  size_t input_pos_ = 0;
  uint64_t consumed_ = 0;  // compressed bytes read from the source
  uint64_t position_ = 0;
  uint32_t crc_ = 0;
  bool checked_ = false;
};

// LZMA (method 14) and XZ (method 95), both through liblzma.
class LzmaDecoder final : public DecoderBase {
 public:
  using DecoderBase::DecoderBase;
  ~LzmaDecoder() override { lzma_end(&strm_); }

  // ZIP's LZMA: version (2 bytes), properties size (2), the properties
  // (5: lc/lp/pb and the dictionary size), then raw LZMA1 data, with or
  // without an end marker (flag bit 1).
  Status InitZipLzma() {
    unsigned char head[4];
    if (Status s = TakeHeader(4, head); !s.ok()) return s;
    size_t props_size = head[2] | (head[3] << 8);
    if (props_size != 5) return Status::Corrupt(Label() + ": LZMA properties size is not 5");
    unsigned char props[5];
    if (Status s = TakeHeader(5, props); !s.ok()) return s;
    lzma_filter filters[2] = {{LZMA_FILTER_LZMA1, nullptr}, {LZMA_VLI_UNKNOWN, nullptr}};
    if (lzma_properties_decode(&filters[0], nullptr, props, 5) != LZMA_OK) {
      return Status::Corrupt(Label() + ": bad LZMA properties");
    }
    lzma_ret rc = lzma_raw_decoder(&strm_, filters);
    free(filters[0].options);
    if (rc != LZMA_OK) return Status::Corrupt(Label() + ": LZMA decoder refused the properties");
    return Status::Ok();
  }

  Status InitXz() {
    if (lzma_stream_decoder(&strm_, kLzmaMemoryLimit, 0) != LZMA_OK) {
      return Status::IoError(Label() + ": cannot start the XZ decoder");
    }
    return Status::Ok();
  }

 private:
  Result<size_t> Step(std::span<char> out) override {
    if (ended_) return size_t(0);
    strm_.next_in = input();
    strm_.avail_in = input_left();
    strm_.next_out = reinterpret_cast<uint8_t*>(out.data());
    strm_.avail_out = out.size();
    // LZMA_FINISH once the input is all handed over lets an XZ stream end.
    lzma_ret rc = lzma_code(&strm_, input_left() == 0 ? LZMA_FINISH : LZMA_RUN);
    Consume(input_left() - strm_.avail_in);
    size_t made = out.size() - strm_.avail_out;
    if (rc == LZMA_STREAM_END) {
      ended_ = true;
    } else if (rc != LZMA_OK && !(rc == LZMA_BUF_ERROR && made > 0)) {
      return Status::Corrupt(Label() + ": bad LZMA/XZ data (liblzma error " +
                             std::to_string(int(rc)) + ")");
    }
    return made;
  }

  lzma_stream strm_ = LZMA_STREAM_INIT;
};

// Deflate (method 8) through ISA-L's inflate, about 2.5 times zlib's speed
// (0.19-0.26 s against 0.43-0.68 s on the bench's 105 MiB libLLVM). Only
// for whole front-to-back passes (the spill): random access into deflated
// entries is InflateStream's (zlib, with checkpoints).
class DeflateDecoder final : public DecoderBase {
 public:
  DeflateDecoder(const Archive& archive, uint32_t record, uint64_t data_offset)
      : DecoderBase(archive, record, data_offset), state_(std::make_unique<inflate_state>()) {
    isal_inflate_init(state_.get());  // raw deflate, no checksum of its own
  }

 private:
  Result<size_t> Step(std::span<char> out) override {
    if (ended_) return size_t(0);
    state_->next_in = const_cast<unsigned char*>(input());
    state_->avail_in = uint32_t(input_left());
    state_->next_out = reinterpret_cast<uint8_t*>(out.data());
    state_->avail_out = uint32_t(std::min<size_t>(out.size(), 1u << 30));
    uint32_t room = state_->avail_out;
    int rc = isal_inflate(state_.get());
    Consume(input_left() - state_->avail_in);
    if (rc != ISAL_DECOMP_OK) {
      return Status::Corrupt(Label() + ": bad deflate data (ISA-L error " + std::to_string(rc) +
                             ")");
    }
    if (state_->block_state == ISAL_BLOCK_FINISH) ended_ = true;
    return size_t(room - state_->avail_out);
  }

  // ISA-L's state holds its history window: large, so on the heap.
  std::unique_ptr<inflate_state> state_;
};

class ZstdDecoder final : public DecoderBase {
 public:
  ZstdDecoder(const Archive& archive, uint32_t record, uint64_t data_offset)
      : DecoderBase(archive, record, data_offset), dctx_(ZSTD_createDCtx()) {}
  ~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }

  Status Init() {
    if (dctx_ == nullptr) return Status::IoError(Label() + ": cannot start the zstd decoder");
    return Status::Ok();
  }

 private:
  Result<size_t> Step(std::span<char> out) override {
    if (ended_) return size_t(0);
    ZSTD_inBuffer in{input(), input_left(), 0};
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    size_t rc = ZSTD_decompressStream(dctx_, &o, &in);
    Consume(in.pos);
    if (ZSTD_isError(rc)) {
      return Status::Corrupt(Label() + ": bad zstd data (" + ZSTD_getErrorName(rc) + ")");
    }
    // Several frames may follow one another: the entry's stated size, not
    // a frame end, says when to stop (DecoderBase bounds the output).
    return o.pos;
  }

  ZSTD_DCtx* dctx_;
};

}  // namespace

bool IsDecoderMethod(uint16_t method) {
  return method == kMethodLzma || method == kMethodXz || method == kMethodZstd;
}

Result<std::unique_ptr<EntryDecoder>> OpenEntryDecoder(const Archive& archive, uint32_t record,
                                                      uint64_t data_offset) {
  uint16_t method = archive.record(record).method;
  if (method == kMethodDeflate) {
    return std::unique_ptr<EntryDecoder>(std::make_unique<DeflateDecoder>(archive, record, data_offset));
  }
  if (method == kMethodZstd) {
    auto d = std::make_unique<ZstdDecoder>(archive, record, data_offset);
    if (Status s = d->Init(); !s.ok()) return s;
    return std::unique_ptr<EntryDecoder>(std::move(d));
  }
  if (method == kMethodLzma || method == kMethodXz) {
    auto d = std::make_unique<LzmaDecoder>(archive, record, data_offset);
    Status s = method == kMethodLzma ? d->InitZipLzma() : d->InitXz();
    if (!s.ok()) return s;
    return std::unique_ptr<EntryDecoder>(std::move(d));
  }
  return Status::Unsupported(archive.EntryLabel(record) + ": method " + std::to_string(method) +
                             " has no native decoder");
}

}  // namespace layerfs
