// Walks two directory trees and lists every difference a Lambda handler
// could observe: type, permission bits, size, mtime, symlink target,
// content, and directory link counts. Used to hold a layerfs mount to an
// `unzip -o` extraction of the same layers.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace layerfs::test {

struct TreeDiff {
  std::vector<std::string> differences;  // "path: what differs"
  size_t entries_compared = 0;
};

// `skip_dir_mtime(rel)`: directories whose mtime the expected tree cannot
// pin down (unzip -o leaves a directory merged from several layers at the
// time of extraction).
TreeDiff CompareTrees(const std::string& expected_root, const std::string& actual_root,
                      const std::function<bool(const std::string&)>& skip_dir_mtime = {});

// Builds trees to zip: files with content, mode and mtime; dirs; symlinks.
void WriteFile(const std::string& path, const std::string& content, unsigned mode = 0644,
               long mtime = 1700000000);
void MakeDir(const std::string& path, unsigned mode = 0755, long mtime = 1700000000);
void MakeSymlink(const std::string& target, const std::string& path);
void SetMtime(const std::string& path, long mtime);
std::string ReadAll(const std::string& path);

// The oracle: extracts `zips` in order into `dir` with `unzip -o` (in
// UTC, as Lambda's runtime does); false, with a test failure, if unzip
// fails.
bool UnzipInto(const std::vector<std::string>& zips, const std::string& dir);

}  // namespace layerfs::test
