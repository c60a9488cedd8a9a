#include "tests/support/zip_builder.h"

#include <stdlib.h>
#include <time.h>
#include <lzma.h>
#include <zip.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <set>

#include "tests/support/zip_patch.h"

namespace layerfs::testing_zip {

namespace {

using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

constexpr uint16_t kUtf8Flag = 0x800;
constexpr uint32_t kDosDirectoryAttribute = 0x10;
constexpr const char* kPassword = "layerfs-test";

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }
};

int32_t LibzipMethod(Compression c) {
  switch (c) {
    case Compression::kStore: return ZIP_CM_STORE;
    case Compression::kDeflate: return ZIP_CM_DEFLATE;
    case Compression::kBzip2: return ZIP_CM_BZIP2;
    case Compression::kXz:
    case Compression::kZstd:
    case Compression::kLzma: return ZIP_CM_STORE;  // compressed here, see SelfCompressed
  }
  return ZIP_CM_STORE;
}

// Methods Debian's libzip cannot write: the builder compresses the content
// itself (liblzma, libzstd), has libzip store those bytes, then patches the
// method, CRC-32 and uncompressed size into both headers.
bool SelfCompressed(Compression c) {
  return c == Compression::kXz || c == Compression::kZstd || c == Compression::kLzma;
}

uint16_t ZipMethodNumber(Compression c) {
  switch (c) {
    case Compression::kXz: return 95;
    case Compression::kZstd: return 93;
    case Compression::kLzma: return 14;
    default: return 0;
  }
}

std::string CompressXz(const std::string& in) {
  std::string out(lzma_stream_buffer_bound(in.size()), '\0');
  size_t pos = 0;
  if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr,
                              reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                              reinterpret_cast<uint8_t*>(out.data()), &pos, out.size()) != LZMA_OK) {
    return {};
  }
  out.resize(pos);
  return out;
}

std::string CompressZstd(const std::string& in) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
  if (ZSTD_isError(n)) return {};
  out.resize(n);
  return out;
}

// ZIP's LZMA: version 2 bytes, properties size 2 bytes, the 5 property
// bytes, then raw LZMA1 data ending in an end marker (flag bit 1).
std::string CompressZipLzma(const std::string& in) {
  lzma_options_lzma options;
  if (lzma_lzma_preset(&options, 6)) return {};
  lzma_filter filters[2] = {{LZMA_FILTER_LZMA1, &options}, {LZMA_VLI_UNKNOWN, nullptr}};
  uint8_t props[5];
  if (lzma_properties_encode(&filters[0], props) != LZMA_OK) return {};
  lzma_stream strm = LZMA_STREAM_INIT;
  if (lzma_raw_encoder(&strm, filters) != LZMA_OK) return {};
  std::string data(in.size() + in.size() / 2 + 4096, '\0');
  strm.next_in = reinterpret_cast<const uint8_t*>(in.data());
  strm.avail_in = in.size();
  strm.next_out = reinterpret_cast<uint8_t*>(data.data());
  strm.avail_out = data.size();
  lzma_ret rc = lzma_code(&strm, LZMA_FINISH);
  size_t written = data.size() - strm.avail_out;
  lzma_end(&strm);
  if (rc != LZMA_STREAM_END) return {};
  data.resize(written);
  return std::string("\x10\x02\x05\x00", 4) +
         std::string(reinterpret_cast<const char*>(props), 5) + data;
}

std::string SelfCompress(Compression c, const std::string& in) {
  switch (c) {
    case Compression::kXz: return CompressXz(in);
    case Compression::kZstd: return CompressZstd(in);
    case Compression::kLzma: return CompressZipLzma(in);
    default: return in;
  }
}

uint16_t LibzipEncryption(Encryption e) {
  switch (e) {
    case Encryption::kNone: return ZIP_EM_NONE;
    case Encryption::kAes256: return ZIP_EM_AES_256;
    case Encryption::kTraditional: return ZIP_EM_TRAD_PKWARE;
  }
  return ZIP_EM_NONE;
}

// Names libzip may refuse or rewrite; they are written as placeholders.
bool NeedsPlaceholder(const std::string& name) {
  return name.find('\0') != std::string::npos || name.find("..") != std::string::npos ||
         name.find('\\') != std::string::npos || (!name.empty() && name.front() == '/');
}

// A name of `length` bytes that no entry of the archive has, ending in '/'
// when `directory`. Letters and digits only, so libzip keeps it as is.
std::string Placeholder(size_t length, bool directory, const std::set<std::string>& taken,
                        uint64_t& counter) {
  static const char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  size_t body = directory ? length - 1 : length;
  while (true) {
    std::string name(body, 'Q');
    uint64_t n = counter++;
    for (size_t i = 0; i < body && (i == 0 || n > 0); ++i, n /= 62) name[i] = kDigits[n % 62];
    if (n > 0) return {};  // every name of that length is taken
    if (directory) name += '/';
    if (taken.count(name) == 0) return name;
  }
}

AssertionResult WriteEmptyArchive(const std::string& path, const std::string& comment) {
  std::string end = Le32(0x06054b50) + std::string(16, '\0') +
                    Le16(uint16_t(comment.size())) + comment;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << end;
  if (!out.good()) return AssertionFailure() << "cannot write " << path;
  return AssertionSuccess();
}

// Sets the comment length in the end record (the last 22 bytes of an
// archive without comment) and appends the comment.
AssertionResult AppendComment(const std::string& path, const std::string& comment) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  auto size = uint64_t(in.tellg());
  in.close();
  if (size < 22) return AssertionFailure() << path << " has no end record";
  if (AssertionResult r = OverwriteBytes(path, size - 2, Le16(uint16_t(comment.size()))); !r) {
    return r;
  }
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << comment;
  if (!out.good()) return AssertionFailure() << "cannot append to " << path;
  return AssertionSuccess();
}

void UseUtcForLibzip() {
  static std::once_flag once;
  std::call_once(once, [] {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  });
}

}  // namespace

bool CanWrite(Compression compression) {
  if (SelfCompressed(compression)) return true;
  return zip_compression_method_supported(LibzipMethod(compression), 1) != 0;
}

bool CanWrite(Encryption encryption) {
  return encryption == Encryption::kNone ||
         zip_encryption_method_supported(LibzipEncryption(encryption), 1) != 0;
}

ZipBuilder& ZipBuilder::File(std::string name, std::string content) {
  entries_.push_back(ZipEntry{.name = std::move(name), .content = std::move(content)});
  return *this;
}

ZipBuilder& ZipBuilder::Dir(std::string name) {
  if (name.empty() || name.back() != '/') name += '/';
  entries_.push_back(ZipEntry{.name = std::move(name), .mode = S_IFDIR | 0755,
                              .compression = Compression::kStore});
  return *this;
}

ZipBuilder& ZipBuilder::Symlink(std::string name, std::string target) {
  entries_.push_back(ZipEntry{.name = std::move(name), .content = std::move(target),
                              .mode = S_IFLNK | 0777, .compression = Compression::kStore});
  return *this;
}

ZipEntry& ZipBuilder::last() {
  if (entries_.empty()) {
    ADD_FAILURE() << "a ZipBuilder modifier needs an entry first";
    entries_.emplace_back();
  }
  return entries_.back();
}

ZipBuilder& ZipBuilder::Mode(uint32_t permission_bits) {
  last().mode = (last().mode & S_IFMT) | (permission_bits & 07777);
  return *this;
}

ZipBuilder& ZipBuilder::RawMode(uint32_t st_mode) {
  last().mode = st_mode;
  return *this;
}

ZipBuilder& ZipBuilder::NoUnixAttributes() {
  last().unix_attributes = false;
  return *this;
}

ZipBuilder& ZipBuilder::Compress(Compression compression) {
  last().compression = compression;
  return *this;
}

ZipBuilder& ZipBuilder::Encrypt(Encryption encryption) {
  last().encryption = encryption;
  return *this;
}

ZipBuilder& ZipBuilder::Mtime(int64_t unix_seconds) {
  last().mtime = unix_seconds;
  return *this;
}

ZipBuilder& ZipBuilder::ExtendedMtime(int64_t unix_seconds) {
  // Flags: bit 0, "mtime present"; then the mtime as a signed 32-bit value.
  return ExtraField(0x5455, std::string(1, '\x01') + Le32(uint32_t(int32_t(unix_seconds))));
}

ZipBuilder& ZipBuilder::ExtraField(uint16_t id, std::string data) {
  last().extra_fields.push_back({id, std::move(data)});
  return *this;
}

ZipBuilder& ZipBuilder::Utf8Flag() {
  last().utf8_flag = true;
  return *this;
}

ZipBuilder& ZipBuilder::Comment(std::string comment) {
  comment_ = std::move(comment);
  return *this;
}

AssertionResult ZipBuilder::Write(const std::string& path) const {
  if (entries_.empty()) return WriteEmptyArchive(path, comment_.value_or(""));
  UseUtcForLibzip();
  int error = 0;
  std::unique_ptr<zip_t, ZipDiscard> za(zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error));
  if (!za) return AssertionFailure() << "zip_open " << path << " failed: error " << error;
  auto fail = [&](const std::string& what, size_t i) {
    return AssertionFailure() << what << " of entry " << i << " (" << entries_[i].name
                              << ") failed: " << zip_strerror(za.get());
  };

  std::set<std::string> taken;
  for (const ZipEntry& e : entries_) taken.insert(e.name);
  std::set<std::string> written_names;
  std::vector<size_t> renamed;
  // Compressed payloads must outlive zip_close(), which reads them.
  std::vector<std::string> payloads(entries_.size());
  uint64_t counter = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const ZipEntry& e = entries_[i];
    std::string written = e.name;
    if (NeedsPlaceholder(e.name) || written_names.count(e.name) != 0) {
      bool directory = !e.name.empty() && e.name.back() == '/' && e.name.size() > 1;
      written = Placeholder(e.name.size(), directory, taken, counter);
      if (written.empty()) return AssertionFailure() << "no placeholder for " << e.name;
      taken.insert(written);
      renamed.push_back(i);
    }
    written_names.insert(written);

    // The buffer belongs to this builder, which outlives zip_close().
    const std::string* data = &e.content;
    if (SelfCompressed(e.compression)) {
      payloads[i] = SelfCompress(e.compression, e.content);
      if (payloads[i].empty()) return AssertionFailure() << "cannot compress entry " << i;
      data = &payloads[i];
    }
    zip_source_t* source = zip_source_buffer(za.get(), data->data(), data->size(), 0);
    if (source == nullptr) return fail("zip_source_buffer", i);
    zip_int64_t index = zip_file_add(za.get(), written.c_str(), source, ZIP_FL_ENC_GUESS);
    if (index < 0) {
      zip_source_free(source);
      return fail("zip_file_add", i);
    }
    auto at = zip_uint64_t(index);
    if (zip_set_file_compression(za.get(), at, LibzipMethod(e.compression), 0) != 0) {
      return fail("zip_set_file_compression", i);
    }
    bool directory = S_ISDIR(e.mode) || (!e.name.empty() && e.name.back() == '/');
    int attributes_ok =
        e.unix_attributes
            ? zip_file_set_external_attributes(za.get(), at, 0, ZIP_OPSYS_UNIX, e.mode << 16)
            : zip_file_set_external_attributes(za.get(), at, 0, ZIP_OPSYS_DOS,
                                               directory ? kDosDirectoryAttribute : 0);
    if (attributes_ok != 0) return fail("zip_file_set_external_attributes", i);
    if (zip_file_set_mtime(za.get(), at, time_t(e.mtime), 0) != 0) {
      return fail("zip_file_set_mtime", i);
    }
    for (const ZipEntry::ExtraField& f : e.extra_fields) {
      if (zip_file_extra_field_set(za.get(), at, f.id, ZIP_EXTRA_FIELD_NEW,
                                   reinterpret_cast<const zip_uint8_t*>(f.data.data()),
                                   zip_uint16_t(f.data.size()),
                                   ZIP_FL_LOCAL | ZIP_FL_CENTRAL) != 0) {
        return fail("zip_file_extra_field_set", i);
      }
    }
    if (e.encryption != Encryption::kNone &&
        zip_file_set_encryption(za.get(), at, LibzipEncryption(e.encryption), kPassword) != 0) {
      return fail("zip_file_set_encryption", i);
    }
  }
  if (zip_close(za.get()) != 0) {
    return AssertionFailure() << "zip_close " << path << " failed: " << zip_strerror(za.get());
  }
  za.release();  // zip_close freed it
  // libzip refuses comments that are not text; any bytes are allowed here.
  if (comment_) {
    if (AssertionResult r = AppendComment(path, *comment_); !r) return r;
  }

  for (size_t i : renamed) {
    if (AssertionResult r = RenameEntry(path, i, entries_[i].name); !r) return r;
  }
  std::vector<EntryLocation> located;
  if (AssertionResult r = LocateEntries(path, &located); !r) return r;
  for (size_t i = 0; i < located.size() && i < entries_.size(); ++i) {
    const ZipEntry& e = entries_[i];
    if (!SelfCompressed(e.compression)) continue;
    uint32_t crc = uint32_t(crc32(crc32(0, nullptr, 0),
                                  reinterpret_cast<const Bytef*>(e.content.data()),
                                  uInt(e.content.size())));
    std::string fields = Le32(crc) + Le32(uint32_t(payloads[i].size())) +
                         Le32(uint32_t(e.content.size()));
    uint16_t flags = located[i].flags | (e.compression == Compression::kLzma ? 0x2 : 0);
    std::string method = Le16(ZipMethodNumber(e.compression));
    if (AssertionResult r = OverwriteBytes(path, located[i].local_offset + 6, Le16(flags) + method);
        !r) {
      return r;
    }
    if (AssertionResult r = OverwriteBytes(path, located[i].local_offset + 14, fields); !r) return r;
    if (AssertionResult r = OverwriteBytes(path, located[i].central_offset + 8, Le16(flags) + method);
        !r) {
      return r;
    }
    if (AssertionResult r = OverwriteBytes(path, located[i].central_offset + 16, fields); !r) {
      return r;
    }
  }
  if (located.size() != entries_.size()) {
    return AssertionFailure() << path << " holds " << located.size() << " entries, not "
                              << entries_.size();
  }
  for (size_t i = 0; i < located.size(); ++i) {
    if (located[i].name != entries_[i].name) {
      return AssertionFailure() << "entry " << i << " is named \"" << located[i].name
                                << "\", not \"" << entries_[i].name << "\"";
    }
    if (((located[i].flags & kUtf8Flag) != 0) != entries_[i].utf8_flag) {
      if (AssertionResult r = SetEntryFlags(path, i, kUtf8Flag, entries_[i].utf8_flag); !r) {
        return r;
      }
    }
  }
  return AssertionSuccess();
}

}  // namespace layerfs::testing_zip
