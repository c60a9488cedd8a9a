#include "fs/archive.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace layerfs {

namespace {

constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};
struct ZipFileClose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
struct DecompressorFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

uint32_t Crc32(std::span<const char> data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes a uInt length: feed large buffers in pieces.
  const Bytef* p = reinterpret_cast<const Bytef*>(data.data());
  size_t left = data.size();
  while (left > 0) {
    uInt n = uInt(std::min<size_t>(left, 1u << 30));
    crc = crc32(crc, p, n);
    p += n;
    left -= n;
  }
  return uint32_t(crc);
}

}  // namespace

Result<size_t> PreadFully(int fd, uint64_t offset, std::span<char> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd, out.data() + done, out.size() - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IoError(std::string("read failed: ") + std::strerror(errno));
    if (n == 0) break;
    done += size_t(n);
  }
  return done;
}

Archive::Archive(std::string path, UniqueFd fd, const struct stat& st,
                 CentralDirectory directory)
    : path_(std::move(path)),
      fd_(std::move(fd)),
      file_size_(uint64_t(st.st_size)),
      file_mtime_(int64_t(st.st_mtime)),
      file_device_(uint64_t(st.st_dev)),
      file_inode_(uint64_t(st.st_ino)),
      file_mtime_ns_(int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec),
      directory_(std::move(directory)),
      stored_verdict_(std::make_unique<std::atomic<uint8_t>[]>(directory_.records().size())) {}

Result<std::unique_ptr<Archive>> Archive::Open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    std::string why = std::strerror(err);
    if (err == ENOENT) return Status::NotFound(path + ": " + why);
    return Status::IoError(path + ": cannot open: " + why);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return Status::IoError(path + ": cannot stat: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status::InvalidArgument(path + ": not a regular file");
  }
  Result<CentralDirectory> dir = CentralDirectory::Read(fd.get(), uint64_t(st.st_size), path);
  if (!dir.ok()) return dir.status();
  return std::unique_ptr<Archive>(new Archive(path, std::move(fd), st, std::move(*dir)));
}

std::string Archive::EntryLabel(uint32_t index) const {
  return path_ + ": entry " + std::string(directory_.name(record(index)));
}

bool Archive::HasNativeReader(uint32_t index) const {
  const ZipRecord& r = record(index);
  return !r.encrypted() && (r.method == kMethodStored || r.method == kMethodDeflate);
}

Result<uint64_t> Archive::DataOffset(uint32_t index) const {
  const ZipRecord& r = record(index);
  if (r.encrypted()) return Status::Unsupported(EntryLabel(index) + ": encrypted");
  char header[kLocalHeaderSize];
  Result<size_t> got = PreadFully(fd(), r.local_header_offset, header);
  if (!got.ok()) return Status::IoError(EntryLabel(index) + ": " + got.status().message());
  auto* p = reinterpret_cast<const unsigned char*>(header);
  auto le16 = [p](int at) { return uint32_t(p[at] | (p[at + 1] << 8)); };
  uint32_t sig = le16(0) | (le16(2) << 16);
  if (*got != kLocalHeaderSize || sig != kLocalSignature) {
    return Status::Corrupt(EntryLabel(index) + ": bad local header");
  }
  uint64_t data = r.local_header_offset + kLocalHeaderSize + le16(26) + le16(28);
  if (data > file_size_ || r.compressed_size > file_size_ - data) {
    return Status::Corrupt(EntryLabel(index) + ": data runs past the end of the file");
  }
  return data;
}

Result<size_t> Archive::ReadStored(uint32_t index, uint64_t data_offset, uint64_t offset,
                                   std::span<char> out) const {
  const ZipRecord& r = record(index);
  if (offset >= r.uncompressed_size) return size_t(0);
  out = out.first(std::min<uint64_t>(out.size(), r.uncompressed_size - offset));
  Result<size_t> got = PreadFully(fd(), data_offset + offset, out);
  if (!got.ok()) return Status::IoError(EntryLabel(index) + ": " + got.status().message());
  if (*got != out.size()) return Status::Corrupt(EntryLabel(index) + ": truncated data");
  return got;
}

Status Archive::VerifyStored(uint32_t index, uint64_t data_offset, uint64_t max_bytes) const {
  const ZipRecord& r = record(index);
  if (r.compressed_size != r.uncompressed_size) {
    return Status::Corrupt(EntryLabel(index) + ": stored entry with two different sizes");
  }
  uint8_t verdict = stored_verdict_[index].load(std::memory_order_relaxed);
  if (verdict == 0 && r.uncompressed_size <= max_bytes) {
    std::vector<char> buf(std::min<uint64_t>(r.uncompressed_size, 1 << 20));
    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint64_t at = 0; at < r.uncompressed_size;) {
      std::span<char> piece(buf.data(), std::min<uint64_t>(buf.size(), r.uncompressed_size - at));
      Result<size_t> got = ReadStored(index, data_offset, at, piece);
      if (!got.ok()) return got.status();
      crc = crc32(crc, reinterpret_cast<const Bytef*>(piece.data()), uInt(piece.size()));
      at += piece.size();
    }
    verdict = uint32_t(crc) == r.crc32 ? 1 : 2;
    stored_verdict_[index].store(verdict, std::memory_order_relaxed);
  }
  if (verdict == 2) return Status::Corrupt(EntryLabel(index) + ": CRC-32 mismatch");
  return Status::Ok();
}

Result<std::vector<char>> Archive::ReadWhole(uint32_t index) const {
  const ZipRecord& r = record(index);
  if (r.encrypted()) return Status::Unsupported(EntryLabel(index) + ": encrypted entry");
  Result<std::vector<char>> data = Status::Unsupported("unset");
  if (r.method == kMethodStored || r.method == kMethodDeflate) {
    Result<uint64_t> offset = DataOffset(index);
    if (!offset.ok()) return offset.status();
    if (r.method == kMethodDeflate) {
      data = InflateWhole(index, *offset);
    } else {
      std::vector<char> out(r.uncompressed_size);
      Result<size_t> got = ReadStored(index, *offset, 0, out);
      if (!got.ok()) return got.status();
      data = std::move(out);
    }
  } else {
    data = ReadWithLibzip(index);
  }
  if (data.ok() && Crc32(*data) != r.crc32) {
    return Status::Corrupt(EntryLabel(index) + ": CRC-32 mismatch");
  }
  return data;
}

Result<std::vector<char>> Archive::InflateWhole(uint32_t index, uint64_t data_offset) const {
  const ZipRecord& r = record(index);
  std::vector<char> in(r.compressed_size);
  Result<size_t> got = PreadFully(fd(), data_offset, in);
  if (!got.ok()) return Status::IoError(EntryLabel(index) + ": " + got.status().message());
  if (*got != in.size()) return Status::Corrupt(EntryLabel(index) + ": truncated data");
  std::unique_ptr<libdeflate_decompressor, DecompressorFree> d(libdeflate_alloc_decompressor());
  if (!d) return Status::IoError(EntryLabel(index) + ": out of memory");
  std::vector<char> out(r.uncompressed_size);
  size_t produced = 0;
  libdeflate_result rc = libdeflate_deflate_decompress(d.get(), in.data(), in.size(),
                                                       out.data(), out.size(), &produced);
  if (rc != LIBDEFLATE_SUCCESS || produced != out.size()) {
    return Status::Corrupt(EntryLabel(index) + ": bad deflate data or wrong size");
  }
  return out;
}

Result<std::vector<char>> Archive::ReadWithLibzip(uint32_t index) const {
  const ZipRecord& r = record(index);
  // libzip reads through stdio, moving the file offset. A dup() would share
  // that offset with every other thread in here, so open a new file
  // description of the same file (reached through /proc even if the layer
  // was renamed or deleted since).
  std::string self = "/proc/self/fd/" + std::to_string(fd());
  UniqueFd own_fd(::open(self.c_str(), O_RDONLY | O_CLOEXEC));
  if (!own_fd.valid()) {
    return Status::IoError(EntryLabel(index) + ": cannot reopen: " + std::strerror(errno));
  }
  FILE* stream = ::fdopen(own_fd.get(), "rb");
  if (stream == nullptr) return Status::IoError(EntryLabel(index) + ": fdopen failed");
  own_fd.Release();  // owned by `stream` from here on
  // libzip does not detect a self-extractor prefix: show it only the
  // archive proper, where its offsets are right.
  uint64_t prefix = directory_.prefix_length();
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source =
      zip_source_filep_create(stream, prefix, zip_int64_t(file_size_ - prefix), &error);
  if (source == nullptr) {
    std::fclose(stream);
    zip_error_fini(&error);
    return Status::IoError(EntryLabel(index) + ": libzip cannot read the file");
  }
  std::unique_ptr<zip_t, ZipDiscard> za(zip_open_from_source(source, ZIP_RDONLY, &error));
  zip_error_fini(&error);
  if (!za) {
    zip_source_free(source);
    return Status::Corrupt(EntryLabel(index) + ": libzip cannot open the archive");
  }
  // libzip numbers entries in central-directory order, as we do; the name
  // check guards against any disagreement on what entry i is.
  const char* name = zip_get_name(za.get(), index, ZIP_FL_ENC_RAW);
  if (name == nullptr || directory_.name(r) != name) {
    return Status::Corrupt(EntryLabel(index) + ": libzip sees a different entry");
  }
  std::unique_ptr<zip_file_t, ZipFileClose> file(zip_fopen_index(za.get(), index, 0));
  if (!file) {
    return Status::Unsupported(EntryLabel(index) + ": " + zip_strerror(za.get()));
  }
  std::vector<char> out(r.uncompressed_size);
  uint64_t done = 0;
  while (done < out.size()) {
    zip_int64_t n = zip_fread(file.get(), out.data() + done, out.size() - done);
    if (n < 0) {
      return Status::Corrupt(EntryLabel(index) + ": " + zip_file_strerror(file.get()));
    }
    if (n == 0) return Status::Corrupt(EntryLabel(index) + ": shorter than its stated size");
    done += uint64_t(n);
  }
  char extra;
  if (zip_fread(file.get(), &extra, 1) != 0) {
    return Status::Corrupt(EntryLabel(index) + ": longer than its stated size or bad data");
  }
  return out;
}

}  // namespace layerfs
