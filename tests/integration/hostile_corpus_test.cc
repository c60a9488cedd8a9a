// Mounts every case of the hostile-archive corpus (scripts/make-hostile-corpus)
// with the built layerfs binary and checks, through POSIX calls only, what
// the case's entry in expectations.json says: refused with one line naming
// the zip, or served with exactly the stated files, directories, symlinks,
// EIO entries and absences; the daemon alive afterwards and its memory
// growth within the stated bound.
//
// gtest needs the case names when tests are registered, so the corpus is
// generated then, once per generator version: it is cached under the build
// directory, keyed by a hash of the generator's sources, so the hundreds of
// ctest processes of the whole suite do not each pay the two seconds. A
// generator failure registers one case that fails with the generator's
// output, never zero cases. The --large corpus (an entry over 4 GiB) is
// generated lazily by its own test, only with LAYERFS_LARGE_TESTS=1.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fs/base/unique_fd.h"
#include "tests/integration/mount_harness.h"

namespace layerfs::test {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------- hashing

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void Update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string HexDigest() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md, &len);
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx_;
};

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ----------------------------------------------------------------- corpus

struct Corpus {
  std::string dir;    // holds the zips and expectations.json
  std::string error;  // why there is no corpus ("" when there is one)
  json doc;

  const json* Case(const std::string& name) const {
    for (const json& c : doc["cases"]) {
      if (c["name"] == name) return &c;
    }
    return nullptr;
  }
};

// Generator sources, hashed: a changed generator gets a fresh cache entry.
std::string GeneratorHash() {
  std::string src = LAYERFS_SOURCE_DIR;
  std::vector<std::string> files = {src + "/scripts/make-hostile-corpus"};
  if (DIR* d = ::opendir((src + "/scripts/hostile_corpus").c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > 3 && name.substr(name.size() - 3) == ".py") {
        files.push_back(src + "/scripts/hostile_corpus/" + name);
      }
    }
    ::closedir(d);
  }
  std::sort(files.begin(), files.end());
  Sha256 sha;
  for (const std::string& f : files) {
    std::string content = ReadFileBytes(f);
    sha.Update(f.data(), f.size() + 1);
    sha.Update(content.data(), content.size());
  }
  return sha.HexDigest().substr(0, 16);
}

std::string CacheRoot() {
  std::string binary = LAYERFS_BINARY;
  return binary.substr(0, binary.rfind('/')) + "/hostile-corpus";
}

// Generates (or finds already generated) the corpus. Processes racing to
// generate it each write a private directory and rename it into place;
// the losers use the winner's.
Corpus LoadCorpus(bool large) {
  Corpus corpus;
  std::string root = CacheRoot();
  corpus.dir = root + "/" + GeneratorHash() + (large ? "-large" : "");
  std::string doc_path = corpus.dir + "/expectations.json";
  if (::access(doc_path.c_str(), R_OK) != 0) {
    ::mkdir(root.c_str(), 0755);
    std::string tmp = corpus.dir + ".tmp." + std::to_string(::getpid());
    std::string script = std::string(LAYERFS_SOURCE_DIR) + "/scripts/make-hostile-corpus";
    CommandResult gen =
        Shell("python3 " + Quote(script) + " " + Quote(tmp) + (large ? " --large" : ""));
    if (gen.exit_code != 0) {
      Shell("rm -rf " + Quote(tmp));
      corpus.error = "scripts/make-hostile-corpus failed (exit " +
                     std::to_string(gen.exit_code) + "):\n" + gen.output;
      return corpus;
    }
    if (::rename(tmp.c_str(), corpus.dir.c_str()) != 0) Shell("rm -rf " + Quote(tmp));
  }
  try {
    corpus.doc = json::parse(ReadFileBytes(doc_path));
    if (corpus.doc.value("format", 0) != 1) {
      corpus.error = doc_path + ": unknown format " + corpus.doc.value("format", json()).dump();
    } else if (!corpus.doc["cases"].is_array() || corpus.doc["cases"].empty()) {
      corpus.error = doc_path + ": no cases";
    } else {
      for (const json& c : corpus.doc["cases"]) {
        bool ok = c.contains("name") && c["name"].is_string() && c.contains("layers") &&
                  c["layers"].is_array() && !c["layers"].empty() && c.contains("expect") &&
                  (c["expect"] == "serve" || c["expect"] == "refuse");
        if (!ok) corpus.error = doc_path + ": malformed case " + c.dump().substr(0, 200);
      }
    }
  } catch (const std::exception& e) {
    corpus.error = doc_path + ": " + e.what();
  }
  return corpus;
}

const Corpus& SmallCorpus() {
  static const Corpus corpus = LoadCorpus(false);
  return corpus;
}

const Corpus& LargeCorpus() {
  static const Corpus corpus = LoadCorpus(true);
  return corpus;
}

constexpr const char* kGenerationFailed = "generation_failed";

std::vector<std::string> CaseNames() {
  const Corpus& corpus = SmallCorpus();
  if (!corpus.error.empty()) return {kGenerationFailed};
  std::vector<std::string> names;
  for (const json& c : corpus.doc["cases"]) names.push_back(c["name"].get<std::string>());
  return names;
}

// A case's key, or an empty value when the case leaves it out (optional
// keys; a const json's operator[] must not be used on a missing key).
const json& Field(const json& c, const char* key) {
  static const json kEmpty = json::object();
  auto it = c.find(key);
  return it == c.end() ? kEmpty : *it;
}

// ------------------------------------------------------------ path access

// Opens the directory that holds `path` (relative to root_fd), walking one
// component at a time without following symlinks, so paths longer than
// PATH_MAX work. Returns the directory and sets *leaf; invalid on failure
// with errno set.
UniqueFd OpenParent(int root_fd, const std::string& path, std::string* leaf) {
  UniqueFd dir(::openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  size_t start = 0;
  for (size_t slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1) {
    std::string part = path.substr(start, slash - start);
    UniqueFd next(::openat(dir.get(), part.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return next;
    dir = std::move(next);
  }
  *leaf = path.substr(start);
  return dir;
}

// What lstat says of `path`, or the errno.
struct LstatResult {
  int error = 0;
  struct stat st {};
};

LstatResult Lstat(int root_fd, const std::string& path) {
  LstatResult r;
  std::string leaf;
  UniqueFd dir = OpenParent(root_fd, path, &leaf);
  if (!dir.valid() || ::fstatat(dir.get(), leaf.c_str(), &r.st, AT_SYMLINK_NOFOLLOW) != 0) {
    r.error = errno;
  }
  return r;
}

std::string ErrnoName(int e) { return std::string(strerrorname_np(e) ? strerrorname_np(e) : "?"); }

// Reads the whole file; returns "" and sets *error to the errno of the
// failing open/read, or fills *sha256 and *size.
struct ReadOutcome {
  int error = 0;          // errno of the failing call, 0 if all went well
  bool open_failed = false;
  uint64_t bytes = 0;     // read before the failure or end of file
  std::string sha256;
};

ReadOutcome ReadWhole(int root_fd, const std::string& path, uint64_t stop_after = UINT64_MAX) {
  ReadOutcome out;
  std::string leaf;
  UniqueFd dir = OpenParent(root_fd, path, &leaf);
  UniqueFd fd;
  if (dir.valid()) fd = UniqueFd(::openat(dir.get(), leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    out.error = errno;
    out.open_failed = true;
    return out;
  }
  Sha256 sha;
  std::vector<char> buf(1 << 17);
  while (out.bytes <= stop_after) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.error = errno;
      return out;
    }
    if (n == 0) break;
    sha.Update(buf.data(), size_t(n));
    out.bytes += uint64_t(n);
  }
  out.sha256 = sha.HexDigest();
  return out;
}

std::string HexDecode(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += char(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// Prints a path with control bytes escaped, for failure messages.
std::string Show(const std::string& path) {
  std::string out = "\"";
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02x", c);
      out += b;
    } else {
      out += char(c);
    }
  }
  if (out.size() > 160) out = out.substr(0, 80) + "..." + out.substr(out.size() - 60);
  return out + "\"";
}

// Every path under the mount, found with readdir, not following symlinks.
void Walk(int dir_fd, const std::string& prefix, std::set<std::string>& found) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
  if (d == nullptr) {
    if (fd >= 0) ::close(fd);
    ADD_FAILURE() << "cannot list " << Show(prefix) << ": " << ErrnoName(errno);
    return;
  }
  std::vector<std::pair<std::string, bool>> entries;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st;
      is_dir = ::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    entries.push_back({name, is_dir});
  }
  for (const auto& [name, is_dir] : entries) {
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    found.insert(path);
    if (is_dir) {
      UniqueFd sub(::openat(::dirfd(d), name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) {
        ADD_FAILURE() << "cannot open directory " << Show(path) << ": " << ErrnoName(errno);
        continue;
      }
      Walk(sub.get(), path, found);
    }
  }
  ::closedir(d);
}

// --------------------------------------------------------------- daemon

// A "VmRSS:"-style field of /proc/PID/status, in KiB; -1 if unreadable.
long StatusKib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}

std::string Mode(const struct stat& st) {
  char b[8];
  std::snprintf(b, sizeof b, "%04o", unsigned(st.st_mode & 07777));
  return b;
}

// ------------------------------------------------------------- checking

void CheckRefused(const Corpus& corpus, const json& c, const Mount& mount);
void CheckServed(const json& c, const std::string& mnt, int root);

// Mounts one case of `corpus` in a fresh directory and checks it end to end.
void RunCase(const Corpus& corpus, const json& c) {
  ScratchDir tmp;  // the mount's parent: "../x" paths land here
  std::string mnt = tmp / "mnt";
  std::vector<std::string> layers;
  for (const json& l : c["layers"]) layers.push_back(corpus.dir + "/" + l.get<std::string>());
  ::testing::Test::RecordProperty("note", c.value("note", ""));
  auto started = std::chrono::steady_clock::now();
  Mount mount(layers, mnt);
  ::testing::Test::RecordProperty("mount_ms", int(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - started).count()));
  if (c["expect"] == "refuse") {
    CheckRefused(corpus, c, mount);
  } else {
    ASSERT_TRUE(mount.ok()) << "exit " << mount.result().exit_code << ": " << mount.result().output;
    ASSERT_TRUE(IsMounted(mnt));
    pid_t daemon = DaemonPid(mnt);
    ASSERT_GT(daemon, 0) << "no daemon process found for " << mnt;
    long rss_before = StatusKib(daemon, "VmRSS");
    UniqueFd root(::open(mnt.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(root.valid()) << mnt << ": " << ErrnoName(errno);

    CheckServed(c, mnt, root.get());

    struct stat st;
    EXPECT_EQ(::stat(mnt.c_str(), &st), 0) << "mount no longer answers: " << ErrnoName(errno);
    EXPECT_EQ(::kill(daemon, 0), 0) << "daemon " << daemon << " died";
    long peak = StatusKib(daemon, "VmHWM");
    if (rss_before > 0 && peak > 0) {
      ::testing::Test::RecordProperty("rss_growth_kib", int(peak - rss_before));
      if (c.contains("max_rss_growth_mib")) {
        long bound = c["max_rss_growth_mib"].get<long>() * 1024;
        EXPECT_LE(peak - rss_before, bound)
            << "daemon peak RSS " << peak << " KiB, " << rss_before << " KiB before reading";
      }
    } else if (c.contains("max_rss_growth_mib")) {
      ADD_FAILURE() << "cannot read /proc/" << daemon << "/status";
    }
  }
  // Nothing appeared beside the mount point.
  std::set<std::string> beside;
  if (DIR* d = ::opendir(tmp.path().c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != ".." && name != "mnt") beside.insert(name);
    }
    ::closedir(d);
  }
  for (const std::string& name : beside) ADD_FAILURE() << "created beside the mount: " << Show(name);
}

void CheckRefused(const Corpus& corpus, const json& c, const Mount& mount) {
  const CommandResult& r = mount.result();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::string line = r.output;
  if (!line.empty() && line.back() == '\n') line.pop_back();
  EXPECT_FALSE(line.empty()) << "no error message";
  EXPECT_EQ(line.find('\n'), std::string::npos) << "more than one line:\n" << r.output;
  // The line names the zip at fault: the only layer, or, in a stack, a
  // layer that the corpus refuses on its own.
  std::vector<std::string> culprits;
  for (const json& l : c["layers"]) {
    std::string layer = l.get<std::string>();
    bool refused_alone = c["layers"].size() == 1;
    for (const json& other : corpus.doc["cases"]) {
      if (other["expect"] == "refuse" && other["layers"].size() == 1 &&
          other["layers"][0] == layer) {
        refused_alone = true;
      }
    }
    if (refused_alone) culprits.push_back(corpus.dir + "/" + layer);
  }
  ASSERT_FALSE(culprits.empty()) << "expectations name no refused layer";
  bool named = false;
  for (const std::string& culprit : culprits) named |= line.find(culprit) != std::string::npos;
  EXPECT_TRUE(named) << "the message does not name " << culprits.front() << ":\n" << line;
  EXPECT_FALSE(IsMounted(mount.path())) << "mounted although refused";
  EXPECT_EQ(DaemonPid(mount.path()), -1) << "a daemon is left running";
}

void CheckFile(int root, const std::string& path, const json& want) {
  LstatResult s = Lstat(root, path);
  ASSERT_EQ(s.error, 0) << "file " << Show(path) << ": lstat: " << ErrnoName(s.error);
  ASSERT_TRUE(S_ISREG(s.st.st_mode)) << Show(path) << ": not a regular file, mode "
                                     << std::oct << s.st.st_mode;
  EXPECT_EQ(Mode(s.st), want["mode"].get<std::string>()) << Show(path);
  uint64_t size = want["size"].get<uint64_t>();
  EXPECT_EQ(uint64_t(s.st.st_size), size) << Show(path);
  if (want.contains("mtime")) {
    EXPECT_EQ(int64_t(s.st.st_mtime), want["mtime"].get<int64_t>()) << Show(path) << ": mtime";
  }
  ReadOutcome r = ReadWhole(root, path, size);
  ASSERT_EQ(r.error, 0) << Show(path) << ": " << (r.open_failed ? "open" : "read") << " failed: "
                        << ErrnoName(r.error) << " after " << r.bytes << " bytes";
  EXPECT_EQ(r.bytes, size) << Show(path) << ": bytes read";
  EXPECT_EQ(r.sha256, want["sha256"].get<std::string>()) << Show(path) << ": content differs";
}

void CheckServed(const json& c, const std::string& mnt, int root) {
  std::set<std::string> expected;
  for (const auto& [path, want] : Field(c, "files").items()) {
    expected.insert(path);
    CheckFile(root, path, want);
  }
  if (c.contains("raw_files")) {
    for (const auto& [hex, want] : Field(c, "raw_files").items()) {
      std::string path = HexDecode(hex);
      expected.insert(path);
      CheckFile(root, path, want);
    }
  }
  for (const auto& [path, want] : Field(c, "dirs").items()) {
    expected.insert(path);
    LstatResult s = Lstat(root, path);
    if (s.error != 0) {
      ADD_FAILURE() << "dir " << Show(path) << ": lstat: " << ErrnoName(s.error);
      continue;
    }
    if (!S_ISDIR(s.st.st_mode)) {
      ADD_FAILURE() << Show(path) << ": not a directory, mode " << std::oct << s.st.st_mode;
      continue;
    }
    EXPECT_EQ(Mode(s.st), want["mode"].get<std::string>()) << "dir " << Show(path);
    if (want.contains("mtime")) {
      EXPECT_EQ(int64_t(s.st.st_mtime), want["mtime"].get<int64_t>()) << "dir " << Show(path);
    }
  }
  for (const auto& [path, target] : Field(c, "symlinks").items()) {
    expected.insert(path);
    LstatResult s = Lstat(root, path);
    if (s.error != 0 || !S_ISLNK(s.st.st_mode)) {
      ADD_FAILURE() << "symlink " << Show(path) << ": "
                    << (s.error ? "lstat: " + ErrnoName(s.error) : "not a symlink");
      continue;
    }
    std::string leaf;
    UniqueFd dir = OpenParent(root, path, &leaf);
    std::vector<char> buf(8192);
    ssize_t n = dir.valid() ? ::readlinkat(dir.get(), leaf.c_str(), buf.data(), buf.size()) : -1;
    if (n < 0) {
      ADD_FAILURE() << "readlink " << Show(path) << ": " << ErrnoName(errno);
      continue;
    }
    EXPECT_EQ(Show(std::string(buf.data(), size_t(n))), Show(target.get<std::string>()))
        << "symlink " << Show(path);
    EXPECT_EQ(uint64_t(s.st.st_size), uint64_t(n)) << "symlink " << Show(path) << ": st_size";
  }
  for (const auto& [path, want] : Field(c, "eio_stat").items()) {
    expected.insert(path);
    LstatResult s = Lstat(root, path);
    if (s.error != 0 || !S_ISREG(s.st.st_mode)) {
      ADD_FAILURE() << "eio " << Show(path) << ": "
                    << (s.error ? "lstat: " + ErrnoName(s.error) : "not a regular file");
      continue;
    }
    EXPECT_EQ(Mode(s.st), want["mode"].get<std::string>()) << "eio " << Show(path);
    EXPECT_EQ(uint64_t(s.st.st_size), want["size"].get<uint64_t>()) << "eio " << Show(path);
    ReadOutcome r = ReadWhole(root, path, want["size"].get<uint64_t>());
    if (r.error == 0) {
      ADD_FAILURE() << "eio " << Show(path) << ": read " << r.bytes
                    << " bytes and reached end of file without an error";
    } else {
      EXPECT_EQ(ErrnoName(r.error), "EIO") << "eio " << Show(path) << ": "
                                           << (r.open_failed ? "open" : "read") << " failed";
    }
  }
  for (const json& p : Field(c, "absent")) {
    std::string path = p.get<std::string>();
    struct stat st;
    std::string full = mnt + "/" + path;
    errno = 0;
    if (::lstat(full.c_str(), &st) == 0) {
      ADD_FAILURE() << "absent " << Show(path) << " exists (" << Show(full) << ")";
    } else if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG) {
      ADD_FAILURE() << "absent " << Show(path) << ": lstat: " << ErrnoName(errno);
    }
  }
  if (c.contains("counts")) {
    for (const auto& [path, want] : Field(c, "counts").items()) {
      UniqueFd dir(path.empty() ? ::openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1);
      if (!path.empty()) {
        std::string leaf;
        UniqueFd parent = OpenParent(root, path, &leaf);
        if (parent.valid()) dir = UniqueFd(::openat(parent.get(), leaf.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      }
      DIR* d = dir.valid() ? ::fdopendir(dir.Release()) : nullptr;
      if (d == nullptr) {
        ADD_FAILURE() << "counts: cannot list " << Show(path);
        continue;
      }
      uint64_t n = 0;
      while (dirent* e = ::readdir(d)) {
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ++n;
      }
      ::closedir(d);
      EXPECT_EQ(n, want.get<uint64_t>()) << "readdir count of " << Show(path);
    }
  }
  if (c.value("exact", false)) {
    std::set<std::string> found;
    Walk(root, "", found);
    for (const std::string& p : found) {
      if (!expected.count(p)) ADD_FAILURE() << "unexpected entry " << Show(p);
    }
    for (const std::string& p : expected) {
      if (!found.count(p)) ADD_FAILURE() << "not listed by readdir: " << Show(p);
    }
  }
  if (c.contains("max_rss_growth_mib")) {
    // The same files again, all at once: a daemon that keeps one inflated
    // copy per name or per reader shows it here.
    std::vector<std::pair<std::string, std::string>> files;
    for (const auto& [path, want] : Field(c, "files").items()) {
      files.push_back({path, want["sha256"].get<std::string>()});
    }
    std::vector<std::string> wrong(files.size());
    std::vector<std::thread> threads;
    for (size_t t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = t; i < files.size(); i += 8) {
          ReadOutcome r = ReadWhole(root, files[i].first);
          if (r.error != 0 || r.sha256 != files[i].second) wrong[i] = ErrnoName(r.error);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    for (size_t i = 0; i < files.size(); ++i) {
      if (!wrong[i].empty()) {
        ADD_FAILURE() << "concurrent read of " << Show(files[i].first) << " failed or differs ("
                      << wrong[i] << ")";
      }
    }
  }
}

// ---------------------------------------------------------------- tests

class HostileCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileCaseTest, Mount) {
  const Corpus& corpus = SmallCorpus();
  ASSERT_EQ(corpus.error, "") << "the hostile corpus could not be generated";
  LAYERFS_REQUIRE_FUSE();
  const json* c = corpus.Case(GetParam());
  ASSERT_NE(c, nullptr) << GetParam() << ": not in " << corpus.dir;
  RunCase(corpus, *c);
}

INSTANTIATE_TEST_SUITE_P(HostileCorpus, HostileCaseTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           std::string name = param_info.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

// The cases only --large writes (an entry over 4 GiB): generated when this
// test runs, and only when asked for, as it takes a minute and 4 GiB of reads.
TEST(HostileCorpusLargeTest, CasesOnlyInLargeCorpus) {
  const char* wanted = std::getenv("LAYERFS_LARGE_TESTS");
  if (wanted == nullptr || std::string(wanted) != "1") {
    GTEST_SKIP() << "SKIP: set LAYERFS_LARGE_TESTS=1 to run the over-4-GiB cases";
  }
  LAYERFS_REQUIRE_FUSE();
  const Corpus& large = LargeCorpus();
  ASSERT_EQ(large.error, "");
  const Corpus& small = SmallCorpus();
  ASSERT_EQ(small.error, "");
  int ran = 0;
  for (const json& c : large.doc["cases"]) {
    if (small.Case(c["name"].get<std::string>()) != nullptr) continue;
    SCOPED_TRACE(c["name"].get<std::string>());
    RunCase(large, c);
    ++ran;
  }
  EXPECT_GT(ran, 0) << "--large added no case";
}

}  // namespace
}  // namespace layerfs::test
