// AccessLog: one line per node however many workers open it at once, and
// lines that stay one entry whatever bytes a name holds.
#include "mount/access_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fs/union/union_view.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::ReadFile;
using testing_files::SplitLines;
using testing_files::TempDir;
using testing_zip::ZipBuilder;

TEST(AccessLogTest, ConcurrentOpensLogEachFileOnceWithItsLayer) {
  TempDir tmp;
  ZipBuilder lower, upper;
  for (int i = 0; i < 20; ++i) lower.File("lib/f" + std::to_string(i), "lower");
  upper.File("lib/f3", "upper");  // the upper layer wins f3
  ASSERT_TRUE(lower.Write(tmp / "lower.zip"));
  ASSERT_TRUE(upper.Write(tmp / "upper.zip"));
  Result<std::unique_ptr<UnionView>> view = UnionView::Open({tmp / "lower.zip", tmp / "upper.zip"});
  ASSERT_TRUE(view.ok()) << view.status().message();
  const UnionNode* lib = (*view)->Lookup((*view)->root(), "lib");
  ASSERT_NE(lib, nullptr);
  std::vector<const UnionNode*> files;
  for (const UnionNode& n : (*view)->Children(*lib)) files.push_back(&n);
  ASSERT_EQ(files.size(), 20u);

  Result<std::unique_ptr<AccessLog>> log = AccessLog::Open(tmp / "access.log");
  ASSERT_TRUE(log.ok()) << log.status().message();
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        for (size_t i = 0; i < files.size(); ++i) {
          const UnionNode* node = files[(i + size_t(t) * 3) % files.size()];
          (*log)->RecordOpen(**view, *node, std::chrono::milliseconds(1500));
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();

  std::vector<std::string> lines = SplitLines(ReadFile(tmp / "access.log"));
  ASSERT_EQ(lines.size(), 20u);
  std::set<std::string> paths;
  for (const std::string& line : lines) {
    std::istringstream fields(line);
    std::string path, layer, seconds;
    ASSERT_TRUE(std::getline(fields, path, '\t') && std::getline(fields, layer, '\t') &&
                std::getline(fields, seconds))
        << line;
    paths.insert(path);
    EXPECT_EQ(layer, path == "lib/f3" ? tmp / "upper.zip" : tmp / "lower.zip") << line;
    EXPECT_EQ(seconds, "1.500000");
  }
  EXPECT_EQ(paths.size(), 20u);
}

TEST(AccessLogTest, ControlBytesAndBackslashesAreEscaped) {
  std::string line = AccessLog::FormatLine(std::string("a\tb\nc\\d\x01", 8), "/l/x.zip",
                                           std::chrono::microseconds(2500));
  EXPECT_EQ(line, "a\\tb\\nc\\\\d\\x01\t/l/x.zip\t0.002500\n");
}

TEST(AccessLogTest, OpenReplacesTheFileAndFailsOnABadPath) {
  TempDir tmp;
  testing_files::WriteFile(tmp / "access.log", "old content\n");
  Result<std::unique_ptr<AccessLog>> log = AccessLog::Open(tmp / "access.log");
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(ReadFile(tmp / "access.log"), "");
  Result<std::unique_ptr<AccessLog>> bad = AccessLog::Open(tmp / "no/such/dir/log");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no/such/dir/log"), std::string::npos);
}

}  // namespace
}  // namespace layerfs
