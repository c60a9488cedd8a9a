#include "fs/source/cache_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>
#include <thread>
#include <vector>

#include "fs/base/printable.h"
#include "fs/base/write_all.h"

namespace layerfs {

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kMagic[4] = {'L', 'F', 'B', '1'};
constexpr size_t kTrailer = 16;  // magic, CRC-32 (LE), length (LE 64)

std::string Errno() { return std::strerror(errno); }

std::string Sha256HexOf(std::string_view text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  return HexOf(d);
}

std::string StripQuery(const std::string& url) { return url.substr(0, url.find('?')); }

std::optional<std::string> ReadSmallFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return std::nullopt;
  std::string s;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || s.size() > (1 << 16)) return std::nullopt;
    s.append(buf, size_t(n));
  }
  return s;
}

// A temp name in `dir` unique to this thread and moment, so concurrent
// writers (threads or daemons) never share one; O_EXCL checks it anyway.
std::string TempName(const std::string& dir, const char* prefix = "tmp") {
  std::ostringstream s;
  s << dir << "/" << prefix << "." << ::getpid() << "." << ::gettid() << "."
    << Clock::now().time_since_epoch().count();
  return s.str();
}

// Writes `data` to `path` via a temp file and rename, so readers see the
// old file or the whole new one.
bool WriteAtomically(const std::string& dir, const std::string& path, std::string_view data) {
  std::string tmp = TempName(dir);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return false;
  bool ok = WriteAll(fd.get(), data) == 0;
  fd.Reset();
  if (ok && ::rename(tmp.c_str(), path.c_str()) == 0) return true;
  ::unlink(tmp.c_str());
  return false;
}

// What a file of `bytes` takes on disk: whole 4 KiB file-system blocks.
// Block files are small (16 KiB and a trailer), so counting their sizes
// alone would let the cache outgrow --cache-dir-size by a fifth.
uint64_t OnDisk(uint64_t bytes) { return (bytes + 4095) / 4096 * 4096; }

// Bytes the plain files of `dir` take on disk (a layer directory is flat).
uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return 0;
  while (dirent* e = ::readdir(d.get())) {
    struct stat st;
    if (e->d_name[0] == '.') continue;
    if (::fstatat(::dirfd(d.get()), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISREG(st.st_mode)) {
      total += std::max(uint64_t(st.st_blocks) * 512, OnDisk(uint64_t(st.st_size)));
    }
  }
  return total;
}

void RemoveFlatDir(const std::string& dir) {
  {
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    if (!d) return;
    while (dirent* e = ::readdir(d.get())) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      ::unlinkat(::dirfd(d.get()), e->d_name, 0);
    }
  }
  ::rmdir(dir.c_str());
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return names;
  while (dirent* e = ::readdir(d.get())) {
    if (e->d_name[0] != '.') names.push_back(e->d_name);
  }
  return names;
}

bool ValidKey(const std::string& key) {
  return !key.empty() && key.size() <= 80 &&
         std::all_of(key.begin(), key.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

// Makes `path` and missing parents (mode 0700, as a user's cache is private).
bool MakeDirs(const std::string& path) {
  if (path.empty()) return false;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return true;
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0 && !MakeDirs(path.substr(0, slash))) return false;
  return ::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST;
}

}  // namespace

std::string CacheDir::DefaultPath() {
  if (::geteuid() == 0) return "/var/cache/layerfs";
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/layerfs";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.cache/layerfs";
  return "";
}

Result<std::shared_ptr<CacheDir>> CacheDir::Open(const std::string& path, uint64_t max_bytes) {
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument("cache dir " + path + ": " + why);
  };
  if (path.empty() || path[0] != '/') return fail("needs an absolute path");
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return fail(Errno());
    if (!MakeDirs(path)) return fail("cannot create it: " + Errno());
    if (::stat(path.c_str(), &st) != 0) return fail(Errno());
  }
  if (!S_ISDIR(st.st_mode)) return fail("not a directory");
  // Whoever can write here decides the bytes later read as a layer's.
  if (st.st_uid != ::geteuid()) {
    return fail("owned by uid " + std::to_string(st.st_uid) + ", not by this user (uid " +
                std::to_string(::geteuid()) + ")");
  }
  if ((st.st_mode & 022) != 0) return fail("writable by group or others");
  if (::access(path.c_str(), W_OK | X_OK) != 0) return fail("not writable: " + Errno());
  for (const char* sub : {"/layers", "/urls", "/trash"}) {
    std::string p = path + sub;
    if (::mkdir(p.c_str(), 0700) != 0 && errno != EEXIST) return fail("cannot create " + p + ": " + Errno());
  }
  // A read-only file system passes access() for root: prove a write.
  std::string probe = TempName(path);
  UniqueFd fd(::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail("not writable: " + Errno());
  ::unlink(probe.c_str());
  return std::shared_ptr<CacheDir>(new CacheDir(path, max_bytes));
}

Result<std::unique_ptr<CacheLayer>> CacheDir::OpenLayer(const std::string& key) {
  if (!ValidKey(key)) return Status::InvalidArgument("cache: bad layer key '" + key + "'");
  const std::string dir = path_ + "/layers/" + key;
  const std::string lock = dir + "/lock";
  // An eviction may rename the directory away between our mkdir and our
  // flock: the lock we hold must be the one still at the path.
  for (int attempt = 0; attempt < 20; ++attempt) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::IoError("cache: " + dir + ": " + Errno());
    }
    UniqueFd fd(::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd.valid()) {
      if (errno == ENOENT) continue;
      return Status::IoError("cache: " + lock + ": " + Errno());
    }
    int rc;
    while ((rc = ::flock(fd.get(), LOCK_SH)) != 0 && errno == EINTR) {
    }
    if (rc != 0) return Status::IoError("cache: flock " + lock + ": " + Errno());
    struct stat held, now;
    if (::fstat(fd.get(), &held) == 0 && ::stat(lock.c_str(), &now) == 0 &&
        held.st_ino == now.st_ino && held.st_dev == now.st_dev) {
      auto layer = std::unique_ptr<CacheLayer>(
          new CacheLayer(shared_from_this(), key, dir, std::move(fd)));
      layer->Touch();
      return layer;
    }
  }
  return Status::IoError("cache: " + dir + ": keeps being evicted");
}

std::optional<std::string> CacheDir::LayerForUrl(const std::string& url) const {
  std::optional<std::string> key =
      ReadSmallFile(path_ + "/urls/" + Sha256HexOf(StripQuery(url)));
  if (!key || !ValidKey(*key)) return std::nullopt;
  return key;
}

void CacheDir::RememberUrl(const std::string& url, const std::string& key) const {
  const std::string file = path_ + "/urls/" + Sha256HexOf(StripQuery(url));
  if (ReadSmallFile(file) == key) return;
  (void)WriteAtomically(path_ + "/urls", file, key);
}

bool CacheDir::Reserve(uint64_t bytes) {
  // Never fill the disk: keep min(1 GiB, 5%) of the file system free.
  struct statvfs vfs;
  if (::statvfs(path_.c_str(), &vfs) != 0) return false;
  const uint64_t avail = uint64_t(vfs.f_bavail) * vfs.f_frsize;
  const uint64_t total = uint64_t(vfs.f_blocks) * vfs.f_frsize;
  const uint64_t reserve = std::min<uint64_t>(1ull << 30, total / 20);
  if (avail < bytes + reserve) return false;
  std::lock_guard lock(mu_);
  if (!measured_ || usage_ + bytes > max_bytes_) {
    // Over the bound: measure (and evict) at most once a second, so a
    // cache full of busy layers costs a failed check, not a scan, per block.
    if (!measured_ || Clock::now() - last_pass_ >= std::chrono::seconds(1)) EvictLocked();
  }
  if (usage_ + bytes > max_bytes_) return false;
  usage_ += bytes;
  return true;
}

uint64_t CacheDir::Evict() {
  std::lock_guard lock(mu_);
  return EvictLocked();
}

uint64_t CacheDir::EvictLocked() {
  measured_ = true;
  last_pass_ = Clock::now();
  // Leftovers of an eviction that died midway.
  for (const std::string& name : ListDir(path_ + "/trash")) RemoveFlatDir(path_ + "/trash/" + name);

  struct Entry {
    struct timespec used;
    uint64_t bytes;
    std::string key;
  };
  std::vector<Entry> layers;
  uint64_t total = 0;
  for (const std::string& key : ListDir(path_ + "/layers")) {
    const std::string dir = path_ + "/layers/" + key;
    struct stat st;
    if (::stat((dir + "/meta").c_str(), &st) != 0 && ::stat(dir.c_str(), &st) != 0) continue;
    Entry e{st.st_mtim, DirBytes(dir), key};
    total += e.bytes;
    layers.push_back(std::move(e));
  }
  if (total > max_bytes_) {
    std::sort(layers.begin(), layers.end(), [](const Entry& a, const Entry& b) {
      return std::tie(a.used.tv_sec, a.used.tv_nsec) < std::tie(b.used.tv_sec, b.used.tv_nsec);
    });
    const uint64_t target = max_bytes_ / 10 * 9;
    for (const Entry& e : layers) {
      if (total <= target) break;
      const std::string dir = path_ + "/layers/" + e.key;
      UniqueFd fd(::open((dir + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
      if (!fd.valid() || ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) continue;  // in use
      const std::string trash = TempName(path_ + "/trash", e.key.c_str());
      if (::rename(dir.c_str(), trash.c_str()) != 0) continue;
      fd.Reset();
      RemoveFlatDir(trash);
      total -= e.bytes;
    }
  }
  usage_ = total;
  return total;
}

CacheLayer::~CacheLayer() { Touch(); }

void CacheLayer::Touch() const {
  ::utimensat(AT_FDCWD, (path_ + "/meta").c_str(), nullptr, 0);
}

std::optional<LayerMeta> CacheLayer::ReadMeta() const {
  std::optional<std::string> text = ReadSmallFile(path_ + "/meta");
  if (!text) return std::nullopt;
  std::istringstream in(*text);
  std::string magic;
  std::getline(in, magic);
  if (magic != "layerfs-cache 1") return std::nullopt;
  LayerMeta m;
  bool has_size = false, has_block = false;
  for (std::string line; std::getline(in, line);) {
    size_t sp = line.find(' ');
    std::string k = line.substr(0, sp);
    std::string v = sp == std::string::npos ? "" : line.substr(sp + 1);
    char* end = nullptr;
    unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    bool number = !v.empty() && end != nullptr && *end == '\0';
    if (k == "url") m.url = v;
    else if (k == "sha256") m.sha256 = v;
    else if (k == "size" && number) m.size = n, has_size = true;
    else if (k == "mtime" && number) m.mtime = int64_t(n);
    else if (k == "block_size" && number) m.block_size = n, has_block = true;
    else if (k == "tail_offset" && number) m.tail_offset = n;
    else if (k == "complete") m.complete = v == "1";
  }
  if (!has_size || !has_block || m.block_size == 0 || m.tail_offset > m.size) return std::nullopt;
  return m;
}

Status CacheLayer::WriteMeta(const LayerMeta& m) const {
  std::ostringstream out;
  out << "layerfs-cache 1\nurl " << m.url << "\nsize " << m.size << "\nmtime " << m.mtime
      << "\nblock_size " << m.block_size << "\ntail_offset " << m.tail_offset << "\nsha256 "
      << m.sha256 << "\ncomplete " << (m.complete ? 1 : 0) << "\n";
  if (!WriteAtomically(path_, path_ + "/meta", out.str())) {
    return Status::IoError("cache: cannot write " + path_ + "/meta: " + Errno());
  }
  return Status::Ok();
}

std::optional<std::string> CacheLayer::ReadBlock(const std::string& name, uint64_t length) const {
  UniqueFd fd(::open((path_ + "/" + name).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.valid()) return std::nullopt;
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || uint64_t(st.st_size) != length + kTrailer) return std::nullopt;
  std::string data(length + kTrailer, '\0');
  size_t got = 0;
  while (got < data.size()) {
    ssize_t n = ::pread(fd.get(), data.data() + got, data.size() - got, off_t(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += size_t(n);
  }
  const char* t = data.data() + length;
  uint32_t crc;
  uint64_t len;
  std::memcpy(&crc, t + 4, 4);
  std::memcpy(&len, t + 8, 8);
  if (std::memcmp(t, kMagic, 4) != 0 || len != length) return std::nullopt;
  if (Checksum(name, std::string_view(data.data(), length)) != crc) return std::nullopt;
  data.resize(length);
  return data;
}

bool CacheLayer::HasBlock(const std::string& name, uint64_t length) const {
  struct stat st;
  return ::stat((path_ + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
         uint64_t(st.st_size) == length + kTrailer;
}

bool CacheLayer::WriteBlock(const std::string& name, std::string_view data) const {
  if (!dir_->Reserve(OnDisk(data.size() + kTrailer))) return false;
  std::string file(data);
  char t[kTrailer];
  uint32_t crc = Checksum(name, data);
  uint64_t len = data.size();
  std::memcpy(t, kMagic, 4);
  std::memcpy(t + 4, &crc, 4);
  std::memcpy(t + 8, &len, 8);
  file.append(t, kTrailer);
  return WriteAtomically(path_, path_ + "/" + name, file);
}

uint32_t CacheLayer::Checksum(const std::string& name, std::string_view data) const {
  // The layer and the block are in the sum: a valid block file moved to
  // another name or layer reads as damaged, not as other bytes.
  const std::string where = key_ + "/" + name;
  uLong crc = ::crc32(0, reinterpret_cast<const Bytef*>(where.data()), uInt(where.size()));
  return uint32_t(::crc32(crc, reinterpret_cast<const Bytef*>(data.data()), uInt(data.size())));
}

bool CacheLayer::LockBlocks(uint64_t from, uint64_t to, Clock::time_point deadline) const {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = off_t(from);
  fl.l_len = off_t(to - from);
  // Polled, not F_OFD_SETLKW: a daemon stopped mid-download must not hang
  // our reads past their deadline.
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    if (::fcntl(lock_.get(), F_OFD_SETLK, &fl) == 0) return true;
    if (errno != EAGAIN && errno != EACCES && errno != EINTR) return false;
    if (Clock::now() + pause >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

void CacheLayer::UnlockBlocks(uint64_t from, uint64_t to) const {
  struct flock fl {};
  fl.l_type = F_UNLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = off_t(from);
  fl.l_len = off_t(to - from);
  ::fcntl(lock_.get(), F_OFD_SETLK, &fl);
}

}  // namespace layerfs
