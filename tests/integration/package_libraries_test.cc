// A package's shared libraries on a real mount (fs/read/package_libraries):
// the first read of one of its modules gets them decompressed in the
// background, so the loader's reads that follow find every byte in the
// daemon's cache, exactly as zipped.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/daemon_probe.h"
#include "tests/integration/mount_harness.h"
#include "tests/support/noise_bytes.h"
#include "tests/support/test_files.h"
#include "tests/support/zip_builder.h"

namespace layerfs::test {
namespace {

using testing_zip::ZipBuilder;

struct Expected {
  std::string name;
  std::string content;
};

// Library-like bytes: compressible, with some noise.
std::string LibraryBytes(size_t size, uint32_t seed) {
  std::string s;
  while (s.size() < size) s += testing_bytes::Noise(64, seed++) + std::string(448, 'E');
  s.resize(size);
  return s;
}

std::vector<Expected> Package() {
  return {
      {"python/pkg/__init__.py", "from pkg import _core\n"},
      {"python/pkg/__pycache__/__init__.cpython-311.pyc", "bytecode"},
      {"python/pkg/_core.cpython-311-x86_64-linux-gnu.so", LibraryBytes(900 << 10, 1)},
      {"python/pkg/linalg/_lapack.cpython-311-x86_64-linux-gnu.so", LibraryBytes(300 << 10, 2)},
      {"python/pkg/native/binding.node", LibraryBytes(200 << 10, 3)},
      {"python/other/_far.so", LibraryBytes(100 << 10, 4)},
  };
}

std::string WriteLayer(const ScratchDir& tmp, const std::vector<Expected>& files) {
  ZipBuilder built;
  for (const Expected& f : files) built.File(f.name, f.content);
  std::string path = tmp / "layer.zip";
  EXPECT_TRUE(built.Write(path));
  return path;
}

nlohmann::json WaitForLibraries(const std::string& mountpoint, uint64_t count) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  nlohmann::json stats = StatsJson(mountpoint);
  while (stats.value("libraries_prefetched", uint64_t(0)) < count &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stats = StatsJson(mountpoint);
  }
  return stats;
}

TEST(PackageLibrariesMountTest, AModulesFirstReadDecompressesItsPackagesLibraries) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<Expected> files = Package();
  Mount mount({WriteLayer(tmp, files)}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  // The import reads the package's cached bytecode first.
  ASSERT_TRUE(testing_files::ReadFile(mount.path() + "/" + files[1].name) == files[1].content);
  nlohmann::json stats = WaitForLibraries(mount.path(), 3);
  EXPECT_EQ(stats["libraries_prefetched"].get<uint64_t>(), 3u) << stats.dump();
  EXPECT_EQ(stats["library_bytes_prefetched"].get<uint64_t>(),
            files[2].content.size() + files[3].content.size() + files[4].content.size());
  const uint64_t misses = stats["cache"]["misses"].get<uint64_t>();
  for (size_t i = 2; i <= 4; ++i) {
    EXPECT_TRUE(testing_files::ReadFile(mount.path() + "/" + files[i].name) == files[i].content)
        << files[i].name;
  }
  stats = StatsJson(mount.path());
  EXPECT_EQ(stats["cache"]["misses"].get<uint64_t>(), misses)
      << "a library was decompressed again by its read";
  EXPECT_EQ(stats["libraries_prefetched"].get<uint64_t>(), 3u) << "another package's library";
  EXPECT_EQ(ErrorSum(stats), 0u);
}

TEST(PackageLibrariesMountTest, NoPrefetchLeavesThemToTheLoader) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  std::vector<Expected> files = Package();
  Mount mount({WriteLayer(tmp, files)}, tmp / "mnt", "--no-prefetch");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  ASSERT_TRUE(testing_files::ReadFile(mount.path() + "/" + files[0].name) == files[0].content);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  nlohmann::json stats = StatsJson(mount.path());
  EXPECT_EQ(stats["libraries_prefetched"].get<uint64_t>(), 0u);
  EXPECT_EQ(stats["cache"]["misses"].get<uint64_t>(), 1u) << "only __init__.py was decompressed";
}

}  // namespace
}  // namespace layerfs::test
