// Replays every input the fuzzers ever found a bug with
// (tests/fuzz/regressions/<target>/*) through the fuzz targets' own code,
// so the ordinary test suite, and its sanitizer passes, catch a
// regression without clang or libFuzzer.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_targets.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> Inputs(const std::string& target) {
  fs::path dir = fs::path(LAYERFS_SOURCE_DIR) / "tests/fuzz/regressions" / target;
  std::vector<fs::path> files;
  if (fs::is_directory(dir)) {
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<uint8_t> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void Replay(const std::string& target, std::string (*check)(std::span<const uint8_t>)) {
  std::vector<fs::path> files = Inputs(target);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::vector<uint8_t> bytes = ReadBytes(file);
    EXPECT_EQ(check(bytes), "");
  }
  std::printf("replayed %zu %s regression inputs\n", files.size(), target.c_str());
  // A replay of nothing would pass whatever the code does.
  EXPECT_FALSE(files.empty()) << "tests/fuzz/regressions/" << target << " is empty";
}

TEST(FuzzRegressionsTest, ArchiveInputs) { Replay("archive", CheckArchive); }

TEST(FuzzRegressionsTest, EntryPathInputs) { Replay("entry_path", CheckEntryName); }

TEST(FuzzRegressionsTest, JsonInputs) { Replay("json", CheckJson); }

TEST(FuzzRegressionsTest, DeeplyNestedJsonIsRefusedByBothReaders) {
  // 80,000 open brackets once crashed every command that read JSON.
  for (char reader : {'\0', '\1'}) {
    std::string input = std::string(1, reader) + std::string(80000, '[');
    EXPECT_EQ(CheckJson({reinterpret_cast<const uint8_t*>(input.data()), input.size()}), "");
  }
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The checks themselves pass on ordinary input, so a failure above means a
// bug and not an over-strict check: names fine and refused, bytes that are
// no zip, and a two-layer stack using every read strategy.
TEST(FuzzRegressionsTest, ChecksAcceptOrdinaryInput) {
  EXPECT_EQ(CheckEntryName(Bytes(std::string(1, '\1') + "python/lib/x.py")), "");
  EXPECT_EQ(CheckEntryName(Bytes(std::string(1, '\2') + "a\\..\\..\\etc/passwd")), "");
  EXPECT_EQ(CheckArchive(Bytes("not a zip")), "");

  using namespace testing_zip;
  testing_files::TempDir dir;
  std::string big;
  for (int i = 0; big.size() < (3 << 20); ++i) big += "line " + std::to_string(i * 7919) + "\n";
  ZipBuilder lower, upper;
  lower.File("bin/tool", "#!/bin/sh\n").Mode(0755).Compress(Compression::kStore);
  lower.File("lib/big.txt", big);  // deflated, over the whole-entry limit: streamed
  lower.Symlink("lib/link", "big.txt");
  upper.File("lib/small.txt", "small").Compress(Compression::kDeflate);
  upper.File("bin/tool", "#!/bin/sh\necho 2\n").Compress(Compression::kStore);
  ASSERT_TRUE(lower.Write(dir / "lower.zip"));
  ASSERT_TRUE(upper.Write(dir / "upper.zip"));
  std::string stack = testing_files::ReadFile(dir / "lower.zip") + kLayerSeparator +
                      testing_files::ReadFile(dir / "upper.zip");
  EXPECT_EQ(CheckArchive(Bytes(stack)), "");
}

}  // namespace
}  // namespace layerfs::fuzz
