#include "tests/integration/tree_compare.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include "tests/integration/mount_harness.h"

namespace layerfs::test {

namespace {

std::set<std::string> ListDir(const std::string& dir) {
  std::set<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.insert(n);
    }
    ::closedir(d);
  }
  return names;
}

std::string ReadLinkOf(const std::string& path) {
  char buf[4096];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  return n < 0 ? "<readlink failed>" : std::string(buf, size_t(n));
}

std::string Octal(unsigned mode) {
  std::ostringstream s;
  s << "0" << std::oct << mode;
  return s.str();
}

void CompareEntry(const std::string& rel, const std::string& e, const std::string& a,
                  TreeDiff& diff, const std::function<bool(const std::string&)>& skip);

void CompareDir(const std::string& rel, const std::string& e, const std::string& a,
                TreeDiff& diff, const std::function<bool(const std::string&)>& skip) {
  std::set<std::string> en = ListDir(e), an = ListDir(a);
  for (const std::string& n : en) {
    if (!an.count(n)) diff.differences.push_back(rel + n + ": missing in mount");
  }
  for (const std::string& n : an) {
    if (!en.count(n)) diff.differences.push_back(rel + n + ": extra in mount");
  }
  for (const std::string& n : en) {
    if (an.count(n)) CompareEntry(rel + n, e + "/" + n, a + "/" + n, diff, skip);
  }
}

void CompareEntry(const std::string& rel, const std::string& e, const std::string& a,
                  TreeDiff& diff, const std::function<bool(const std::string&)>& skip) {
  ++diff.entries_compared;
  struct stat es, as;
  if (::lstat(e.c_str(), &es) != 0 || ::lstat(a.c_str(), &as) != 0) {
    diff.differences.push_back(rel + ": lstat failed");
    return;
  }
  auto report = [&](const std::string& what, auto want, auto got) {
    std::ostringstream s;
    s << rel << ": " << what << " expected " << want << " got " << got;
    diff.differences.push_back(s.str());
  };
  if ((es.st_mode & S_IFMT) != (as.st_mode & S_IFMT)) {
    report("type", es.st_mode & S_IFMT, as.st_mode & S_IFMT);
    return;
  }
  if (S_ISLNK(es.st_mode)) {
    if (ReadLinkOf(e) != ReadLinkOf(a)) report("symlink target", ReadLinkOf(e), ReadLinkOf(a));
    return;  // unzip does not set symlink times; Linux ignores symlink modes
  }
  if ((es.st_mode & 07777) != (as.st_mode & 07777)) {
    report("mode", Octal(es.st_mode & 07777), Octal(as.st_mode & 07777));
  }
  bool skip_mtime = S_ISDIR(es.st_mode) && skip && skip(rel);
  if (!skip_mtime && es.st_mtim.tv_sec != as.st_mtim.tv_sec) report("mtime", es.st_mtim.tv_sec, as.st_mtim.tv_sec);
  if (S_ISDIR(es.st_mode)) {
    if (es.st_nlink != as.st_nlink) report("nlink", es.st_nlink, as.st_nlink);
    CompareDir(rel + "/", e, a, diff, skip);
    return;
  }
  if (es.st_size != as.st_size) report("size", es.st_size, as.st_size);
  if (ReadAll(e) != ReadAll(a)) diff.differences.push_back(rel + ": content differs");
}

}  // namespace

TreeDiff CompareTrees(const std::string& expected_root, const std::string& actual_root,
                      const std::function<bool(const std::string&)>& skip_dir_mtime) {
  TreeDiff diff;
  CompareDir("", expected_root, actual_root, diff, skip_dir_mtime);
  return diff;
}

void WriteFile(const std::string& path, const std::string& content, unsigned mode, long mtime) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  ::chmod(path.c_str(), mode);
  SetMtime(path, mtime);
}

void MakeDir(const std::string& path, unsigned mode, long mtime) {
  std::filesystem::create_directories(path);
  ::chmod(path.c_str(), mode);
  SetMtime(path, mtime);
}

void MakeSymlink(const std::string& target, const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  (void)::symlink(target.c_str(), path.c_str());
}

void SetMtime(const std::string& path, long mtime) {
  timespec times[2] = {{mtime, 0}, {mtime, 0}};
  ::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

bool UnzipInto(const std::vector<std::string>& zips, const std::string& dir) {
  Shell("mkdir -p " + Quote(dir));
  for (const std::string& z : zips) {
    CommandResult r = Shell("cd " + Quote(dir) + " && TZ=UTC unzip -qo " + Quote(z));
    EXPECT_EQ(r.exit_code, 0) << z << ": " << r.output;
    if (r.exit_code != 0) return false;
  }
  return true;
}

}  // namespace layerfs::test
