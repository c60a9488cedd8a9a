#include "fs/read/file_reader.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "fs/zip/compression_method.h"
#include "fs/zip/entry_decoder.h"
#include "fs/zip/inflate_stream.h"

namespace layerfs {

namespace {

// The block number under which a whole decompressed entry is cached.
constexpr uint64_t kWholeEntryBlock = UINT64_MAX;
// Stored entries up to this size have their CRC-32 checked on first open.
constexpr uint64_t kVerifyStoredLimit = 256ull << 20;

class StoredReader final : public FileReader {
 public:
  StoredReader(const Archive& archive, uint32_t record, uint64_t data_offset)
      : archive_(archive), record_(record), data_offset_(data_offset) {}

  Result<size_t> Read(uint64_t offset, std::span<char> out) override {
    return archive_.ReadStored(record_, data_offset_, offset, out);
  }
  std::string Label() const override { return archive_.EntryLabel(record_); }

 private:
  const Archive& archive_;
  const uint32_t record_;
  const uint64_t data_offset_;
};

// Stateless apart from the shared cache: safe for concurrent Read().
class WholeEntryReader final : public FileReader {
 public:
  WholeEntryReader(const Archive& archive, uint32_t record, ReadCache& cache)
      : archive_(archive), record_(record), cache_(cache) {}

  Result<size_t> Read(uint64_t offset, std::span<char> out) override {
    Result<Slice> slice = ReadSlice(offset, out.size());
    if (!slice.ok()) return slice.status();
    // An empty slice may have a null data(): memcpy must not see it.
    if (!slice->bytes.empty()) std::memcpy(out.data(), slice->bytes.data(), slice->bytes.size());
    return slice->bytes.size();
  }

  Result<Slice> ReadSlice(uint64_t offset, size_t size) override {
    CacheKey key = EntryCacheKey(archive_, record_);
    key.block = kWholeEntryBlock;
    Result<CachedBytes> bytes = cache_.GetOrLoad(key, [this]() -> Result<CachedBytes> {
      Result<ByteBuffer> data = archive_.ReadWhole(record_);
      if (!data.ok()) return data.status();
      return std::make_shared<const ByteBuffer>(std::move(*data));
    });
    if (!bytes.ok()) return bytes.status();
    const ByteBuffer& data = **bytes;
    if (offset >= data.size()) return Slice{};
    size_t n = std::min<uint64_t>(size, data.size() - offset);
    return Slice{std::move(*bytes), std::span<const char>(data).subspan(offset, n)};
  }
  std::string Label() const override { return archive_.EntryLabel(record_); }

 private:
  const Archive& archive_;
  const uint32_t record_;
  ReadCache& cache_;
};

// Large compressed entries: read from the entry's spill when it has one
// and the spill can serve the range, else in blocks of kBlockSize
// uncompressed bytes through the shared cache; a subclass says how a
// missing block is produced (Produce runs as the cache's loader, once per
// block at a time).
class BlockReader : public FileReader {
 public:
  // Small enough that a random read's block costs little beyond the
  // checkpoint span; large enough that a 128 KiB FUSE read takes two.
  static constexpr uint64_t kBlockSize = 64 << 10;

  BlockReader(const Archive& archive, uint32_t record, ReadCache& cache,
              std::shared_ptr<EntrySpill> spill)
      : archive_(archive),
        record_(record),
        size_(archive.record(record).uncompressed_size),
        key_(EntryCacheKey(archive, record)),
        cache_(cache),
        spill_(std::move(spill)) {}

  Result<size_t> Read(uint64_t offset, std::span<char> out) override {
    if (spill_ != nullptr) {
      bool fallback = false;
      Result<size_t> got = spill_->Read(offset, out, &fallback);
      if (!fallback) return got;
    }
    return ReadBlocks(offset, out);
  }
  std::string Label() const override { return archive_.EntryLabel(record_); }

 protected:
  Result<size_t> ReadBlocks(uint64_t offset, std::span<char> out) {
    size_t done = 0;
    while (done < out.size() && offset + done < size_) {
      uint64_t at = offset + done;
      uint64_t block = at / kBlockSize;
      Result<CachedBytes> bytes = cache_.GetOrLoad(KeyOf(block), [&] { return Produce(block); });
      if (!bytes.ok()) return bytes.status();
      uint64_t within = at - block * kBlockSize;
      if (within >= (*bytes)->size()) break;
      size_t n = std::min<uint64_t>(out.size() - done, (*bytes)->size() - within);
      std::memcpy(out.data() + done, (*bytes)->data() + within, n);
      done += n;
    }
    return done;
  }

  virtual Result<CachedBytes> Produce(uint64_t block) = 0;

  CacheKey KeyOf(uint64_t block) const {
    CacheKey k = key_;
    k.block = block;
    return k;
  }

  // Constant after construction.
  const Archive& archive_;
  const uint32_t record_;
  const uint64_t size_;
  const CacheKey key_;
  ReadCache& cache_;  // internally locked
  // The entry's spill, if it has one; constant, and itself thread-safe.
  const std::shared_ptr<EntrySpill> spill_;
};

// Large deflated entries: each block produced once by this handle's
// stream (or found in the shared cache), or read from the entry's spill.
// mu_ serialises use of the stream; blocks are shared through the cache.
class StreamedEntryReader final : public BlockReader {
 public:
  StreamedEntryReader(const Archive& archive, uint32_t record, uint64_t data_offset,
                      ReadResources& resources, std::shared_ptr<EntrySpill> spill)
      : BlockReader(archive, record, resources.cache(), std::move(spill)),
        stream_(archive, record, data_offset,
                resources.checkpoints().IndexFor(key_, size_)),
        spacing_(resources.checkpoints().SpacingFor(size_)) {}

 private:
  // Positions the stream, caching the whole blocks it passes on the way,
  // then inflates the block itself.
  Result<CachedBytes> Produce(uint64_t block) override {
    std::lock_guard lock(mu_);
    uint64_t target = block * kBlockSize;
    if (stream_.position() > target || target - stream_.position() > 2 * spacing_) {
      if (Status s = stream_.SeekNear(target); !s.ok()) return s;
    }
    while (stream_.position() < target) {
      uint64_t pos = stream_.position();
      bool aligned = pos % kBlockSize == 0;
      uint64_t length = aligned ? kBlockSize : std::min(kBlockSize - pos % kBlockSize, target - pos);
      Result<CachedBytes> passed = InflateBlock(length);
      if (!passed.ok()) return passed.status();
      if (aligned) cache_.Insert(KeyOf(pos / kBlockSize), *passed);
    }
    return InflateBlock(std::min(kBlockSize, size_ - target));
  }

  Result<CachedBytes> InflateBlock(uint64_t length) {
    auto buf = std::make_shared<ByteBuffer>(length);
    Result<size_t> got = stream_.Inflate(*buf);
    if (!got.ok()) return got.status();
    if (*got != length) return Status::Corrupt(Label() + ": deflate data ends early");
    return CachedBytes(std::move(buf));
  }

  std::mutex mu_;  // guards stream_
  InflateStream stream_;
  const uint64_t spacing_;
};

// Large LZMA, XZ and Zstandard entries: blocks of kBlockSize uncompressed
// bytes, produced once by this handle's decoder (or found in the shared
// cache). These formats have no restart points layerfs records, so a block
// before the decoder's position restarts decoding from the entry's start;
// every block passed on the way is cached, so reading such a file in order
// decodes it once. mu_ serialises use of the decoder.
class DecodedEntryReader final : public BlockReader {
 public:
  DecodedEntryReader(const Archive& archive, uint32_t record, uint64_t data_offset,
                     ReadCache& cache, std::shared_ptr<EntrySpill> spill)
      : BlockReader(archive, record, cache, std::move(spill)), data_offset_(data_offset) {}

 private:
  Result<CachedBytes> Produce(uint64_t block) override {
    std::lock_guard lock(mu_);
    uint64_t target = block * kBlockSize;
    if (!decoder_ || decoder_->position() > target) {
      Result<std::unique_ptr<EntryDecoder>> fresh =
          OpenEntryDecoder(archive_, record_, data_offset_);
      if (!fresh.ok()) return fresh.status();
      decoder_ = std::move(*fresh);
    }
    while (decoder_->position() < target) {
      uint64_t pos = decoder_->position();  // always a block boundary here
      Result<CachedBytes> passed = DecodeBlock(kBlockSize);
      if (!passed.ok()) return passed.status();
      cache_.Insert(KeyOf(pos / kBlockSize), *passed);
    }
    return DecodeBlock(std::min(kBlockSize, size_ - target));
  }

  Result<CachedBytes> DecodeBlock(uint64_t length) {
    auto buf = std::make_shared<ByteBuffer>(length);
    Result<size_t> got = decoder_->Decode(*buf);
    if (!got.ok()) {
      decoder_.reset();  // a later read starts afresh rather than mid-error
      return got.status();
    }
    if (*got != length) return Status::Corrupt(Label() + ": compressed data ends early");
    return CachedBytes(std::move(buf));
  }

  const uint64_t data_offset_;
  std::mutex mu_;  // guards decoder_
  std::unique_ptr<EntryDecoder> decoder_;
};

}  // namespace

Result<FileReader::Slice> FileReader::ReadSlice(uint64_t offset, size_t size) {
  // Not zero-filled: Read overwrites every byte it returns.
  std::shared_ptr<char[]> buf = std::make_shared_for_overwrite<char[]>(size);
  Result<size_t> got = Read(offset, {buf.get(), size});
  if (!got.ok()) return got.status();
  std::span<const char> bytes(buf.get(), *got);
  return Slice{std::move(buf), bytes};
}

CacheKey EntryCacheKey(const Archive& archive, uint32_t record) {
  const ZipRecord& r = archive.record(record);
  CacheKey key;
  key.source = archive.source().identity();
  key.local_header_offset = r.local_header_offset;
  key.compressed_size = r.compressed_size;
  key.uncompressed_size = r.uncompressed_size;
  return key;
}

Result<std::unique_ptr<FileReader>> FileReader::Open(const UnionView& view,
                                                     const UnionNode& node,
                                                     ReadResources& resources) {
  if (node.type() != NodeType::kFile) {
    return Status::InvalidArgument(view.PathOf(node) + ": not a regular file");
  }
  const Archive& archive = view.SourceLayer(node).archive();
  uint32_t record = view.RecordOf(node);
  const ZipRecord& r = archive.record(record);
  if (r.uncompressed_size > uint64_t(INT64_MAX)) {
    return Status::Corrupt(archive.EntryLabel(record) + ": size of 2^63 bytes or more");
  }
  if (r.encrypted()) {
    return Status::Unsupported(archive.EntryLabel(record) + ": encrypted entry");
  }
  bool small = r.uncompressed_size <= resources.whole_entry_limit();
  if (!archive.HasNativeReader(record)) {
    if (!small) {
      return Status::Unsupported(archive.EntryLabel(record) +
                                 ": entry too large to decompress whole for its method; "
                                 "raise --cache-size");
    }
    return std::unique_ptr<FileReader>(new WholeEntryReader(archive, record, resources.cache()));
  }
  if (small && r.method != kMethodStored) {
    // Its first read reads the local header along with the data.
    return std::unique_ptr<FileReader>(new WholeEntryReader(archive, record, resources.cache()));
  }
  Result<uint64_t> data_offset = archive.DataOffset(record);
  if (!data_offset.ok()) return data_offset.status();
  if (r.method == kMethodStored) {
    if (Status s = archive.VerifyStored(record, *data_offset, kVerifyStoredLimit); !s.ok()) {
      return s;
    }
    return std::unique_ptr<FileReader>(new StoredReader(archive, record, *data_offset));
  }
  std::shared_ptr<EntrySpill> spill =
      resources.spill().Acquire(view.SharedSourceLayer(node), record, *data_offset,
                                EntryCacheKey(archive, record));
  if (IsDecoderMethod(r.method)) {
    return std::unique_ptr<FileReader>(new DecodedEntryReader(
        archive, record, *data_offset, resources.cache(), std::move(spill)));
  }
  return std::unique_ptr<FileReader>(
      new StreamedEntryReader(archive, record, *data_offset, resources, std::move(spill)));
}

}  // namespace layerfs
