// A real interpreter importing compiled modules from a mount: each module
// reaches the page cache in the answer to the isatty() Python asks at its
// open (mount/page_push.h), and the first module of a __pycache__ gets the
// others decompressed ahead (fs/read/bytecode_warm.h), so the whole import
// sends no READ, and runs exactly the code that was zipped.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/integration/daemon_probe.h"
#include "tests/integration/mount_harness.h"
#include "tests/integration/tree_compare.h"

namespace layerfs::test {
namespace {

// python/pkg: three modules, compiled by the system's python3 as a layer
// build would, zipped by Info-ZIP.
std::string BuildLayer(const ScratchDir& tmp) {
  const std::string src = tmp / "src", pkg = src + "/python/pkg";
  WriteFile(pkg + "/__init__.py", "from pkg import alpha, beta\nVALUE = alpha.X * beta.Y\n",
            0644, 1700000000);
  WriteFile(pkg + "/alpha.py", "X = 6\n" + std::string(30000, '#') + "\n", 0644, 1700000002);
  WriteFile(pkg + "/beta.py", "Y = 7\n", 0644, 1700000004);
  CommandResult built = Shell("python3 -m compileall -q " + Quote(pkg) + " && cd " + Quote(src) +
                              " && zip -qry ../layer.zip .");
  EXPECT_EQ(built.exit_code, 0) << built.output;
  return tmp / "layer.zip";
}

uint64_t WaitForModules(const std::string& mountpoint, uint64_t count) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  uint64_t warmed = 0;
  while ((warmed = StatsJson(mountpoint).value("modules_prefetched", uint64_t(0))) < count &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return warmed;
}

CommandResult Import(const std::string& mountpoint) {
  return Shell("env -i PATH=/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1 PYTHONPATH=" +
               Quote(mountpoint + "/python") +
               " python3 -S -c 'import pkg, sys; print(pkg.VALUE, pkg.alpha.__cached__ is not None)'");
}

TEST(PythonImportTest, CompiledModulesAreImportedWithoutAReadRequest) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  Mount mount({BuildLayer(tmp)}, tmp / "mnt");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  CommandResult imported = Import(mount.path());
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_EQ(imported.output, "42 True\n");
  nlohmann::json stats = StatsJson(mount.path());
  EXPECT_EQ(stats["reads"].get<uint64_t>(), 0u) << stats.dump();
  EXPECT_GE(stats["files_pushed"].get<uint64_t>(), 3u) << "one per compiled module";
  // The first module read planned the other two of its __pycache__.
  EXPECT_EQ(WaitForModules(mount.path(), 2), 2u);
  EXPECT_EQ(ErrorSum(StatsJson(mount.path())), 0u);
}

TEST(PythonImportTest, NoPrefetchImportsTheSameWithReads) {
  LAYERFS_REQUIRE_FUSE();
  ScratchDir tmp;
  Mount mount({BuildLayer(tmp)}, tmp / "mnt", "--no-prefetch");
  ASSERT_TRUE(mount.ok()) << mount.result().output;
  CommandResult imported = Import(mount.path());
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_EQ(imported.output, "42 True\n");
  nlohmann::json stats = StatsJson(mount.path());
  EXPECT_EQ(stats["files_pushed"].get<uint64_t>(), 0u);
  EXPECT_EQ(stats["modules_prefetched"].get<uint64_t>(), 0u);
  EXPECT_GE(stats["reads"].get<uint64_t>(), 3u);
}

}  // namespace
}  // namespace layerfs::test
