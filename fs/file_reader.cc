#include "fs/file_reader.h"

#include <algorithm>
#include <cstring>

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
    CacheKey key = EntryCacheKey(archive_, record_);
    key.block = kWholeEntryBlock;
    Result<CachedBytes> bytes = cache_.GetOrLoad(key, [this]() -> Result<CachedBytes> {
      Result<std::vector<char>> data = archive_.ReadWhole(record_);
      if (!data.ok()) return data.status();
      return std::make_shared<const std::vector<char>>(std::move(*data));
    });
    if (!bytes.ok()) return bytes.status();
    const std::vector<char>& data = **bytes;
    if (offset >= data.size()) return size_t(0);
    size_t n = std::min<uint64_t>(out.size(), data.size() - offset);
    std::memcpy(out.data(), data.data() + offset, n);
    return n;
  }
  std::string Label() const override { return archive_.EntryLabel(record_); }

 private:
  const Archive& archive_;
  const uint32_t record_;
  ReadCache& cache_;
};

}  // namespace

CacheKey EntryCacheKey(const Archive& archive, uint32_t record) {
  const ZipRecord& r = archive.record(record);
  CacheKey key;
  key.file_device = archive.file_device();
  key.file_inode = archive.file_inode();
  key.file_size = archive.file_size();
  key.file_mtime_ns = archive.file_mtime_ns();
  key.local_header_offset = r.local_header_offset;
  key.compressed_size = r.compressed_size;
  key.uncompressed_size = r.uncompressed_size;
  return key;
}

Result<std::unique_ptr<FileReader>> FileReader::Open(const UnionView& view,
                                                     const UnionNode& node, ReadCache& cache,
                                                     const ReadOptions& options) {
  (void)options;
  if (node.type() != NodeType::kFile) {
    return Status::InvalidArgument(view.PathOf(node) + ": not a regular file");
  }
  const Archive& archive = view.SourceLayer(node).archive();
  uint32_t record = view.RecordOf(node);
  const ZipRecord& r = archive.record(record);
  if (r.encrypted()) {
    return Status::Unsupported(archive.EntryLabel(record) + ": encrypted entry");
  }
  if (r.method == 0) {
    Result<uint64_t> data_offset = archive.DataOffset(record);
    if (!data_offset.ok()) return data_offset.status();
    if (Status s = archive.VerifyStored(record, *data_offset, kVerifyStoredLimit); !s.ok()) {
      return s;
    }
    return std::unique_ptr<FileReader>(new StoredReader(archive, record, *data_offset));
  }
  return std::unique_ptr<FileReader>(new WholeEntryReader(archive, record, cache));
}

}  // namespace layerfs
