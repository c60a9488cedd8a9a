#include "fs/zip/archive.h"

#include <libdeflate.h>
#include <zip.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fs/base/printable.h"
#include "fs/base/shared_library.h"
#include "fs/source/open_source.h"

#include "fs/zip/compression_method.h"
#include "fs/zip/entry_decoder.h"
#include "fs/zip/inflate_checkpoints.h"
#include "fs/zip/inflate_stream.h"

namespace layerfs {

namespace {

constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr size_t kLocalHeaderSize = 30;
// What a local extra field usually takes at most (Info-ZIP's timestamps
// and Unix ids take 28 bytes, zip64 sizes 20): read along with an entry's
// header. A longer one costs only a second read.
constexpr uint64_t kLocalExtraAllowance = 64;

// libzip, opened with dlopen at the first entry that needs it rather than
// linked: it and what it pulls in (libcrypto, libbz2, libz) cost every
// command about 5 ms before main(), and only entries in methods layerfs
// does not decode (bzip2...) use it. Its entry points, resolved once;
// when it cannot be loaded `error` says why and only those entries fail.
struct ZipLibrary {
  SharedLibrary library{"libzip.so.4", "libzip.so.4 (Debian package libzip4), needed for this "
                        "entry's compression method"};
  std::string error;  // empty when the library and every symbol below resolved
  void (*discard)(zip_t*) = nullptr;
  void (*error_fini)(zip_error_t*) = nullptr;
  void (*error_init)(zip_error_t*) = nullptr;
  void (*error_set)(zip_error_t*, int, int) = nullptr;
  zip_int64_t (*error_to_data)(const zip_error_t*, void*, zip_uint64_t) = nullptr;
  int (*fclose)(zip_file_t*) = nullptr;
  const char* (*file_strerror)(zip_file_t*) = nullptr;
  zip_file_t* (*fopen_index)(zip_t*, zip_uint64_t, zip_flags_t) = nullptr;
  zip_int64_t (*fread)(zip_file_t*, void*, zip_uint64_t) = nullptr;
  const char* (*get_name)(zip_t*, zip_uint64_t, zip_flags_t) = nullptr;
  zip_t* (*open_from_source)(zip_source_t*, int, zip_error_t*) = nullptr;
  void (*source_free)(zip_source_t*) = nullptr;
  zip_source_t* (*source_function_create)(zip_source_callback, void*, zip_error_t*) = nullptr;
  zip_int64_t (*source_seek_compute_offset)(zip_uint64_t, zip_uint64_t, void*, zip_uint64_t,
                                            zip_error_t*) = nullptr;
  void (*stat_init)(zip_stat_t*) = nullptr;
  const char* (*strerror)(zip_t*) = nullptr;

  ZipLibrary() {
    library.Resolve(discard, "zip_discard");
    library.Resolve(error_fini, "zip_error_fini");
    library.Resolve(error_init, "zip_error_init");
    library.Resolve(error_set, "zip_error_set");
    library.Resolve(error_to_data, "zip_error_to_data");
    library.Resolve(fclose, "zip_fclose");
    library.Resolve(file_strerror, "zip_file_strerror");
    library.Resolve(fopen_index, "zip_fopen_index");
    library.Resolve(fread, "zip_fread");
    library.Resolve(get_name, "zip_get_name");
    library.Resolve(open_from_source, "zip_open_from_source");
    library.Resolve(source_free, "zip_source_free");
    library.Resolve(source_function_create, "zip_source_function_create");
    library.Resolve(source_seek_compute_offset, "zip_source_seek_compute_offset");
    library.Resolve(stat_init, "zip_stat_init");
    library.Resolve(strerror, "zip_strerror");
    error = library.error();
  }

  bool ok() const { return error.empty(); }
};

const ZipLibrary& Zip() {
  static const ZipLibrary library;
  return library;
}

struct ZipDiscard {
  void operator()(zip_t* z) const { Zip().discard(z); }
};
struct ZipFileClose {
  void operator()(zip_file_t* f) const { Zip().fclose(f); }
};
struct DecompressorFree {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};

// libdeflate's CRC-32 (carry-less multiplies where the CPU has them) is
// faster than zlib's, and it runs on every small file's first read.
uint32_t Crc32(std::span<const char> data) {
  return libdeflate_crc32(0, data.data(), data.size());
}

// A libzip source over a window of a ByteSource: libzip seeks and reads
// it like a file, each read a positional read of the source. One per
// libzip handle, used by one thread; the caller owns it (libzip's FREE
// command frees nothing).
class SourceWindow {
 public:
  SourceWindow(const ByteSource& source, uint64_t begin, uint64_t length)
      : source_(source), begin_(begin), length_(length) {
    Zip().error_init(&error_);
  }
  ~SourceWindow() { Zip().error_fini(&error_); }
  SourceWindow(const SourceWindow&) = delete;
  SourceWindow& operator=(const SourceWindow&) = delete;

  static zip_int64_t Callback(void* self, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    return static_cast<SourceWindow*>(self)->Serve(data, len, cmd);
  }

 private:
  zip_int64_t Serve(void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
    switch (cmd) {
      case ZIP_SOURCE_OPEN: pos_ = 0; return 0;
      case ZIP_SOURCE_READ: return Read(static_cast<char*>(data), len);
      case ZIP_SOURCE_CLOSE:
      case ZIP_SOURCE_FREE: return 0;
      case ZIP_SOURCE_STAT: {
        auto* st = static_cast<zip_stat_t*>(data);
        Zip().stat_init(st);
        st->size = length_;
        st->valid |= ZIP_STAT_SIZE;
        return sizeof(*st);
      }
      case ZIP_SOURCE_SEEK: {
        zip_int64_t at = Zip().source_seek_compute_offset(pos_, length_, data, len, &error_);
        if (at < 0) return -1;
        pos_ = uint64_t(at);
        return 0;
      }
      case ZIP_SOURCE_TELL: return zip_int64_t(pos_);
      case ZIP_SOURCE_ERROR: return Zip().error_to_data(&error_, data, len);
      case ZIP_SOURCE_SUPPORTS:
        // Open, read, close, stat, error, free, seek, tell, supports: the
        // constant, not zip_source_make_command_bitmap, whose varargs the
        // table of libzip's entry points would have to carry.
        return ZIP_SOURCE_SUPPORTS_SEEKABLE;
      default:
        Zip().error_set(&error_, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
  }

  zip_int64_t Read(char* out, uint64_t len) {
    len = std::min(len, length_ - std::min(pos_, length_));
    Result<size_t> got = source_.ReadAt(begin_ + pos_, {out, size_t(len)});
    if (!got.ok()) {
      Zip().error_set(&error_, ZIP_ER_READ, EIO);
      return -1;
    }
    pos_ += *got;
    return zip_int64_t(*got);
  }

  const ByteSource& source_;
  const uint64_t begin_;
  const uint64_t length_;
  uint64_t pos_ = 0;
  zip_error_t error_;
};

}  // namespace

Archive::Archive(std::unique_ptr<ByteSource> source, CentralDirectory directory)
    : source_(std::move(source)),
      directory_(std::move(directory)),
      stored_verdict_(std::make_unique<std::atomic<uint8_t>[]>(directory_.records().size())) {}

Result<std::unique_ptr<Archive>> Archive::Open(const std::string& path,
                                               const RemoteOptions& remote) {
  Result<std::unique_ptr<ByteSource>> source = OpenSource(path, remote);
  if (!source.ok()) return source.status();
  return Open(std::move(*source));
}

Result<std::unique_ptr<Archive>> Archive::Open(std::unique_ptr<ByteSource> source) {
  Result<CentralDirectory> dir = CentralDirectory::Read(*source);
  if (!dir.ok()) return dir.status();
  return std::unique_ptr<Archive>(new Archive(std::move(source), std::move(*dir)));
}

Status Archive::ReadExactly(uint32_t index, uint64_t data_offset, uint64_t offset,
                            std::span<char> out) const {
  Result<size_t> got =
      source_->ReadInExtent(offset, out, data_offset + record(index).compressed_size);
  if (!got.ok()) return Status::IoError(EntryLabel(index) + ": " + got.status().message());
  if (*got != out.size()) return Status::Corrupt(EntryLabel(index) + ": truncated data");
  return Status::Ok();
}

std::string Archive::EntryLabel(uint32_t index) const {
  // Names come from the zip (and paths from the user): printed escaped, so
  // a name holding "\n" cannot forge a log line.
  return Printable(path()) + ": entry " + Printable(directory_.name(record(index)));
}

bool Archive::HasNativeReader(uint32_t index) const {
  const ZipRecord& r = record(index);
  return !r.encrypted() && (r.method == kMethodStored || r.method == kMethodDeflate ||
                            IsDecoderMethod(r.method));
}

Result<uint64_t> Archive::DataOffset(uint32_t index) const {
  const ZipRecord& r = record(index);
  if (r.encrypted()) return Status::Unsupported(EntryLabel(index) + ": encrypted");
  char header[kLocalHeaderSize];
  Result<size_t> got =
      source_->ReadInExtent(r.local_header_offset, header, EntryEndGuess(index));
  if (!got.ok()) return Status::IoError(EntryLabel(index) + ": " + got.status().message());
  return ParseLocalHeader(index, {header, *got});
}

uint64_t Archive::EntryEndGuess(uint32_t index) const {
  const ZipRecord& r = record(index);
  const uint64_t guess = r.local_header_offset + kLocalHeaderSize + r.name_length +
                         kLocalExtraAllowance + r.compressed_size;
  return std::min(guess, file_size());
}

Result<uint64_t> Archive::ParseLocalHeader(uint32_t index, std::span<const char> header) const {
  const ZipRecord& r = record(index);
  auto* p = reinterpret_cast<const unsigned char*>(header.data());
  auto le16 = [p](int at) { return uint32_t(p[at] | (p[at + 1] << 8)); };
  if (header.size() < kLocalHeaderSize || (le16(0) | (le16(2) << 16)) != kLocalSignature) {
    return Status::Corrupt(EntryLabel(index) + ": bad local header");
  }
  uint64_t data = r.local_header_offset + kLocalHeaderSize + le16(26) + le16(28);
  if (data > file_size() || r.compressed_size > file_size() - data) {
    return Status::Corrupt(EntryLabel(index) + ": data runs past the end of the file");
  }
  return data;
}

Result<size_t> Archive::ReadStored(uint32_t index, uint64_t data_offset, uint64_t offset,
                                   std::span<char> out) const {
  const ZipRecord& r = record(index);
  if (offset >= r.uncompressed_size) return size_t(0);
  out = out.first(std::min<uint64_t>(out.size(), r.uncompressed_size - offset));
  if (Status s = ReadExactly(index, data_offset, data_offset + offset, out); !s.ok()) return s;
  return out.size();
}

Status Archive::VerifyStored(uint32_t index, uint64_t data_offset, uint64_t max_bytes) const {
  const ZipRecord& r = record(index);
  if (r.compressed_size != r.uncompressed_size) {
    return Status::Corrupt(EntryLabel(index) + ": stored entry with two different sizes");
  }
  uint8_t verdict = stored_verdict_[index].load(std::memory_order_relaxed);
  if (verdict == 0 && r.uncompressed_size <= max_bytes) {
    ByteBuffer buf(std::min<uint64_t>(r.uncompressed_size, 1 << 20));
    uint32_t crc = 0;
    for (uint64_t at = 0; at < r.uncompressed_size;) {
      std::span<char> piece(buf.data(), std::min<uint64_t>(buf.size(), r.uncompressed_size - at));
      Result<size_t> got = ReadStored(index, data_offset, at, piece);
      if (!got.ok()) return got.status();
      crc = libdeflate_crc32(crc, piece.data(), piece.size());
      at += piece.size();
    }
    verdict = crc == r.crc32 ? 1 : 2;
    stored_verdict_[index].store(verdict, std::memory_order_relaxed);
  }
  if (verdict == 2) return Status::Corrupt(EntryLabel(index) + ": CRC-32 mismatch");
  return Status::Ok();
}

Result<ByteBuffer> Archive::ReadWhole(uint32_t index) const {
  const ZipRecord& r = record(index);
  if (r.encrypted()) return Status::Unsupported(EntryLabel(index) + ": encrypted entry");
  Result<ByteBuffer> data = Status::Unsupported("unset");
  if (r.method == kMethodDeflate) {
    data = InflateWhole(index);
  } else if (r.method == kMethodStored) {
    Result<uint64_t> offset = DataOffset(index);
    if (!offset.ok()) return offset.status();
    ByteBuffer out(r.uncompressed_size);
    Result<size_t> got = ReadStored(index, *offset, 0, out);
    if (!got.ok()) return got.status();
    data = std::move(out);
  } else if (IsDecoderMethod(r.method)) {
    data = DecodeWhole(index);
  } else {
    data = ReadWithLibzip(index);
  }
  if (data.ok() && Crc32(*data) != r.crc32) {
    return Status::Corrupt(EntryLabel(index) + ": CRC-32 mismatch");
  }
  return data;
}

Result<ByteBuffer> Archive::DecodeWhole(uint32_t index) const {
  Result<uint64_t> offset = DataOffset(index);
  if (!offset.ok()) return offset.status();
  Result<std::unique_ptr<EntryDecoder>> decoder = OpenEntryDecoder(*this, index, *offset);
  if (!decoder.ok()) return decoder.status();
  ByteBuffer out(record(index).uncompressed_size);
  Result<size_t> got = (*decoder)->Decode(out);  // checks the CRC-32 at the end
  if (!got.ok()) return got.status();
  if (*got != out.size()) return Status::Corrupt(EntryLabel(index) + ": shorter than its stated size");
  return out;
}

Result<ByteBuffer> Archive::InflateWhole(uint32_t index) const {
  const ZipRecord& r = record(index);
  // One source read for the local header and the data: a cold small file
  // then costs one disk request rather than two or three. The local name
  // usually matches the central one and the extra field is short; when
  // the guess falls short, the rest of the data is read after it.
  const uint64_t end = EntryEndGuess(index);
  ByteBuffer in(end - std::min(end, r.local_header_offset));
  Result<size_t> got = source_->ReadInExtent(r.local_header_offset, in, end);
  if (!got.ok()) return Status::IoError(EntryLabel(index) + ": " + got.status().message());
  Result<uint64_t> data_offset = ParseLocalHeader(index, {in.data(), *got});
  if (!data_offset.ok()) return data_offset.status();
  uint64_t skip = *data_offset - r.local_header_offset;  // header, name, extra
  uint64_t have = *got > skip ? *got - skip : 0;
  if (have < r.compressed_size) {
    in.resize(skip + r.compressed_size);
    if (Status s = ReadExactly(index, *data_offset, *data_offset + have,
                               std::span(in).subspan(skip + have));
        !s.ok()) {
      return s;
    }
  }
  std::span<const char> compressed = std::span<const char>(in).subspan(skip, r.compressed_size);
  std::unique_ptr<libdeflate_decompressor, DecompressorFree> d(libdeflate_alloc_decompressor());
  if (!d) return Status::IoError(EntryLabel(index) + ": out of memory");
  ByteBuffer out(r.uncompressed_size);
  size_t produced = 0;
  libdeflate_result rc = libdeflate_deflate_decompress(
      d.get(), compressed.data(), compressed.size(), out.data(), out.size(), &produced);
  if (rc != LIBDEFLATE_SUCCESS || produced != out.size()) {
    return Status::Corrupt(EntryLabel(index) + ": bad deflate data or wrong size");
  }
  return out;
}

Result<ByteBuffer> Archive::ReadWithLibzip(uint32_t index) const {
  ByteBuffer out(record(index).uncompressed_size);
  Result<size_t> got = ReadWithLibzip(index, out, /*whole=*/true);
  if (!got.ok()) return got.status();
  return out;
}

Result<size_t> Archive::ReadWithLibzip(uint32_t index, std::span<char> out, bool whole) const {
  const ZipRecord& r = record(index);
  if (!Zip().ok()) return Status::Unsupported(EntryLabel(index) + ": " + Zip().error);
  // libzip does not detect a self-extractor prefix: show it only the
  // archive proper, where its offsets are right. `window` outlives `za`,
  // which reads through it.
  uint64_t prefix = directory_.prefix_length();
  SourceWindow window(*source_, prefix, file_size() - prefix);
  zip_error_t error;
  Zip().error_init(&error);
  zip_source_t* source = Zip().source_function_create(&SourceWindow::Callback, &window, &error);
  if (source == nullptr) {
    Zip().error_fini(&error);
    return Status::IoError(EntryLabel(index) + ": libzip cannot read the file");
  }
  std::unique_ptr<zip_t, ZipDiscard> za(Zip().open_from_source(source, ZIP_RDONLY, &error));
  Zip().error_fini(&error);
  if (!za) {
    Zip().source_free(source);
    return Status::Corrupt(EntryLabel(index) + ": libzip cannot open the archive");
  }
  // libzip numbers entries in central-directory order, as we do; the name
  // check guards against any disagreement on what entry i is.
  const char* name = Zip().get_name(za.get(), index, ZIP_FL_ENC_RAW);
  if (name == nullptr || directory_.name(r) != name) {
    return Status::Corrupt(EntryLabel(index) + ": libzip sees a different entry");
  }
  std::unique_ptr<zip_file_t, ZipFileClose> file(Zip().fopen_index(za.get(), index, 0));
  if (!file) {
    return Status::Unsupported(EntryLabel(index) + ": " + Zip().strerror(za.get()));
  }
  out = out.first(std::min<uint64_t>(out.size(), r.uncompressed_size));
  uint64_t done = 0;
  while (done < out.size()) {
    zip_int64_t n = Zip().fread(file.get(), out.data() + done, out.size() - done);
    if (n < 0) {
      return Status::Corrupt(EntryLabel(index) + ": " + Zip().file_strerror(file.get()));
    }
    if (n == 0) return Status::Corrupt(EntryLabel(index) + ": shorter than its stated size");
    done += uint64_t(n);
  }
  char extra;
  if (whole && Zip().fread(file.get(), &extra, 1) != 0) {
    return Status::Corrupt(EntryLabel(index) + ": longer than its stated size or bad data");
  }
  return out.size();
}

Result<size_t> Archive::ReadPrefix(uint32_t index, std::span<char> out) const {
  const ZipRecord& r = record(index);
  if (r.encrypted()) return Status::Unsupported(EntryLabel(index) + ": encrypted entry");
  out = out.first(std::min<uint64_t>(out.size(), r.uncompressed_size));
  if (!HasNativeReader(index)) return ReadWithLibzip(index, out, /*whole=*/false);
  Result<uint64_t> offset = DataOffset(index);
  if (!offset.ok()) return offset.status();
  if (r.method == kMethodStored) return ReadStored(index, *offset, 0, out);
  if (r.method == kMethodDeflate) {
    // A read of a few bytes never wants restart points.
    InflateStream stream(*this, index, *offset, std::make_shared<CheckpointIndex>(UINT64_MAX));
    return stream.Inflate(out);  // fills `out`: it ends within the entry
  }
  Result<std::unique_ptr<EntryDecoder>> decoder = OpenEntryDecoder(*this, index, *offset);
  if (!decoder.ok()) return decoder.status();
  return (*decoder)->Decode(out);
}

}  // namespace layerfs
