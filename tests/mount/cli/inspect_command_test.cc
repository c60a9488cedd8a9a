// `layerfs inspect`'s text form, line by line, on a stack built here: the
// layers, the stack totals, a file/directory clash, a finding, and names
// from the zip printed escaped.
#include "mount/cli/inspect_command.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs {
namespace {

using testing_files::SplitLines;
using testing_files::TempDir;
using testing_zip::ZipBuilder;

TEST(InspectCommandTest, TextNamesLayersClashesAndFindings) {
  TempDir tmp;
  ASSERT_TRUE(ZipBuilder().Dir("a").File("a/x", "x").Write(tmp / "one.zip"));
  ASSERT_TRUE(ZipBuilder()
                  .File("a", "f")
                  .File("extensions/ext", "s")
                  .Mode(0644)
                  .File("odd\nname", "n")
                  .Write(tmp / "two.zip"));
  std::ostringstream out, err;
  int code = RunInspect({tmp / "one.zip", tmp / "two.zip"}, out, err);
  EXPECT_EQ(code, 0) << err.str();
  std::vector<std::string> lines = SplitLines(out.str());
  auto has = [&](const std::string& want) {
    for (const std::string& l : lines) {
      if (l == want) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("layer 1: " + tmp / "one.zip")) << out.str();
  EXPECT_TRUE(has("  entries:   2 (1 files, 1 directories, 0 symlinks)")) << out.str();
  EXPECT_TRUE(has("  provides:  extensions/")) << out.str();
  EXPECT_TRUE(has("shadowed paths: 1")) << out.str();
  EXPECT_TRUE(has("  a: layer 2 (file) wins, hides layer 1 (directory)  [file/directory clash]"))
      << out.str();
  EXPECT_TRUE(has("findings: 1 (0 errors, 1 warnings, 0 notes)")) << out.str();
  bool finding = false;
  for (const std::string& l : lines) {
    if (l.starts_with("  warning: not-executable: layer 2 (") &&
        l.find("extensions/ext has mode 0644") != std::string::npos) {
      finding = true;
    }
    EXPECT_FALSE(l.starts_with("name")) << "a name from the zip broke a line: " << out.str();
  }
  EXPECT_TRUE(finding) << out.str();
}

}  // namespace
}  // namespace layerfs
